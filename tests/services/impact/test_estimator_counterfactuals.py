"""IMPACT.md's counterfactual rules: what happens to a stream today decides the credits."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.services.impact import cost, estimator, exchange
from marketplace.services.impact.estimates import (
    Choice,
    default_quantity,
    estimate_pair,
)
from marketplace.services.impact.estimator import ImpactInputs, estimate
from marketplace.services.impact.factors import load_defaults, publish
from marketplace.services.reference.factor_defaults import (
    DEFAULT_FACTORS_BY_KEY,
    GATE_FEES,
    LANDFILL_TAX,
    FactorRecord,
    heat_network_key,
)
from models.taxonomy import CATEGORIES, CATEGORY_BY_KEY
from tests.services.impact.test_estimates import listing
from tests.services.impact.test_estimator import ROUNDED, WORKED, term

DESNZ = DEFAULT_FACTORS_BY_KEY
MATERIALS = [c for c in CATEGORIES if c.impact_key not in (None, "heat")]


# --- acceptance 1: the worked example, and the same pair sold today ------------------------


def test_the_worked_example_pair_sold_today_only_moves_the_stream():
    sold = estimate(replace(WORKED, baseline_route="sold"), ROUNDED)
    assert sold.available
    assert term(sold, "avoided_disposal").kg == 0
    assert term(sold, "material_substitution").kg == 0
    assert exchange.NOTE_SOLD in term(sold, "material_substitution").notes
    assert term(sold, "transport").kg == pytest.approx(-250, abs=1e-9)
    assert sold.co2e_kg == pytest.approx(-250, abs=1e-9)
    # Money: no gate fee, no avoided purchase (the current user would buy the rock instead).
    assert term(sold, "avoided_gate_fee").kg == 0
    assert term(sold, "avoided_purchase").kg == 0
    assert sold.sek == pytest.approx(-1000 * 0.775 * (40 * 1.3 - 50))
    # d* = d0·EF_road / (c·EF_tkm) = 50 / 1.3 km; 40 km is beyond it and says so.
    assert sold.break_even_km == pytest.approx(50 / 1.3)
    assert sold.beyond_break_even


def test_a_higher_grade_use_of_a_sold_stream_earns_only_the_difference():
    upgraded = replace(WORKED, baseline_route="sold", substitution_today=0.4)
    result = estimate(upgraded, ROUNDED)
    assert term(result, "material_substitution").kg == pytest.approx(0.6 * 4570)
    assert exchange.NOTE_SOLD_HIGHER_GRADE in term(result, "material_substitution").notes
    assert term(result, "avoided_purchase").kg == pytest.approx(0.6 * 100_000)
    lower = estimate(replace(upgraded, substitution_today=1.0, substitution_ratio=0.7), ROUNDED)
    assert term(lower, "material_substitution").kg == 0  # a lower grade is never a credit


def test_an_unknown_route_gets_no_estimate_until_it_is_stated():
    result = estimate(replace(WORKED, baseline_route="unknown"), ROUNDED)
    assert not result.available
    assert result.reason == estimator.NEED_ROUTE
    assert result.co2e_kg == 0 and result.terms == ()


def sawdust(route: str) -> ImpactInputs:
    return ImpactInputs("wood", "sawdust", 100.0, 30.0, baseline_route=route, virgin_price_sek=80)


def test_sawdust_sold_today_avoids_no_fee_and_earns_no_substitution():
    result = estimate(sawdust("sold"), DESNZ)
    assert result.available
    assert term(result, "avoided_gate_fee").kg == 0
    assert cost.NOTE_SOLD_NO_FEE in term(result, "avoided_gate_fee").notes
    assert term(result, "material_substitution").kg == 0
    assert term(result, "avoided_purchase").kg == 0
    assert result.co2e_kg < 0  # only the extra haul: shown, and explained as moving the stream
    # Even burnt today, sawdust (sold as fuel) is not delivered against the 600 SEK/t fee.
    assert term(estimate(sawdust("incineration"), DESNZ), "avoided_gate_fee").kg == 0


@pytest.mark.parametrize("route", ["sold", "incineration"])
def test_food_by_products_have_no_estimate_rather_than_a_negative_figure(route):
    food = CATEGORY_BY_KEY["food_byproducts"]
    result = estimate(ImpactInputs(food.impact_key, food.key, 850.0, 40.0, route), DESNZ)
    assert not result.available
    assert result.co2e_kg == 0 and result.terms == () and result.sek == 0


def test_mill_scale_gets_no_scrap_credit():
    assert CATEGORY_BY_KEY["mill_scale"].impact_key is None
    result = estimate(ImpactInputs(None, "mill_scale", 500.0, 20.0, "landfill"), DESNZ)
    assert not result.available
    assert not any(key.startswith("material.scrap") for key in result.factor_keys)
    assert not [key for key in GATE_FEES if key[0] == "mill_scale"]


def test_a_landfill_fee_below_the_tax_is_not_taken_as_landfill():
    sand = ImpactInputs("aggregates", "foundry_sand", 100.0, 10.0, "landfill")
    fee = term(estimate(sand, DESNZ), "avoided_gate_fee")
    assert DESNZ["cost.gate_fee.foundry_sand"].value < DESNZ[LANDFILL_TAX].value
    assert fee.kg == 0 and cost.NOTE_FEE_BELOW_TAX in fee.notes


# --- acceptance 2: the fee follows the route table ---------------------------------------------

routes = st.sampled_from(("landfill", "incineration", "sold"))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(MATERIALS),
    routes,
    st.floats(min_value=0.001, max_value=1e5),
    st.floats(min_value=0, max_value=500),
)
def test_the_fee_avoided_depends_on_the_route_as_the_table_says(category, route, tonnes, km):
    result = estimate(ImpactInputs(category.impact_key, category.key, tonnes, km, route), DESNZ)
    if not result.available:
        return
    fee = term(result, "avoided_gate_fee")
    key = GATE_FEES.get((category.key, route))
    if (
        route == "sold"
        or key is None
        or (route == "landfill" and DESNZ[key].value < DESNZ[LANDFILL_TAX].value)
    ):
        assert fee.kg == 0
    else:
        assert fee.kg == pytest.approx(tonnes * DESNZ[key].value)
    # The landfill tax is never a term of its own: it is inside the landfill fee or absent.
    taxed = [t for t in result.sek_terms if LANDFILL_TAX in t.factors and t.kg != 0]
    assert taxed == []
    assert sum(t.kg for t in result.sek_terms) == result.sek
    assert result.sek_low <= result.sek <= result.sek_high
    if route != "landfill":
        assert term(result, "avoided_disposal").kg == 0


def test_every_sourced_fee_is_used_for_its_route_only():
    for (category_key, route), key in GATE_FEES.items():
        category = CATEGORY_BY_KEY[category_key]
        for other in ("landfill", "incineration", "sold"):
            inputs = ImpactInputs(category.impact_key, category_key, 10.0, 0.0, other)
            result = estimate(inputs, DESNZ)
            if not result.available:
                continue
            used = key in term(result, "avoided_gate_fee").factors
            assert used == (other == route), (category_key, other)


# --- per year --------------------------------------------------------------------------------


@pytest.mark.parametrize(("recurrence", "per_year"), [("week", 52), ("month", 12), ("year", 1)])
def test_recurring_quantities_are_compared_and_estimated_per_year(session, recurrence, per_year):
    load_defaults(session)
    supply = listing("offer", 0, category="steel_slag", quantity=Decimal("10"),
                     recurrence=recurrence)  # fmt: skip
    demand = listing("want", 30, category="aggregates", quantity=Decimal("100000"),
                     recurrence="year")  # fmt: skip
    assert default_quantity(supply, demand) == pytest.approx(10 * per_year)
    est, _ = estimate_pair(session, supply, demand, Choice(baseline_route="landfill"))
    assert est.inputs.per == "year"
    yearly = listing("offer", 0, category="steel_slag", quantity=Decimal(10 * per_year),
                     recurrence="year")  # fmt: skip
    same, _ = estimate_pair(session, yearly, demand, Choice(baseline_route="landfill"))
    assert est.co2e_kg == pytest.approx(same.co2e_kg, rel=1e-6)
    assert est.sek == pytest.approx(same.sek, rel=1e-6)


def test_a_one_off_lot_against_a_yearly_need_is_one_off(session):
    load_defaults(session)
    supply = listing("offer", 0, category="steel_slag", quantity=Decimal("700"))
    demand = listing("want", 30, category="aggregates", quantity=Decimal("50"),
                     recurrence="month")  # fmt: skip
    est, _ = estimate_pair(session, supply, demand, Choice(baseline_route="landfill"))
    assert est.inputs.per == "once"
    assert est.inputs.quantity == pytest.approx(600)  # a year of the need, 50 × 12


def test_a_fully_reserved_offer_is_estimated_for_its_listed_quantity(session):
    load_defaults(session)
    supply = listing("offer", 0, category="steel_slag", quantity=Decimal("400"),
                     remaining_quantity=Decimal("0"), status="reserved")  # fmt: skip
    demand = listing("want", 30, category="aggregates", quantity=Decimal("5000"))
    est, _ = estimate_pair(session, supply, demand, Choice())
    assert est.inputs.quantity == pytest.approx(400)


# --- heat --------------------------------------------------------------------------------------


def test_heat_uses_the_receiving_networks_factor_only_where_one_is_published(session):
    first = load_defaults(session)
    assert not [f for f in first.factors if f.key.startswith("heat.")]  # none defensible in v1
    offer = listing("offer", 0, kind="energy", category="surplus_heat", unit="MWh",
                    quantity=Decimal("8000"))  # fmt: skip
    want = listing("want", 5, kind="energy", category="surplus_heat", unit="MWh",
                   quantity=Decimal("20000"))  # fmt: skip
    asked, _ = estimate_pair(session, offer, want, Choice())
    assert not asked.available and "Enter the displaced heat" in (asked.reason or "")
    user, _ = estimate_pair(session, offer, want, Choice(displaced_heat_kg_per_mwh=50.0))
    assert user.co2e_kg == pytest.approx(8000 * 50)
    key = heat_network_key(want.municipality_code)
    assert key is not None
    records = [
        FactorRecord(f.key, f.value, f.unit, f.source, f.year, f.low, f.high, f.note)
        for f in first.factors
    ] + [FactorRecord(key, 70.0, "kg CO2e/MWh", "A network's marginal-production study", 2025)]
    publish(session, records, label="with a network")
    network, _ = estimate_pair(session, offer, want, Choice())
    assert network.available and network.co2e_kg == pytest.approx(8000 * 70)
    assert key in network.factor_keys
    assert [a.input for a in network.assumptions if a.input == "heat_factor"] == ["heat_factor"]
    assert {t.name for t in network.terms} == {"displaced_heat", "aux_electricity", "transport"}
    with_aux, _ = estimate_pair(session, offer, want, Choice(aux_electricity_kwh=100_000.0))
    assert with_aux.co2e_kg == pytest.approx(8000 * 70 - 100_000 * 0.059)
