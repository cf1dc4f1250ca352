"""The alert subscription form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from geo.gazetteer import COUNTIES, MUNICIPALITIES
from marketplace.web.fields import LocalDecimalField, MultiCheckboxField, ascii_digits
from marketplace.web.helpers import locale, options
from marketplace.web.inputs import Form
from models.sites import Site
from models.taxonomy import CATEGORIES

AREA_LABELS = {
    "circle": _l("Within a distance of one of our sites or of a point on the map"),
    "polygon": _l("Inside an area I draw on the map"),
    "regions": _l("In chosen municipalities or counties"),
}
CADENCE_LABELS = {
    "instant": _l("At once, one email per listing"),
    "daily": _l("Daily summary"),
    "weekly": _l("Weekly summary (Mondays)"),
}
DIRECTION_LABELS = {"offer": _l("Offers (someone has it)"), "want": _l("Wants (someone needs it)")}
KIND_LABELS = {
    "material": _l("Materials"),
    "energy": _l("Energy"),
    "capacity": _l("Capacity"),
}
POINT = ""  # site_id value for "the point I click on the map"


class AlertForm(Form):
    name = StringField(
        _l("Name of the alert"),
        validators=[Optional(), Length(max=120)],  # required on save (service), not to preview
        description=_l("For example “Sawdust near Borlänge”."),
    )
    area_kind = RadioField(_l("Where"), default="circle")
    site_id = SelectField(_l("Centre"), default=POINT)
    center_lat = HiddenField()
    center_lon = HiddenField()
    radius_km = LocalDecimalField(
        _l("Distance (km)"), validators=[Optional()], default=30, places=None
    )
    polygon = HiddenField()
    regions = MultiCheckboxField(_l("Municipalities and counties"))
    directions = MultiCheckboxField(_l("Tell me about"), default=["offer"])
    kinds = MultiCheckboxField(_l("Kinds"), description=_l("Leave all unticked for every kind."))
    categories = MultiCheckboxField(
        _l("Categories"), description=_l("Leave all unticked for every category.")
    )
    ewc = StringField(
        _l("Waste codes or chapters"),
        validators=[Optional(), Length(max=400), ascii_digits],
        description=_l("Optional. E.g. 03 01 05, or 03 for a whole chapter; separate with commas."),
    )
    keywords = StringField(
        _l("Keywords"),
        validators=[Optional(), Length(max=200)],
        description=_l("Optional. A listing matches if it mentions any of the words."),
    )
    cadence = RadioField(_l("How often"), default="instant")

    def __init__(self, *args: Any, sites: Sequence[Site] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = locale()
        self.area_kind.choices = options(AREA_LABELS.items())
        self.site_id.choices = [
            SelectChoice(POINT, _("The point I click on the map")),
            *(
                SelectChoice(str(s.id), s.name, render_kw={"data-lat": s.lat, "data-lon": s.lon})
                for s in sites
            ),
        ]
        self.regions.choices = options(
            [(c.code, _("%(name)s (county)", name=c.name)) for c in COUNTIES]
            + [(m.code, m.name) for m in sorted(MUNICIPALITIES, key=lambda m: m.name)]
        )
        self.directions.choices = options(DIRECTION_LABELS.items())
        self.kinds.choices = options(KIND_LABELS.items())
        self.categories.choices = options((c.key, c.label(lang)) for c in CATEGORIES)
        self.cadence.choices = options(CADENCE_LABELS.items())
