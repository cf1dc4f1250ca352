"""The listing form, tailored to direction and resource kind, and the search form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from marketplace.services.reference.factor_defaults import usual_route
from marketplace.web.fields import LocalDecimalField, WholeNumberField, ascii_digits, choice_id
from marketplace.web.helpers import locale, options, unit_label
from marketplace.web.inputs import Form
from marketplace.web.presenters.estimate import ROUTE_LABELS
from models.sites import Site
from models.taxonomy import KIND_UNITS, categories_for

RECURRENCE_LABELS = {
    "once": _l("One-off"),
    "week": _l("Per week"),
    "month": _l("Per month"),
    "year": _l("Per year"),
}
PRICE_LABELS = {
    "negotiable": _l("Negotiable"),
    "price": _l("Price per unit (SEK)"),
    "free": _l("Free"),
    "fee": _l("The supplier pays a fee per unit (SEK)"),
}
VISIBILITY_LABELS = {
    "public": _l("Public: firm name and site are shown"),
    "anonymous": _l("Anonymous: firm and exact site hidden until you answer an inquiry"),
}
SEASONALITY_LABELS = {
    "all_year": _l("All year"),
    "heating_season": _l("Heating season (October–April)"),
    "summer": _l("Mainly summer"),
    "varies": _l("Varies"),
}
CAPACITY_LABELS = {
    "storage": _l("Storage"),
    "transport": _l("Transport"),
    "machine_time": _l("Machine time"),
}
DIRECTION_LABELS = {"offer": _l("Offer"), "want": _l("Want")}
KIND_LABELS = {
    "material": _l("Material, by-product or residual"),
    "energy": _l("Energy (surplus heat)"),
    "capacity": _l("Spare capacity"),
}

_QTY = NumberRange(
    min=0, max=1_000_000_000, message=_l("Enter a number between 0 and one billion.")
)


def _opt_decimal(label: str | LazyString, **kwargs: Any) -> LocalDecimalField:
    return LocalDecimalField(
        label,
        places=None,
        validators=[Optional(), _QTY],
        render_kw={"inputmode": "decimal"},
        **kwargs,
    )


class ListingForm(Form):
    site_id = SelectField(
        _l("Site"),
        coerce=choice_id,
        validators=[InputRequired(_l("Choose a site."))],
        invalid_value_message=_l("Choose a site."),
    )
    title = StringField(
        _l("Title"),
        validators=[InputRequired(_l("Give the listing a title.")), Length(max=120)],
        description=_l("What it is, in a few words, e.g. 'Dry sawdust from spruce'."),
    )
    category = SelectField(_l("Category"), validators=[InputRequired(_l("Choose a category."))])
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Origin, form, quality, how it is stored and handled."),
    )
    composition = TextAreaField(
        _l("Composition (optional)"),
        validators=[Optional(), Length(max=5000)],
        description=_l("E.g. moisture content, contaminants, particle size."),
    )
    ewc_code = StringField(
        _l("Waste code (EWC)"),
        validators=[Optional(), Length(max=12), ascii_digits],
        render_kw={"list": "ewc-codes", "autocomplete": "off"},
        description=_l(
            "Six digits, e.g. 03 01 05. Leave empty if the stream is not classified as waste."
        ),
    )
    quantity = LocalDecimalField(
        _l("Quantity"),
        places=None,
        validators=[InputRequired(_l("Enter the quantity.")), _QTY],
        render_kw={"inputmode": "decimal"},
    )
    unit = SelectField(_l("Unit"), validators=[InputRequired()])
    density_t_per_m3 = _opt_decimal(
        _l("Density (t/m³)"), description=_l("Needed when the quantity is in m³.")
    )
    recurrence = SelectField(_l("Recurrence"), choices=options(RECURRENCE_LABELS.items()))
    available_from = DateField(_l("Available from"), validators=[Optional()])
    available_until = DateField(
        _l("Available until"),
        validators=[Optional()],
        description=_l("The listing expires after this date."),
    )
    remaining_quantity = _opt_decimal(
        _l("Remaining quantity"), description=_l("Leave empty for the full quantity.")
    )
    price_model = RadioField(
        _l("Price"), choices=options(PRICE_LABELS.items()), default="negotiable"
    )
    price_sek = _opt_decimal(_l("Amount per unit (SEK)"))
    max_distance_km = WholeNumberField(
        _l("Maximum transport distance (km)"),
        validators=[
            Optional(),
            NumberRange(1, 2000, _l("Enter a distance between 1 and 2000 km.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    visibility = RadioField(
        _l("Visibility"), choices=options(VISIBILITY_LABELS.items()), default="public"
    )
    temperature_c = LocalDecimalField(
        _l("Temperature (°C)"),
        places=None,
        validators=[
            Optional(),
            NumberRange(-50, 1500, _l("Enter a temperature between -50 and 1500 °C.")),
        ],
    )
    seasonality = SelectField(_l("Seasonality"), choices=options(SEASONALITY_LABELS.items()))
    capacity_type = SelectField(_l("Type of capacity"), choices=options(CAPACITY_LABELS.items()))
    current_route = SelectField(
        _l("What happens to the stream today"),
        validators=[Optional()],
        description=_l(
            "It decides what an exchange saves: only a stream that is landfilled today avoids"
            " landfill, and a stream you already sell saves no virgin input."
        ),
    )
    current_route_km = LocalDecimalField(
        _l("Road km to today's disposal site or user (optional)"),
        places=None,
        validators=[
            Optional(),
            NumberRange(0, 2000, _l("Enter a distance between 0 and 2000 km.")),
        ],
        render_kw={"inputmode": "decimal"},
    )

    KIND_FIELDS = {
        "material": {"composition", "ewc_code", "density_t_per_m3"},
        "energy": {"temperature_c", "seasonality"},
        "capacity": {"capacity_type"},
    }

    OFFER_MATERIAL_FIELDS = ("current_route", "current_route_km")

    def __init__(
        self, *args: Any, kind: str, direction: str, sites: Sequence[Site], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.site_id.choices = options((s.id, s.name) for s in sites)
        language = locale()
        self.category.choices = options(
            [("", str(_l("Choose a category")))]
            + [(c.key, c.label(language)) for c in categories_for(kind)]
        )
        self.unit.choices = options((u, unit_label(u)) for u in KIND_UNITS[kind])
        for other_kind, names in self.KIND_FIELDS.items():
            if other_kind != kind:
                for name in names:
                    delattr(self, name)
        if kind == "material" and direction == "offer":
            self.current_route.choices = route_choices(self.category.data)
        else:
            for name in self.OFFER_MATERIAL_FIELDS:
                delattr(self, name)

    def has(self, name: str) -> bool:
        return name in self._fields


def route_choices(category: str | None) -> list[SelectChoice]:
    """Today's routes, the first saying which default an unstated route is estimated with."""
    usual = usual_route(category) if category else "unknown"
    if usual == "unknown":
        unstated = _("Not stated: estimates assume the category's usual fate in Sweden")
    else:
        unstated = _(
            "Not stated: estimates assume %(route)s, the usual fate of this category in Sweden",
            route=str(ROUTE_LABELS[usual]).lower(),
        )
    return options([("", unstated), *ROUTE_LABELS.items()])


class ReportForm(Form):
    """A member's report of a listing; whether it says enough is the service's rule."""

    reason = TextAreaField(_l("What is wrong with it?"), validators=[Optional()])


class SearchForm(Form):
    """GET search: no CSRF token (nothing changes) and unknown values are simply ignored."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    direction = SelectField(_l("Offers or wants"), validators=[Optional()])
    kind = SelectField(_l("Resource kind"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    ewc = StringField(
        _l("Waste code or chapter"),
        validators=[Optional(), Length(max=12)],
        description=_l("E.g. 03 (chapter), 03 01 or 03 01 05."),
    )
    county = SelectField(_l("County"), validators=[Optional()])
    municipality = SelectField(_l("Municipality"), validators=[Optional()])
    near = SelectField(_l("Near"), validators=[Optional()])
    radius_km = StringField(
        _l("Within (km)"),
        default="30",
        validators=[Optional(), Length(max=6)],
        render_kw={"inputmode": "decimal", "size": "4"},
    )
    area = HiddenField()
