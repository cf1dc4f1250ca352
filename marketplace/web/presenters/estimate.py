"""The inputs of an estimate, shared by the estimate page and `GET /api/v1/impact`.

Every field is optional: an empty field means "the pair's default", which the page shows as a
placeholder and in the list of assumptions, never as the user's own input.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField
from wtforms.validators import NumberRange, Optional

from marketplace.services.impact.estimates import Choice
from marketplace.web.fields import LocalDecimalField
from marketplace.web.helpers import options
from marketplace.web.inputs import Form

ROUTE_LABELS = {
    "landfill": _l("Landfill"),
    "incineration": _l("Incineration or energy recovery"),
    "sold": _l("Sold or used elsewhere"),
    "unknown": _l("Unknown"),
}
MODE_LABELS = {"truck": _l("Truck"), "rail": _l("Rail")}
MODE_INPUT = {"truck": "road", "rail": "rail"}  # the API's and form's names -> the estimator's


def _number(label: Any, low: float, high: float, message: Any, **kwargs: Any) -> LocalDecimalField:
    return LocalDecimalField(
        label, places=None, validators=[Optional(), NumberRange(low, high, message)], **kwargs
    )


class EstimateForm(Form):
    """A GET form (no CSRF token, nothing stored); field names are the API's parameters."""

    class Meta:
        csrf = False

    offer = HiddenField()
    want = HiddenField()
    quantity = _number(
        _l("Quantity"), 0, 1_000_000_000, _l("Enter a number between 0 and one billion.")
    )
    route = SelectField(_l("What happens to the stream today"), validators=[Optional()])
    baseline_km = _number(
        _l("Road km to today's disposal site or user"),
        0,
        2000,
        _l("Enter a distance between 0 and 2000 km."),
    )
    substitution = _number(
        _l("Substitution ratio (0–1)"),
        0,
        1,
        _l("Enter a ratio between 0 and 1."),
        description=_l(
            "1 when it replaces the same amount of virgin input; 0.5–0.9 when down-cycled."
        ),
    )
    substitution_today = _number(
        _l("Substitution ratio of today's use (0–1)"),
        0,
        1,
        _l("Enter a ratio between 0 and 1."),
        description=_l(
            "Only for a stream that is sold or used today: the new use earns credit only for"
            " the grade it adds over today's use."
        ),
    )
    mode = SelectField(_l("Transport"), validators=[Optional()])
    price = _number(
        _l("Price of the displaced input (SEK per t, or per MWh for heat)"),
        0,
        1_000_000,
        _l("Enter a price between 0 and 1 000 000."),
    )
    freight_sek_per_tkm = _number(
        _l("Road freight price (SEK per tonne-km)"), 0, 100, _l("Enter a price between 0 and 100.")
    )
    processing_kwh = _number(
        _l("Electricity for pre-treatment (kWh in total)"),
        0,
        1_000_000_000,
        _l("Enter a number between 0 and one billion."),
    )
    heat_factor = _number(
        _l("Displaced heat production (kg CO2e per MWh)"),
        0,
        2000,
        _l("Enter a factor between 0 and 2000."),
        description=_l(
            "The receiving network's marginal production, not its average (miljövärde)."
        ),
    )
    aux_kwh = _number(
        _l("Auxiliary electricity for pumps or a heat pump (kWh in total)"),
        0,
        1_000_000_000,
        _l("Enter a number between 0 and one billion."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.route.choices = options([("", _l("Default")), *ROUTE_LABELS.items()])
        self.mode.choices = options([("", _l("Default")), *MODE_LABELS.items()])

    MATERIAL_FIELDS = (
        "quantity", "route", "baseline_km", "substitution", "substitution_today", "mode",
        "price", "freight_sek_per_tkm", "processing_kwh",
    )  # fmt: skip
    HEAT_FIELDS = ("quantity", "heat_factor", "aux_kwh", "price")

    def errors_by_field(self) -> dict[str, list[str]]:
        return {name: list(f.errors) for name, f in self._fields.items() if f.errors}


def _float(field: Any) -> float | None:
    return float(field.data) if field.data is not None else None


def choice_from(form: EstimateForm) -> Choice:
    """The user's own inputs; every empty field stays None (the pair's default)."""
    return Choice(
        quantity=_float(form.quantity),
        baseline_route=form.route.data or None,
        substitution_ratio=_float(form.substitution),
        transport_mode=MODE_INPUT.get(form.mode.data or ""),
        virgin_price_sek=_float(form.price),
        baseline_distance_km=_float(form.baseline_km),
        displaced_heat_kg_per_mwh=_float(form.heat_factor),
        processing_kwh=_float(form.processing_kwh),
        aux_electricity_kwh=_float(form.aux_kwh),
        freight_sek_per_tkm=_float(form.freight_sek_per_tkm),
        substitution_today=_float(form.substitution_today),
    )
