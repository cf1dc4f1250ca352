"""The inputs of one exchange's estimate and the pieces both halves of it are made of.

`impact` computes the CO2e terms and assembles the estimate, `impact_cost` the SEK terms; both
build on these types. Formulas are token tuples (text and `Num`) so that the web layer writes
every number in the reader's language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from marketplace.services.errors import N_

ROUTES = ("landfill", "incineration", "sold", "unknown")  # models.taxonomy.CURRENT_ROUTES
MODES = ("road", "rail")
PERS = ("year", "once")
HEAT_KEY = "heat"
ROAD = "transport.road"
CIRCUITY = "circuity"
ELECTRICITY = "electricity.nordic"

NOTE_SOLD = N_(
    "The stream is sold or used today: its current user would then buy virgin input instead,"
    " so there is no substitution credit. The exchange moves the stream rather than saving a"
    " virgin input."
)
NOTE_SOLD_HIGHER_GRADE = N_(
    "The stream is sold or used today: only the higher grade of the new use (s − s_today) is"
    " credited."
)


class FactorLike(Protocol):
    """What the estimator reads from a factor: FactorRecord or a database row."""

    @property
    def value(self) -> float: ...
    @property
    def low(self) -> float | None: ...
    @property
    def high(self) -> float | None: ...
    @property
    def unit(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def year(self) -> int: ...


Factors = Mapping[str, FactorLike]
Values = Mapping[str, float]  # factor key -> the value used in one evaluation


@dataclass(frozen=True)
class ImpactInputs:
    """One exchange as entered; distances in km, quantity in t (MWh for heat) per `per`."""

    impact_key: str | None  # the category's impact key (None: no estimate)
    category: str  # category key, for the gate fee
    quantity: float  # m: tonnes for materials, MWh for heat; per year or once (`per`)
    distance_km: float  # d: straight line supplier -> buyer (circuity is applied)
    baseline_route: str = "landfill"  # today's route: ROUTES
    baseline_distance_km: float = 0.0  # d0: road km to today's disposal site or user (0: unknown)
    substitution_ratio: float = 1.0  # s, 0..1
    transport_mode: str = "road"  # "road" | "rail"
    virgin_price_sek: float = 0.0  # P_virgin per t of displaced input (per MWh for heat)
    processing_kwh: float = 0.0  # extra pre-treatment electricity, kWh in total
    displaced_heat_kg_per_mwh: float | None = None  # heat: marginal production factor
    aux_electricity_kwh: float = 0.0  # heat: pumps / heat pump, kWh in total
    substitution_today: float | None = None  # sold today: s of today's use (None: same as s)
    freight_sek_per_tkm: float | None = None  # road freight price (None: the factor set's)
    per: str = "once"  # "year" for a recurring stream, "once" for a one-off lot
    heat_factor_key: str | None = None  # heat: the receiving network's factor (a default)


@dataclass(frozen=True)
class Num:
    """A number inside a formula, shown with at most `places` decimals in the reader's format."""

    value: float
    places: int = 4


Formula = tuple[str | Num, ...]


@dataclass(frozen=True)
class Term:
    """One addend: kg CO2e in `Estimate.terms`, SEK in `Estimate.sek_terms`."""

    name: str
    kg: float
    formula: Formula
    factors: tuple[str, ...]
    notes: tuple[str, ...] = ()


class ImpactInputError(ValueError):
    """Bad input; `message` is an N_-marked msgid and `field` the ImpactInputs field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


_NON_NEGATIVE = {
    "quantity": N_("Quantity must be zero or more."),
    "distance_km": N_("Distance must be zero or more kilometres."),
    "baseline_distance_km": N_(
        "Distance to today's disposal site or user must be zero or more kilometres."
    ),
    "virgin_price_sek": N_("The price of the displaced input must be zero or more."),
    "processing_kwh": N_("Processing electricity must be zero or more kWh."),
    "aux_electricity_kwh": N_("Auxiliary electricity must be zero or more kWh."),
}
_OPTIONAL = {
    "displaced_heat_kg_per_mwh": N_("The displaced heat factor must be zero or more."),
    "freight_sek_per_tkm": N_("The freight price must be zero or more SEK per tonne-km."),
}
_RATIOS = {
    "substitution_ratio": N_("The substitution ratio must be between 0 and 1."),
    "substitution_today": N_("Today's substitution ratio must be between 0 and 1."),
}


def _finite_at_least_zero(value: float) -> bool:
    return math.isfinite(value) and value >= 0


def validate_inputs(inputs: ImpactInputs) -> None:
    """Raise ImpactInputError (a ValueError) naming the first bad field."""
    for field, message in _NON_NEGATIVE.items():
        if not _finite_at_least_zero(getattr(inputs, field)):
            raise ImpactInputError(message, field)
    for field, message in _OPTIONAL.items():
        value = getattr(inputs, field)
        if value is not None and not _finite_at_least_zero(value):
            raise ImpactInputError(message, field)
    for field, message in _RATIOS.items():
        value = getattr(inputs, field)
        if value is not None and not (math.isfinite(value) and 0 <= value <= 1):
            raise ImpactInputError(message, field)
    if inputs.baseline_route not in ROUTES:
        raise ImpactInputError(N_("Unknown route for today."), "baseline_route")
    if inputs.transport_mode not in MODES:
        raise ImpactInputError(N_("Unknown transport mode."), "transport_mode")
    if inputs.per not in PERS:
        raise ImpactInputError(N_("Unknown period."), "per")


def t(inputs: ImpactInputs) -> tuple[Num, str]:
    """The quantity as formula tokens."""
    return Num(inputs.quantity), " MWh" if inputs.impact_key == HEAT_KEY else " t"


def result(value: float, unit: str) -> Formula:
    """' = 1 260 kg' at the end of a formula (one decimal)."""
    return (" = ", Num(value, 1), f" {unit}")


def zero(unit: str = "kg") -> Formula:
    return (Num(0.0), f" {unit}")


def credited_ratio(inputs: ImpactInputs) -> tuple[float, tuple[str, ...]]:
    """The substitution ratio that earns credit: s, or s − s_today for a stream sold today."""
    if inputs.baseline_route != "sold":
        return inputs.substitution_ratio, ()
    today = (
        inputs.substitution_ratio
        if inputs.substitution_today is None
        else (inputs.substitution_today)
    )
    gain = max(0.0, inputs.substitution_ratio - today)
    return gain, (NOTE_SOLD_HIGHER_GRADE,) if gain > 0 else (NOTE_SOLD,)
