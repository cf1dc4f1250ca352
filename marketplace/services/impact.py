"""CO2e and SEK estimate of one exchange, computed exactly as /work/shared/IMPACT.md describes.

Consequential method: ΔE = E_baseline − E_exchange, positive = saving. Pure functions over plain
inputs and a factor mapping (the defaults of `factor_defaults`, or database rows with the same
attributes). Nothing is rounded here; only the formula strings show rounded numbers. Term notes
are N_-marked English msgids for the web layer to translate; formulas are numbers and units.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from marketplace.services.errors import N_
from marketplace.services.factor_defaults import CATEGORY_GATE_FEE, PROXY_CATEGORIES

ROUTES = ("landfill", "incineration", "sold", "unknown")
MODES = ("road", "rail")
HEAT_KEY = "heat"
MATERIAL_STAGES = ("primary", "closed_loop", "reused", "landfill")
ROAD = "transport.road"
CIRCUITY = "circuity"
ELECTRICITY = "electricity.nordic"
FREIGHT = "cost.freight_road"

NO_ESTIMATE = N_("No defensible CO2e estimate for this category.")
NO_MATERIAL_FACTORS = N_("The factor set has no emission factors for this material.")
MISSING_FACTOR = N_("The factor set lacks a factor this estimate needs.")
NEED_HEAT_FACTOR = N_(
    "Enter the displaced heat production's emission factor for the receiving network."
)

NOTE_NOT_LANDFILL = N_(
    "The baseline is not landfill: DESNZ recycling and combustion factors cover only transport"
    " to the facility, so there is no disposal credit."
)
NOTE_NO_LANDFILL_FACTOR = N_("No DESNZ landfill factor for this material: no disposal credit.")
NOTE_NO_PRIMARY = N_("No DESNZ primary-production factor for this material: no material credit.")
NOTE_REUSED = N_("No closed-loop factor: the re-used factor is taken as the secondary burden.")
NOTE_NO_SECONDARY = N_("No closed-loop or re-used factor: the secondary burden is taken as zero.")
NOTE_PROXY = N_("Proxy: this category uses the factors of a similar material (a modelling choice).")
NOTE_NO_BASELINE_HAUL = N_(
    "No haul to the current disposal site given: the whole new haul counts as extra."
)
NOTE_PROCESSING = N_("Electricity at the Nordic mix; fuel for pre-treatment is not included.")
NOTE_NO_GATE_FEE = N_("No default gate fee for this category.")
NOTE_OTHER_ROUTE_NO_FEE = N_(
    "The stream goes elsewhere today (sold or used): no gate fee is avoided."
)
NOTE_GATE_FEE_LANDFILL = N_(
    "The gate fee already includes the landfill tax; the tax is not added again."
)
NOTE_GATE_FEE_OTHER = N_("Listed gate fee; no landfill tax because the baseline is not landfill.")
NOTE_PRICE = N_("Price of the displaced input, entered by the user.")
NOTE_HANDLING = N_("The fixed handling cost per trip is not included.")
NOTE_RAIL_COST = N_("No rail freight cost in the factor set: the road cost is used as a stand-in.")
NOTE_NO_FREIGHT = N_("The factor set has no freight cost: transport cost is not estimated.")
NOTE_NO_PROCESSING_COST = N_("No processing cost factor: pre-treatment cost is not included.")
NOTE_HEAT_FACTOR = N_(
    "Displaced-heat factor entered by the user: the receiving network's marginal production,"
    " not its published average."
)
NOTE_PIPE = N_("Heat is delivered by pipe: no road or rail transport.")
NOTE_HEAT_PRICE = N_("Price of the displaced heat per MWh, entered by the user.")
NOTE_NO_ELECTRICITY_PRICE = N_(
    "No electricity price in the factor set: auxiliary electricity cost is not included."
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
    """One exchange as entered; distances in km, quantity in t (MWh for heat)."""

    impact_key: str | None  # the category's impact key (None: no estimate)
    category: str  # category key, for the gate fee
    quantity: float  # m: tonnes for materials, MWh for heat
    distance_km: float  # d: straight line supplier -> buyer (circuity is applied)
    baseline_route: str = "landfill"  # models.taxonomy CURRENT_ROUTES
    baseline_distance_km: float = 0.0  # d0: road km to the current disposal site (0 if unknown)
    substitution_ratio: float = 1.0  # s, 0..1
    transport_mode: str = "road"  # "road" | "rail"
    virgin_price_sek: float = 0.0  # P_virgin per t of displaced input (per MWh for heat)
    processing_kwh: float = 0.0  # extra pre-treatment electricity, kWh in total
    displaced_heat_kg_per_mwh: float | None = None  # heat: marginal production factor, user-set
    aux_electricity_kwh: float = 0.0  # heat: pumps / heat pump, kWh in total


@dataclass(frozen=True)
class Term:
    """One addend: kg CO2e in `Estimate.terms`, SEK in `Estimate.sek_terms`."""

    name: str
    kg: float
    formula: str
    factors: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Estimate:
    """The result; terms sum to co2e_kg, sek_terms to sek; low ≤ value ≤ high."""

    available: bool
    reason: str | None
    co2e_kg: float
    co2e_low_kg: float
    co2e_high_kg: float
    terms: tuple[Term, ...]
    sek: float
    sek_terms: tuple[Term, ...]
    break_even_km: float | None
    inputs: ImpactInputs
    factor_keys: tuple[str, ...]
    sek_low: float = 0.0
    sek_high: float = 0.0


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
        "Distance to the current disposal site must be zero or more kilometres."
    ),
    "virgin_price_sek": N_("The price of the displaced input must be zero or more."),
    "processing_kwh": N_("Processing electricity must be zero or more kWh."),
    "aux_electricity_kwh": N_("Auxiliary electricity must be zero or more kWh."),
}


def validate_inputs(inputs: ImpactInputs) -> None:
    """Raise ImpactInputError (a ValueError) naming the first bad field."""
    for field, message in _NON_NEGATIVE.items():
        value = getattr(inputs, field)
        if not (math.isfinite(value) and value >= 0):
            raise ImpactInputError(message, field)
    ratio = inputs.substitution_ratio
    if not (math.isfinite(ratio) and 0 <= ratio <= 1):
        message = N_("The substitution ratio must be between 0 and 1.")
        raise ImpactInputError(message, "substitution_ratio")
    if inputs.baseline_route not in ROUTES:
        raise ImpactInputError(N_("Unknown current disposal route."), "baseline_route")
    if inputs.transport_mode not in MODES:
        raise ImpactInputError(N_("Unknown transport mode."), "transport_mode")
    heat = inputs.displaced_heat_kg_per_mwh
    if heat is not None and not math.isfinite(heat):
        message = N_("The displaced heat factor must be a number.")
        raise ImpactInputError(message, "displaced_heat_kg_per_mwh")


def estimate(inputs: ImpactInputs, factors: Factors) -> Estimate:
    """ΔE (kg CO2e) and system saving S (SEK) of one exchange, per IMPACT.md."""
    validate_inputs(inputs)
    if inputs.impact_key is None:
        return _unavailable(inputs, NO_ESTIMATE)
    if inputs.impact_key == HEAT_KEY:
        return _estimate_heat(inputs, factors)
    return _estimate_material(inputs, factors)


# --- formatting (formula strings only) -------------------------------------------------------


def _num(x: float, places: int = 4) -> str:
    """1000 -> '1,000', 0.1252 -> '0.1252', -250.0000001 -> '−250'."""
    text = f"{x:,.{places}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text.replace("-", "−")


def _kg(x: float) -> str:
    return f"{_num(x, 1)} kg"


def _sek(x: float) -> str:
    return f"{_num(x, 1)} SEK"


def _t(inputs: ImpactInputs) -> str:
    return f"{_num(inputs.quantity)} t"


# --- shared assembly -------------------------------------------------------------------------

Evaluator = Callable[[Values], tuple[Term, ...]]


def _unavailable(inputs: ImpactInputs, reason: str) -> Estimate:
    return Estimate(False, reason, 0.0, 0.0, 0.0, (), 0.0, (), None, inputs, ())


def _central(factors: Factors) -> dict[str, float]:
    return {key: float(factor.value) for key, factor in factors.items()}


def _total(terms: Iterable[Term]) -> float:
    return sum((term.kg for term in terms), 0.0)


def _keys(terms: Iterable[Term]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(key for term in terms for key in term.factors))


def _ends(factor: FactorLike) -> tuple[float, float]:
    value = float(factor.value)
    low = value if factor.low is None else float(factor.low)
    high = value if factor.high is None else float(factor.high)
    return low, high


def _is_ranged(factor: FactorLike) -> bool:
    return factor.low is not None or factor.high is not None


def _bounds(
    factors: Factors, central: Values, terms: tuple[Term, ...], evaluate: Evaluator
) -> tuple[float, float]:
    """Min and max total over every corner of the ranged factors used.

    The total is linear in each factor separately, so its extremes over the box of factor
    ranges lie on corners; the central value is included, so low ≤ value ≤ high always holds.
    """
    ranged = [key for key in _keys(terms) if _is_ranged(factors[key])]
    totals = [_total(terms)]
    for corner in itertools.product(*(_ends(factors[key]) for key in ranged)):
        values = {**central, **dict(zip(ranged, corner, strict=True))}
        totals.append(_total(evaluate(values)))
    return min(totals), max(totals)


def _assemble(
    inputs: ImpactInputs,
    factors: Factors,
    evaluate: Evaluator,
    evaluate_sek: Evaluator,
    break_even_km: float | None,
) -> Estimate:
    central = _central(factors)
    terms, sek_terms = evaluate(central), evaluate_sek(central)
    low, high = _bounds(factors, central, terms, evaluate)
    sek_low, sek_high = _bounds(factors, central, sek_terms, evaluate_sek)
    return Estimate(
        available=True,
        reason=None,
        co2e_kg=_total(terms),
        co2e_low_kg=low,
        co2e_high_kg=high,
        terms=terms,
        sek=_total(sek_terms),
        sek_terms=sek_terms,
        break_even_km=break_even_km,
        inputs=inputs,
        factor_keys=_keys(terms + sek_terms),
        sek_low=sek_low,
        sek_high=sek_high,
    )


# --- materials -------------------------------------------------------------------------------


def _estimate_material(inputs: ImpactInputs, factors: Factors) -> Estimate:
    reason = _missing_material_factor(inputs, factors)
    if reason is not None:
        return _unavailable(inputs, reason)
    return _assemble(
        inputs,
        factors,
        lambda values: _material_terms(inputs, values),
        lambda values: _material_sek_terms(inputs, values),
        _break_even_km(inputs, _central(factors)),
    )


def _missing_material_factor(inputs: ImpactInputs, factors: Factors) -> str | None:
    prefix = f"material.{inputs.impact_key}."
    if not any(prefix + stage in factors for stage in MATERIAL_STAGES):
        return NO_MATERIAL_FACTORS
    needed = [f"transport.{inputs.transport_mode}", CIRCUITY]
    if inputs.baseline_distance_km > 0:
        needed.append(ROAD)
    if inputs.processing_kwh > 0:
        needed.append(ELECTRICITY)
    return MISSING_FACTOR if any(key not in factors for key in needed) else None


def _material_terms(inputs: ImpactInputs, values: Values) -> tuple[Term, ...]:
    return (
        _disposal(inputs, values),
        _substitution(inputs, values),
        _transport(inputs, values),
        _processing(inputs, values),
    )


def _proxy(inputs: ImpactInputs) -> tuple[str, ...]:
    return (NOTE_PROXY,) if inputs.category in PROXY_CATEGORIES else ()


def _disposal(inputs: ImpactInputs, values: Values) -> Term:
    """m·EF_landfill, only for a landfill baseline."""
    name = "avoided_disposal"
    if inputs.baseline_route != "landfill":
        return Term(name, 0.0, "0 kg", (), (NOTE_NOT_LANDFILL,))
    key = f"material.{inputs.impact_key}.landfill"
    if key not in values:
        return Term(name, 0.0, "0 kg", (), (NOTE_NO_LANDFILL_FACTOR,))
    kg = inputs.quantity * values[key]
    formula = f"{_t(inputs)} × {_num(values[key])} kg/t = {_kg(kg)}"
    return Term(name, kg, formula, (key,), _proxy(inputs))


def _secondary(inputs: ImpactInputs, values: Values) -> tuple[str | None, tuple[str, ...]]:
    """Closed-loop factor key if present, else re-used, else None; with the note to show."""
    closed_loop = f"material.{inputs.impact_key}.closed_loop"
    reused = f"material.{inputs.impact_key}.reused"
    if closed_loop in values:
        return closed_loop, ()
    if reused in values:
        return reused, (NOTE_REUSED,)
    return None, (NOTE_NO_SECONDARY,)


def _substitution(inputs: ImpactInputs, values: Values) -> Term:
    """m·s·(EF_primary − EF_secondary); no credit without a primary-production factor."""
    name = "material_substitution"
    primary_key = f"material.{inputs.impact_key}.primary"
    if primary_key not in values:
        return Term(name, 0.0, "0 kg", (), (NOTE_NO_PRIMARY,))
    secondary_key, notes = _secondary(inputs, values)
    primary = values[primary_key]
    secondary = 0.0 if secondary_key is None else values[secondary_key]
    kg = inputs.quantity * inputs.substitution_ratio * (primary - secondary)
    formula = (
        f"{_t(inputs)} × {_num(inputs.substitution_ratio)} × "
        f"({_num(primary)} − {_num(secondary)}) kg/t = {_kg(kg)}"
    )
    keys = (primary_key,) if secondary_key is None else (primary_key, secondary_key)
    return Term(name, kg, formula, keys, notes + _proxy(inputs))


def _transport(inputs: ImpactInputs, values: Values) -> Term:
    """−(m·d·c·EF_tkm(mode) − m·d0·EF_road): the extra haul versus the baseline haul."""
    mode_key = f"transport.{inputs.transport_mode}"
    ef, circuity = values[mode_key], values[CIRCUITY]
    haul = inputs.quantity * inputs.distance_km * circuity * ef
    parts = f"{_t(inputs)} × {_num(inputs.distance_km)} km × {_num(circuity)} × {_num(ef)} kg/tkm"
    if inputs.baseline_distance_km == 0:
        kg = 0.0 - haul
        used = (mode_key, CIRCUITY)
        return Term("transport", kg, f"−({parts}) = {_kg(kg)}", used, (NOTE_NO_BASELINE_HAUL,))
    road = values[ROAD]
    kg = inputs.quantity * inputs.baseline_distance_km * road - haul
    parts += f" − {_t(inputs)} × {_num(inputs.baseline_distance_km)} km × {_num(road)} kg/tkm"
    keys = tuple(dict.fromkeys((mode_key, CIRCUITY, ROAD)))
    return Term("transport", kg, f"−({parts}) = {_kg(kg)}", keys)


def _processing(inputs: ImpactInputs, values: Values) -> Term:
    """−E_proc·EF_el(Nordic mix)."""
    if inputs.processing_kwh == 0:
        return Term("processing", 0.0, "0 kg", ())
    ef = values[ELECTRICITY]
    kg = 0.0 - inputs.processing_kwh * ef
    formula = f"−({_num(inputs.processing_kwh)} kWh × {_num(ef)} kg/kWh) = {_kg(kg)}"
    return Term("processing", kg, formula, (ELECTRICITY,), (NOTE_PROCESSING,))


def _break_even_km(inputs: ImpactInputs, values: Values) -> float | None:
    """d* = (EF_disp·[landfill] + s·(EF_virgin − EF_sec) + d0·EF_road) / (c·EF_tkm(mode)).

    Straight-line km; the processing term is not included (it does not scale with distance).
    """
    per_km = values[CIRCUITY] * values[f"transport.{inputs.transport_mode}"]
    if inputs.quantity == 0 or per_km <= 0:
        return None
    per_tonne = replace(inputs, quantity=1.0)
    saving = _disposal(per_tonne, values).kg + _substitution(per_tonne, values).kg
    if inputs.baseline_distance_km > 0:
        saving += inputs.baseline_distance_km * values[ROAD]
    return saving / per_km if saving > 0 else 0.0


def _material_sek_terms(inputs: ImpactInputs, values: Values) -> tuple[Term, ...]:
    return (
        _gate_fee(inputs, values),
        _purchase(inputs),
        _freight(inputs, values),
        Term("processing_cost", 0.0, "0 SEK", (), (NOTE_NO_PROCESSING_COST,)),
    )


def _gate_fee(inputs: ImpactInputs, values: Values) -> Term:
    """m·G_gate; the Karlstad fees already include the landfill tax, so it is never added."""
    name = "avoided_gate_fee_and_landfill_tax"
    key = CATEGORY_GATE_FEE.get(inputs.category)
    if inputs.baseline_route == "sold":
        return Term(name, 0.0, "0 SEK", (), (NOTE_OTHER_ROUTE_NO_FEE,))
    if key is None or key not in values:
        return Term(name, 0.0, "0 SEK", (), (NOTE_NO_GATE_FEE,))
    sek = inputs.quantity * values[key]
    landfill = inputs.baseline_route == "landfill"
    note = NOTE_GATE_FEE_LANDFILL if landfill else NOTE_GATE_FEE_OTHER
    formula = f"{_t(inputs)} × {_num(values[key])} SEK/t = {_sek(sek)}"
    return Term(name, sek, formula, (key,), (note,))


def _purchase(inputs: ImpactInputs) -> Term:
    """m·s·P_virgin."""
    sek = inputs.quantity * inputs.substitution_ratio * inputs.virgin_price_sek
    formula = (
        f"{_t(inputs)} × {_num(inputs.substitution_ratio)} × "
        f"{_num(inputs.virgin_price_sek)} SEK/t = {_sek(sek)}"
    )
    return Term("avoided_purchase", sek, formula, (), (NOTE_PRICE,))


def _freight(inputs: ImpactInputs, values: Values) -> Term:
    """−m·p_tkm·(d·c − d0); rail uses the road cost (IMPACT.md gives no rail cost)."""
    name = "transport_cost"
    if FREIGHT not in values:
        return Term(name, 0.0, "0 SEK", (), (NOTE_NO_FREIGHT,))
    price, circuity = values[FREIGHT], values[CIRCUITY]
    sek = 0.0 - inputs.quantity * price * (
        inputs.distance_km * circuity - inputs.baseline_distance_km
    )
    formula = (
        f"−({_t(inputs)} × {_num(price)} SEK/tkm × ({_num(inputs.distance_km)} km × "
        f"{_num(circuity)} − {_num(inputs.baseline_distance_km)} km)) = {_sek(sek)}"
    )
    notes = (NOTE_HANDLING, NOTE_RAIL_COST) if inputs.transport_mode == "rail" else (NOTE_HANDLING,)
    return Term(name, sek, formula, (FREIGHT, CIRCUITY), notes)


# --- heat ------------------------------------------------------------------------------------


def _estimate_heat(inputs: ImpactInputs, factors: Factors) -> Estimate:
    """ΔE = Q·EF_displaced_heat − E_aux·EF_el; no transport, no break-even distance."""
    displaced = inputs.displaced_heat_kg_per_mwh
    if displaced is None:
        return _unavailable(inputs, NEED_HEAT_FACTOR)
    if inputs.aux_electricity_kwh > 0 and ELECTRICITY not in factors:
        return _unavailable(inputs, MISSING_FACTOR)
    return _assemble(
        inputs,
        factors,
        lambda values: _heat_terms(inputs, displaced, values),
        lambda values: _heat_sek_terms(inputs),
        None,
    )


def _heat_terms(inputs: ImpactInputs, displaced: float, values: Values) -> tuple[Term, ...]:
    mwh = _num(inputs.quantity)
    kg = inputs.quantity * displaced
    heat = Term(
        "displaced_heat",
        kg,
        f"{mwh} MWh × {_num(displaced)} kg/MWh = {_kg(kg)}",
        (),
        (NOTE_HEAT_FACTOR,),
    )
    pipe = Term("transport", 0.0, "0 kg", (), (NOTE_PIPE,))
    if inputs.aux_electricity_kwh == 0:
        return heat, Term("aux_electricity", 0.0, "0 kg", ()), pipe
    ef = values[ELECTRICITY]
    aux_kg = 0.0 - inputs.aux_electricity_kwh * ef
    formula = f"−({_num(inputs.aux_electricity_kwh)} kWh × {_num(ef)} kg/kWh) = {_kg(aux_kg)}"
    return heat, Term("aux_electricity", aux_kg, formula, (ELECTRICITY,)), pipe


def _heat_sek_terms(inputs: ImpactInputs) -> tuple[Term, ...]:
    sek = inputs.quantity * inputs.virgin_price_sek
    formula = f"{_num(inputs.quantity)} MWh × {_num(inputs.virgin_price_sek)} SEK/MWh = {_sek(sek)}"
    return (
        Term("avoided_purchase", sek, formula, (), (NOTE_HEAT_PRICE,)),
        Term("aux_electricity_cost", 0.0, "0 SEK", (), (NOTE_NO_ELECTRICITY_PRICE,)),
    )
