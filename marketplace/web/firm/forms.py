"""Forms for the firm's details, sites and members."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from geo.gazetteer import COUNTY_BY_CODE, MUNICIPALITIES
from marketplace.web.fields import (
    LocalDecimalField,
    ascii_digits,
    email_field,
    sni_check,
    website_field,
)
from marketplace.web.helpers import options
from marketplace.web.inputs import Form

OUTSIDE = "outside"


class FirmForm(Form):
    name = StringField(
        _l("Firm name"), validators=[InputRequired(_l("Enter the firm's name.")), Length(max=200)]
    )
    sni_code = StringField(
        _l("SNI code (optional)"), validators=[Optional(), Length(max=7), ascii_digits, sni_check]
    )
    website = website_field()
    contact_email = EmailField(
        _l("Contact email"),
        validators=[
            Optional(),
            Email(_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])


def municipality_choices() -> list[SelectChoice]:
    """The region's 41 municipalities by name, with their county, then 'outside the region'.

    Each option carries its main town's coordinates, where the map centres on choosing it.
    """
    towns = sorted(MUNICIPALITIES, key=lambda m: m.name)
    return [
        SelectChoice("", str(_l("Choose a municipality"))),
        *(
            SelectChoice(
                m.code,
                f"{m.name} ({COUNTY_BY_CODE[m.county_code].name})",
                render_kw={"data-lat": str(m.lat), "data-lon": str(m.lon)},
            )
            for m in towns
        ),
        SelectChoice(OUTSIDE, str(_l("Outside the region"))),
    ]


class SiteForm(Form):
    name = StringField(
        _l("Site name"),
        validators=[
            InputRequired(_l("Give the site a name, e.g. 'Sawmill Edsbyn'.")),
            Length(max=120),
        ],
    )
    street = StringField(
        _l("Street address"),
        validators=[Optional(), Length(max=200)],
        render_kw={"autocomplete": "street-address"},
    )
    postcode = StringField(
        _l("Postcode"),
        validators=[Optional(), Length(max=7), ascii_digits],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric"},
    )
    town = StringField(
        _l("Town"),
        validators=[Optional(), Length(max=100)],
        render_kw={"autocomplete": "address-level2"},
    )
    municipality_code = SelectField(
        _l("Municipality"), validators=[InputRequired(_l("Choose the municipality."))]
    )
    lat = LocalDecimalField(
        _l("Latitude (optional)"),
        places=None,
        validators=[Optional(), NumberRange(-90, 90, _l("Latitude lies between -90 and 90."))],
        description=_l(
            "Decimal degrees, e.g. 60.6050. Leave empty to use the municipality's main town."
        ),
    )
    lon = LocalDecimalField(
        _l("Longitude (optional)"),
        places=None,
        validators=[Optional(), NumberRange(-180, 180, _l("Longitude lies between -180 and 180."))],
        description=_l("Decimal degrees, e.g. 15.6030."),
    )
    may_receive_hazardous = BooleanField(_l("The site may receive hazardous waste"))
    has_waste_permit = BooleanField(_l("The site has an environmental permit to treat waste"))
    permit_notes = TextAreaField(
        _l("Permits (optional)"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Permit numbers, conditions, what may be received."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality_code.choices = municipality_choices()


class InviteForm(Form):
    email = email_field(_l("Colleague's email"))


class RoleForm(Form):
    role = SelectField(
        _l("Role"), choices=options([("member", _l("Member")), ("owner", _l("Owner"))])
    )
