"""CO2e and SEK estimate of one exchange, computed as IMPACT.md describes.

Consequential method: ΔE = E_baseline − E_exchange, positive = saving. What the stream's route
is today decides the credits (IMPACT.md, "Counterfactual rules"): only a landfilled stream earns
the disposal credit; a stream that is sold or used today earns no substitution credit (only
s − s_today for a higher-grade use) and no avoided fee; an unknown route gets no estimate until
it is stated; a category with neither a substitution factor nor a disposal credit gets no
estimate rather than a negative figure made of transport alone.

Pure functions over plain inputs and a factor mapping (the defaults of `factor_defaults`, or
database rows with the same attributes). Nothing is rounded here. Formulas are token tuples
(text and `Num`), so the web layer writes every number in the reader's language; notes are
N_-marked English msgids for the web layer to translate. Money terms: `impact_cost`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from marketplace.services.errors import N_
from marketplace.services.impact.cost import heat_sek_terms, material_sek_terms
from marketplace.services.impact.exchange import (
    CIRCUITY,
    ELECTRICITY,
    HEAT_KEY,
    MODES,
    PERS,
    ROAD,
    ROUTES,
    FactorLike,
    Factors,
    Formula,
    ImpactInputError,
    ImpactInputs,
    Num,
    Term,
    Values,
    credited_ratio,
    result,
    t,
    validate_inputs,
    zero,
)
from marketplace.services.reference.factor_defaults import PROXY_CATEGORIES

__all__ = [
    "HEAT_KEY", "MODES", "PERS", "ROUTES", "Estimate", "Formula", "ImpactInputError",
    "ImpactInputs", "Num", "Term", "estimate", "validate_inputs",
]  # fmt: skip

MATERIAL_STAGES = ("primary", "closed_loop", "reused", "landfill")

NO_ESTIMATE = N_("No defensible CO2e estimate for this category.")
NO_DEFENSIBLE = N_(
    "No defensible CO2e estimate for this stream: there is no substitution factor for the"
    " material and no disposal credit for today's route."
)
NO_MATERIAL_FACTORS = N_("The factor set has no emission factors for this material.")
MISSING_FACTOR = N_("The factor set lacks a factor this estimate needs.")
NEED_ROUTE = N_(
    "What happens to the stream today is not known: choose today's route to see an estimate."
)
NEED_HEAT_FACTOR = N_(
    "Enter the displaced heat production's emission factor for the receiving network."
)

NOTE_NOT_LANDFILL = N_(
    "The stream is not landfilled today: DESNZ recycling and combustion factors cover only"
    " transport to the facility, so there is no disposal credit."
)
NOTE_NO_LANDFILL_FACTOR = N_("No DESNZ landfill factor for this material: no disposal credit.")
NOTE_NO_PRIMARY = N_("No DESNZ primary-production factor for this material: no material credit.")
NOTE_REUSED = N_("No closed-loop factor: the re-used factor is taken as the secondary burden.")
NOTE_NO_SECONDARY = N_("No closed-loop or re-used factor: the secondary burden is taken as zero.")
NOTE_PROXY = N_("Proxy: this category uses the factors of a similar material (a modelling choice).")
NOTE_NO_BASELINE_HAUL = N_(
    "No haul to today's disposal site or user given: the whole new haul counts as extra."
)
NOTE_PROCESSING = N_("Electricity at the Nordic mix; fuel for pre-treatment is not included.")
NOTE_HEAT_FACTOR_USER = N_(
    "Displaced-heat factor entered by the user: the receiving network's marginal production,"
    " not its published average."
)
NOTE_HEAT_FACTOR_NETWORK = N_(
    "Displaced-heat factor: the receiving network's marginal production from the factor set"
    " (a default; enter your own to change it)."
)
NOTE_PIPE = N_("Heat is delivered by pipe: no road or rail transport.")


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
    assumptions: tuple[Any, ...] = ()  # estimates.Assumption: inputs the user did not give

    @property
    def beyond_break_even(self) -> bool:
        """The exchange's distance is beyond d*: transport emits more than the exchange saves."""
        return self.break_even_km is not None and self.inputs.distance_km > self.break_even_km


def estimate(inputs: ImpactInputs, factors: Factors) -> Estimate:
    """ΔE (kg CO2e) and system saving S (SEK) of one exchange, per IMPACT.md."""
    validate_inputs(inputs)
    if inputs.impact_key is None:
        return unavailable(inputs, NO_ESTIMATE)
    if inputs.impact_key == HEAT_KEY:
        return _estimate_heat(inputs, factors)
    if inputs.baseline_route == "unknown":
        return unavailable(inputs, NEED_ROUTE)
    return _estimate_material(inputs, factors)


# --- shared assembly -------------------------------------------------------------------------

Evaluator = Callable[[Values], tuple[Term, ...]]


def unavailable(inputs: ImpactInputs, reason: str) -> Estimate:
    return Estimate(False, reason, 0.0, 0.0, 0.0, (), 0.0, (), None, inputs, ())


def central_values(factors: Factors) -> dict[str, float]:
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


def _bounds(
    factors: Factors, central: Values, terms: tuple[Term, ...], evaluate: Evaluator
) -> tuple[float, float]:
    """Min and max total over every corner of the ranged factors used.

    The total is linear in each factor separately, so its extremes over the box of factor
    ranges lie on corners; the central value is included, so low ≤ value ≤ high always holds.
    """
    ranged = [
        key
        for key in _keys(terms)
        if key in factors and (factors[key].low is not None or factors[key].high is not None)
    ]
    totals = [_total(terms)]
    for corner in itertools.product(*(_ends(factors[key]) for key in ranged)):
        values = {**central, **dict(zip(ranged, corner, strict=True))}
        totals.append(_total(evaluate(values)))
    return min(totals), max(totals)


def assemble(
    inputs: ImpactInputs,
    factors: Factors,
    evaluate: Evaluator,
    evaluate_sek: Evaluator,
    break_even_km: float | None,
) -> Estimate:
    central = central_values(factors)
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
        return unavailable(inputs, reason)
    central = central_values(factors)
    if not _has_credit(inputs, central):
        return unavailable(inputs, NO_DEFENSIBLE)
    return assemble(
        inputs,
        factors,
        lambda values: _material_terms(inputs, values),
        lambda values: material_sek_terms(inputs, values),
        _break_even_km(inputs, central),
    )


def _has_credit(inputs: ImpactInputs, values: Values) -> bool:
    """A substitution factor exists, or the route earns a disposal credit (IMPACT.md)."""
    primary = f"material.{inputs.impact_key}.primary" in values
    landfill = f"material.{inputs.impact_key}.landfill" in values
    return primary or (inputs.baseline_route == "landfill" and landfill)


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
    """m·EF_landfill, only when the stream is landfilled today."""
    name = "avoided_disposal"
    if inputs.baseline_route != "landfill":
        return Term(name, 0.0, zero(), (), (NOTE_NOT_LANDFILL,))
    key = f"material.{inputs.impact_key}.landfill"
    if key not in values:
        return Term(name, 0.0, zero(), (), (NOTE_NO_LANDFILL_FACTOR,))
    kg = inputs.quantity * values[key]
    formula = (*t(inputs), " × ", Num(values[key]), " kg/t", *result(kg, "kg"))
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
        return Term(name, 0.0, zero(), (), (NOTE_NO_PRIMARY,))
    ratio, route_notes = credited_ratio(inputs)
    secondary_key, notes = _secondary(inputs, values)
    primary = values[primary_key]
    secondary = 0.0 if secondary_key is None else values[secondary_key]
    kg = inputs.quantity * ratio * (primary - secondary)
    formula = (
        *t(inputs), " × ", Num(ratio), " × (", Num(primary), " − ", Num(secondary), ") kg/t",
        *result(kg, "kg"),
    )  # fmt: skip
    keys = (primary_key,) if secondary_key is None else (primary_key, secondary_key)
    return Term(name, kg, formula, keys, route_notes + notes + _proxy(inputs))


def _transport(inputs: ImpactInputs, values: Values) -> Term:
    """−(m·d·c·EF_tkm(mode) − m·d0·EF_road): the extra haul versus today's haul."""
    mode_key = f"transport.{inputs.transport_mode}"
    ef, circuity = values[mode_key], values[CIRCUITY]
    haul = inputs.quantity * inputs.distance_km * circuity * ef
    parts: Formula = (
        *t(inputs), " × ", Num(inputs.distance_km), " km × ", Num(circuity), " × ", Num(ef),
        " kg/tkm",
    )  # fmt: skip
    if inputs.baseline_distance_km == 0:
        kg = 0.0 - haul
        formula = ("−(", *parts, ")", *result(kg, "kg"))
        return Term("transport", kg, formula, (mode_key, CIRCUITY), (NOTE_NO_BASELINE_HAUL,))
    road = values[ROAD]
    kg = inputs.quantity * inputs.baseline_distance_km * road - haul
    parts += (" − ", *t(inputs), " × ", Num(inputs.baseline_distance_km), " km × ", Num(road))
    formula = ("−(", *parts, " kg/tkm)", *result(kg, "kg"))
    return Term("transport", kg, formula, tuple(dict.fromkeys((mode_key, CIRCUITY, ROAD))))


def _processing(inputs: ImpactInputs, values: Values) -> Term:
    """−E_proc·EF_el(Nordic mix)."""
    if inputs.processing_kwh == 0:
        return Term("processing", 0.0, zero(), ())
    ef = values[ELECTRICITY]
    kg = 0.0 - inputs.processing_kwh * ef
    formula = ("−(", Num(inputs.processing_kwh), " kWh × ", Num(ef), " kg/kWh)", *result(kg, "kg"))
    return Term("processing", kg, formula, (ELECTRICITY,), (NOTE_PROCESSING,))


def _break_even_km(inputs: ImpactInputs, values: Values) -> float | None:
    """d* = (EF_disp·[landfill] + s·(EF_virgin − EF_sec) + d0·EF_road − E_proc/m) / (c·EF_tkm).

    Straight-line km; 0 when nothing is saved at any distance.
    """
    per_km = values[CIRCUITY] * values[f"transport.{inputs.transport_mode}"]
    if inputs.quantity == 0 or per_km <= 0:
        return None
    per_tonne = replace(inputs, quantity=1.0, processing_kwh=0.0)
    saving = _disposal(per_tonne, values).kg + _substitution(per_tonne, values).kg
    if inputs.baseline_distance_km > 0:
        saving += inputs.baseline_distance_km * values[ROAD]
    if inputs.processing_kwh > 0:
        saving -= inputs.processing_kwh * values[ELECTRICITY] / inputs.quantity
    return saving / per_km if saving > 0 else 0.0


# --- heat ------------------------------------------------------------------------------------


def _estimate_heat(inputs: ImpactInputs, factors: Factors) -> Estimate:
    """ΔE = Q·EF_displaced_heat − E_aux·EF_el; no transport, no break-even distance."""
    network = inputs.heat_factor_key
    if inputs.displaced_heat_kg_per_mwh is None and (network is None or network not in factors):
        return unavailable(inputs, NEED_HEAT_FACTOR)
    if inputs.aux_electricity_kwh > 0 and ELECTRICITY not in factors:
        return unavailable(inputs, MISSING_FACTOR)
    return assemble(
        inputs,
        factors,
        lambda values: _heat_terms(inputs, values),
        lambda values: heat_sek_terms(inputs, values),
        None,
    )


def _displaced_heat(inputs: ImpactInputs, values: Values) -> Term:
    """Q·EF_displaced: the user's factor, else the receiving network's from the factor set."""
    user = inputs.displaced_heat_kg_per_mwh
    key = inputs.heat_factor_key if user is None else None
    factor = values[key] if key is not None else float(user or 0.0)  # estimate() checked one exists
    note = NOTE_HEAT_FACTOR_USER if key is None else NOTE_HEAT_FACTOR_NETWORK
    kg = inputs.quantity * factor
    formula = (*t(inputs), " × ", Num(factor), " kg/MWh", *result(kg, "kg"))
    return Term("displaced_heat", kg, formula, () if key is None else (key,), (note,))


def _heat_terms(inputs: ImpactInputs, values: Values) -> tuple[Term, ...]:
    heat = _displaced_heat(inputs, values)
    pipe = Term("transport", 0.0, zero(), (), (NOTE_PIPE,))
    if inputs.aux_electricity_kwh == 0:
        return heat, Term("aux_electricity", 0.0, zero(), ()), pipe
    ef = values[ELECTRICITY]
    aux_kg = 0.0 - inputs.aux_electricity_kwh * ef
    aux_formula = (
        "−(", Num(inputs.aux_electricity_kwh), " kWh × ", Num(ef), " kg/kWh)",
        *result(aux_kg, "kg"),
    )  # fmt: skip
    return heat, Term("aux_electricity", aux_kg, aux_formula, (ELECTRICITY,)), pipe
