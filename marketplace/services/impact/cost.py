"""The money half of an estimate (IMPACT.md, "Cost"):

S = m·G(route) + m·s·P_virgin − m·p_tkm·(d·c − d0) − C_proc

`G(route)` is the fee avoided for today's route: a landfill gate fee that already includes the
landfill tax (never the tax a second time; a fee below the tax is a tax-exempt use, not
landfill, so it is not taken as one), an incineration fee where one is sourced, nothing for a
stream that is sold or used today. For a sold stream the avoided purchase is credited only for
the higher grade of the new use, like the CO2e substitution term.
"""

from __future__ import annotations

from marketplace.services.errors import N_
from marketplace.services.impact.exchange import (
    CIRCUITY,
    ImpactInputs,
    Num,
    Term,
    Values,
    credited_ratio,
    result,
    t,
    zero,
)
from marketplace.services.reference.factor_defaults import GATE_FEES, LANDFILL_TAX

FREIGHT = "cost.freight_road"

NOTE_SOLD_NO_FEE = N_("The stream is sold or used today: no gate fee is avoided.")
NOTE_NO_LANDFILL_FEE = N_("No sourced landfill gate fee for this category: no fee counted.")
NOTE_NO_INCINERATION_FEE = N_(
    "No sourced incineration gate fee for this category: no fee counted (none either where the"
    " firm burns the stream itself or sells it as fuel)."
)
NOTE_GATE_FEE_LANDFILL = N_(
    "Landfill gate fee including the landfill tax; the tax is not added again."
)
NOTE_FEE_BELOW_TAX = N_(
    "The listed fee for this category is below the landfill tax, so it is the price of a"
    " tax-exempt use, not of landfill: no landfill fee is counted."
)
NOTE_GATE_FEE_INCINERATION = N_(
    "Incineration (energy recovery) gate fee; there is no incineration tax since 2023."
)
NOTE_PRICE = N_("Price of the displaced input, entered by the user.")
NOTE_NO_PRICE = N_("No price of the displaced input entered: no avoided purchase counted.")
NOTE_PRICE_DIFFERENCE = N_(
    "A difference between today's price and the new buyer's price is a transfer between firms"
    " and is not counted as a saving."
)
NOTE_HANDLING = N_("The fixed handling cost per trip is not included.")
NOTE_FREIGHT_USER = N_("Freight price per tonne-km entered by the user.")
NOTE_RAIL_COST = N_("No rail freight cost in the factor set: the road cost is used as a stand-in.")
NOTE_NO_FREIGHT = N_("The factor set has no freight cost: transport cost is not estimated.")
NOTE_NO_PROCESSING_COST = N_("No processing cost factor: pre-treatment cost is not included.")
NOTE_HEAT_PRICE = N_("Price of the displaced heat per MWh, entered by the user.")
NOTE_NO_ELECTRICITY_PRICE = N_(
    "No electricity price in the factor set: auxiliary electricity cost is not included."
)


def material_sek_terms(inputs: ImpactInputs, values: Values) -> tuple[Term, ...]:
    return (
        gate_fee(inputs, values),
        _purchase(inputs),
        _freight(inputs, values),
        Term("processing_cost", 0.0, zero("SEK"), (), (NOTE_NO_PROCESSING_COST,)),
    )


def gate_fee(inputs: ImpactInputs, values: Values) -> Term:
    """m·G(route), per the counterfactual table of IMPACT.md."""
    name = "avoided_gate_fee"
    route = inputs.baseline_route
    if route not in ("landfill", "incineration"):
        return Term(name, 0.0, zero("SEK"), (), (NOTE_SOLD_NO_FEE,))
    key = GATE_FEES.get((inputs.category, route))
    if key is None or key not in values:
        missing = NOTE_NO_LANDFILL_FEE if route == "landfill" else NOTE_NO_INCINERATION_FEE
        return Term(name, 0.0, zero("SEK"), (), (missing,))
    fee = values[key]
    if route == "landfill" and LANDFILL_TAX in values and fee < values[LANDFILL_TAX]:
        return Term(name, 0.0, zero("SEK"), (key, LANDFILL_TAX), (NOTE_FEE_BELOW_TAX,))
    sek = inputs.quantity * fee
    note = NOTE_GATE_FEE_LANDFILL if route == "landfill" else NOTE_GATE_FEE_INCINERATION
    formula = (*t(inputs), " × ", Num(fee), " SEK/t", *result(sek, "SEK"))
    return Term(name, sek, formula, (key,), (note,))


def _purchase(inputs: ImpactInputs) -> Term:
    """m·s·P_virgin (s − s_today for a stream sold today)."""
    ratio, route_notes = credited_ratio(inputs)
    sek = inputs.quantity * ratio * inputs.virgin_price_sek
    formula = (
        *t(inputs), " × ", Num(ratio), " × ", Num(inputs.virgin_price_sek), " SEK/t",
        *result(sek, "SEK"),
    )  # fmt: skip
    price = NOTE_PRICE if inputs.virgin_price_sek > 0 else NOTE_NO_PRICE
    sold = (NOTE_PRICE_DIFFERENCE,) if inputs.baseline_route == "sold" else ()
    return Term("avoided_purchase", sek, formula, (), (price, *route_notes, *sold))


def _freight(inputs: ImpactInputs, values: Values) -> Term:
    """−m·p_tkm·(d·c − d0); rail uses the road cost (IMPACT.md gives no rail cost)."""
    name = "transport_cost"
    user = inputs.freight_sek_per_tkm
    if user is None and FREIGHT not in values:
        return Term(name, 0.0, zero("SEK"), (), (NOTE_NO_FREIGHT,))
    price = values[FREIGHT] if user is None else user
    circuity = values[CIRCUITY]
    road_km = inputs.distance_km * circuity - inputs.baseline_distance_km
    sek = 0.0 - inputs.quantity * price * road_km
    formula = (
        "−(", *t(inputs), " × ", Num(price), " SEK/tkm × (", Num(inputs.distance_km), " km × ",
        Num(circuity), " − ", Num(inputs.baseline_distance_km), " km))", *result(sek, "SEK"),
    )  # fmt: skip
    notes: tuple[str, ...] = (NOTE_HANDLING,)
    if user is not None:
        notes = (NOTE_FREIGHT_USER, *notes)
    elif inputs.transport_mode == "rail":
        notes = (*notes, NOTE_RAIL_COST)
    keys = (CIRCUITY,) if user is not None else (FREIGHT, CIRCUITY)
    return Term(name, sek, formula, keys, notes)


def heat_sek_terms(inputs: ImpactInputs, values: Values) -> tuple[Term, ...]:
    sek = inputs.quantity * inputs.virgin_price_sek
    formula = (
        Num(inputs.quantity), " MWh × ", Num(inputs.virgin_price_sek), " SEK/MWh",
        *result(sek, "SEK"),
    )  # fmt: skip
    price = NOTE_HEAT_PRICE if inputs.virgin_price_sek > 0 else NOTE_NO_PRICE
    return (
        Term("avoided_purchase", sek, formula, (), (price,)),
        Term("aux_electricity_cost", 0.0, zero("SEK"), (), (NOTE_NO_ELECTRICITY_PRICE,)),
    )
