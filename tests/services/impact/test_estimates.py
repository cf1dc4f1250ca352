"""Estimates for matched pairs: defaults from the listings, factor-set versions, the demo."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from pyproj import Geod
from sqlalchemy import select

from geo.gazetteer import MUNICIPALITY_BY_CODE
from marketplace.services.errors import DomainError
from marketplace.services.impact.estimates import (
    Choice,
    default_quantity,
    default_route,
    estimate_pair,
    impact_summary,
    ranked_matches,
    store_estimate,
    stored_result,
    suggestions,
)
from marketplace.services.impact.factors import (
    current_set,
    factors_by_key,
    get_set,
    load_defaults,
    parse_csv,
    publish,
    to_csv,
)
from marketplace.services.matching.stored import find_matches
from models import Listing, User
from models.base import swedish_today
from models.impact import StoredEstimate
from tests.factories import ListingFactory, OrganisationFactory, SiteFactory, UserFactory

GEOD = Geod(ellps="GRS80")
FALUN = MUNICIPALITY_BY_CODE["2080"]
TODAY = swedish_today()


def point(km: float, azimuth: float = 90.0) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(FALUN.lon, FALUN.lat, azimuth, km * 1000.0)
    return float(lon), float(lat)


def listing(direction: str, km: float = 0.0, azimuth: float = 90.0, **kwargs):  # type: ignore[no-untyped-def]
    lon, lat = point(km, azimuth)
    site = SiteFactory(organisation=OrganisationFactory(), lon=lon, lat=lat)
    return ListingFactory(site=site, direction=direction, **kwargs)


def term_sum(terms) -> float:  # type: ignore[no-untyped-def]
    return sum(t.kg for t in terms)


# --- ranked matches ---------------------------------------------------------------------------


def test_ranked_matches_carry_consistent_estimates(session):
    factor_set = load_defaults(session)
    assert factor_set is not None and factor_set.version == 1
    supply = listing("offer", 0, category="steel_slag", quantity=Decimal("500"))
    wants = [
        listing("want", 30, category="aggregates", quantity=Decimal("200")),
        listing("want", 80, azimuth=0, category="steel_slag", quantity=Decimal("900")),
        listing("want", 150, azimuth=200, category="asphalt", quantity=Decimal("50")),
    ]

    ranked = ranked_matches(session, supply, today=TODAY)

    assert [r.match.listing for r in ranked] == [
        m.listing for m in find_matches(session, supply, today=TODAY)
    ]
    assert {r.match.listing.id for r in ranked} == {w.id for w in wants}
    for item in ranked:
        est = item.estimate
        assert item.factor_set.id == factor_set.id
        assert est.available, est.reason
        assert term_sum(est.terms) == pytest.approx(est.co2e_kg, abs=1e-6)
        assert term_sum(est.sek_terms) == pytest.approx(est.sek, abs=1e-6)
        assert est.co2e_low_kg <= est.co2e_kg <= est.co2e_high_kg
        assert est.sek_low <= est.sek <= est.sek_high
        assert est.co2e_low_kg < est.co2e_high_kg  # transport.road is ranged
        assert est.inputs.distance_km == pytest.approx(item.match.distance_km, rel=1e-9)
        assert est.inputs.quantity == pytest.approx(
            min(500.0, float(item.match.want.quantity)), rel=1e-9
        )
    assert len(ranked_matches(session, supply, today=TODAY, limit=2)) == 2


def test_ranked_matches_without_factors_are_empty(session):
    supply = listing("offer", 0)
    listing("want", 20)
    assert current_set(session) is None
    assert len(find_matches(session, supply, today=TODAY)) == 1
    assert ranked_matches(session, supply, today=TODAY) == []
    with pytest.raises(DomainError):
        estimate_pair(session, supply, supply, Choice())


def test_suggestions_cover_the_firms_live_listings(session):
    load_defaults(session)
    firm = OrganisationFactory()
    home = SiteFactory(organisation=firm)
    own_offer = ListingFactory(site=home, direction="offer", category="sawdust")
    own_want = ListingFactory(site=home, direction="want", category="aggregates")
    sawdust_want = listing("want", 40, category="sawdust")
    slag_offer = listing("offer", 60, category="steel_slag")

    found = suggestions(session, organisation_id=firm.id, today=TODAY)

    pairs = {(r.match.offer.id, r.match.want.id) for r in found}
    assert pairs == {(own_offer.id, sawdust_want.id), (slag_offer.id, own_want.id)}
    assert [r.match.score for r in found] == sorted((r.match.score for r in found), reverse=True)
    for item in found:
        assert term_sum(item.estimate.terms) == pytest.approx(item.estimate.co2e_kg, abs=1e-6)


# --- one pair ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "route"),
    [
        ("sawdust", "sold"),  # a by-product with a market price (fuel, pellets)
        ("bark", "sold"),
        ("wood_offcuts", "incineration"),  # organic: never landfilled by default
        ("food_byproducts", "sold"),
        ("steel_slag", "landfill"),
        ("bottom_ash", "landfill"),
    ],
)
def test_the_default_baseline_route_follows_the_landfill_ban(session, category, route):
    load_defaults(session)
    supply = listing("offer", 0, category=category)
    demand = listing("want", 50, category=category)

    est, used = estimate_pair(session, supply, demand, Choice())

    assert default_route(category) == route
    assert est.inputs.baseline_route == route
    assert est.inputs.distance_km == pytest.approx(50.0, abs=0.1)
    assert used.id == current_set(session).id
    # The default is labelled as an assumption, never as the user's input.
    assert [a.value for a in est.assumptions if a.input == "route"] == [route]
    if category == "food_byproducts":  # no substitution factor, no disposal credit when sold
        assert not est.available
        return
    disposal = next(t for t in est.terms if t.name == "avoided_disposal")
    if route != "landfill":
        assert disposal.kg == 0.0
    else:
        assert disposal.kg > 0.0


def test_a_chosen_route_and_quantity_override_the_defaults(session):
    load_defaults(session)
    supply = listing("offer", 0, category="sawdust")
    demand = listing("want", 50, category="sawdust")

    est, _ = estimate_pair(
        session, supply, demand, Choice(quantity=12.5, baseline_route="landfill")
    )
    assert est.inputs.baseline_route == "landfill"
    assert est.inputs.quantity == 12.5
    with pytest.raises(DomainError) as error:
        estimate_pair(session, supply, demand, Choice(quantity=-1.0))
    assert error.value.field == "quantity"


@pytest.mark.parametrize(
    ("offered", "wanted", "expected"),
    [
        ({"quantity": Decimal("100"), "unit": "t"}, {"quantity": Decimal("40"), "unit": "t"}, 40.0),
        (
            {"quantity": Decimal("100"), "unit": "t"},
            {"quantity": Decimal("40000"), "unit": "kg"},
            40.0,
        ),
        (
            {"quantity": Decimal("50"), "unit": "m3", "density_t_per_m3": Decimal("0.5")},
            {"quantity": Decimal("30"), "unit": "t"},
            25.0,
        ),
        (
            {"quantity": Decimal("30"), "unit": "t"},
            {"quantity": Decimal("200"), "unit": "m3", "density_t_per_m3": Decimal("0.25")},
            30.0,
        ),
        (
            {"quantity": Decimal("100"), "unit": "t", "remaining_quantity": Decimal("15")},
            {"quantity": Decimal("40"), "unit": "t"},
            15.0,
        ),
    ],
    ids=["t-t", "t-kg", "m3-t", "t-m3", "remaining"],
)
def test_default_quantity_is_the_smaller_side_in_tonnes(session, offered, wanted, expected):
    supply = listing("offer", 0, **offered)
    demand = listing("want", 20, **wanted)

    assert default_quantity(supply, demand) == pytest.approx(expected)
    assert default_quantity(demand, supply) == pytest.approx(expected)


# --- factor-set versions ----------------------------------------------------------------------


def test_a_new_factor_set_changes_new_estimates_but_not_stored_ones(session):
    first = load_defaults(session)
    assert first is not None
    assert load_defaults(session) is None  # idempotent
    supply = listing("offer", 0, category="steel_slag", quantity=Decimal("300"))
    demand = listing("want", 80, category="aggregates", quantity=Decimal("300"))
    actor = UserFactory()

    before, used = estimate_pair(session, supply, demand, Choice())
    assert used.id == first.id
    stored = store_estimate(
        session, offer=supply, want=demand, est=before, factor_set=used, actor=actor
    )
    stored_json = stored.result_json
    assert stored_result(stored)["co2e_kg"] == pytest.approx(before.co2e_kg)
    assert stored_result(stored)["factor_set"] == 1
    assert stored_result(stored)["terms"] == impact_summary(before, used)["terms"]

    records = [
        replace(r, value=0.2) if r.key == "transport.road" else r for r in parse_csv(to_csv(first))
    ]
    second = publish(session, records, label="Road freight revised")
    assert second.version == 2
    assert current_set(session).id == second.id

    after, used_after = estimate_pair(session, supply, demand, Choice())
    assert used_after.id == second.id
    assert after.co2e_kg != pytest.approx(before.co2e_kg)
    transport = {e: next(t.kg for t in e.terms if t.name == "transport") for e in (before, after)}
    assert transport[after] == pytest.approx(transport[before] * 0.2 / 0.1252, rel=1e-9)
    again, _ = estimate_pair(session, supply, demand, Choice(), factor_set=first)
    assert again.co2e_kg == pytest.approx(before.co2e_kg, rel=1e-12)
    # An estimate is stored with the set it was computed with, even when a newer one is in force.
    replayed = store_estimate(
        session, offer=supply, want=demand, est=again, factor_set=first, actor=None
    )
    assert replayed.factor_set_id == first.id
    assert stored_result(replayed)["factor_set"] == 1

    session.expire_all()
    kept = session.get(StoredEstimate, stored.id)
    assert kept.result_json == stored_json
    assert kept.factor_set_id == first.id
    assert kept.created_by_id == actor.id
    assert stored_result(kept)["co2e_kg"] == pytest.approx(before.co2e_kg)
    assert factors_by_key(get_set(session, 1))["transport.road"].value == pytest.approx(0.1252)
    assert factors_by_key(get_set(session, 2))["transport.road"].value == pytest.approx(0.2)


def test_a_factor_set_round_trips_through_csv(session):
    first = load_defaults(session)
    records = parse_csv(to_csv(first))
    by_key = factors_by_key(first)
    assert len(records) == len(by_key)
    for record in records:
        factor = by_key[record.key]
        assert (record.value, record.unit, record.source, record.year) == (
            pytest.approx(factor.value),
            factor.unit,
            factor.source,
            factor.year,
        )
        assert record.low == factor.low and record.high == factor.high


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_sellers_sawdust_finds_the_pellet_makers_want(session):
    from marketplace.demo.loader import load_demo

    load_demo(session, production=False, today=TODAY)
    load_defaults(session)
    session.flush()

    def firm_of(email: str) -> int:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None and user.organisation_id is not None
        return user.organisation_id

    seller, buyer = firm_of("seller@demo.example"), firm_of("buyer@demo.example")
    (sawdust,) = session.scalars(
        select(Listing).where(
            Listing.organisation_id == seller,
            Listing.category == "sawdust",
            Listing.direction == "offer",
            Listing.title.startswith("Sågspån"),
        )
    ).all()

    ranked = ranked_matches(session, sawdust, today=TODAY)

    assert ranked, "the demo seller's sawdust has no match"
    top = ranked[0]
    assert top.match.want.organisation_id == buyer
    assert top.match.want.category == "sawdust"
    assert top.match.want.direction == "want"
    assert top.estimate.available, top.estimate.reason
    # The sawmill sells its sawdust today (the seller says so on the offer): the exchange moves
    # the stream, so no gate fee and no substitution credit, only the transport difference.
    assert top.estimate.inputs.baseline_route == "sold"
    terms = {t.name: t.kg for t in top.estimate.terms + top.estimate.sek_terms}
    assert terms["material_substitution"] == 0 and terms["avoided_disposal"] == 0
    assert terms["avoided_gate_fee"] == 0
    assert top.estimate.co2e_kg == pytest.approx(terms["transport"])
    summary = impact_summary(top.estimate, top.factor_set)
    assert summary["sek"] == top.estimate.sek and summary["factor_set"] == 1
    assert summary["route"] == "sold" and summary["per"] == "year"
    assert "route" not in {a["input"] for a in summary["assumptions"]}  # stated, not assumed
    assert top.estimate.inputs.quantity == pytest.approx(8000.0)  # 8 000 t offered, 20 000 wanted
