"""The regional potential counts each want and each offer at most once, per year (IMPACT.md)."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from marketplace.services.impact import potentials
from marketplace.services.impact.estimates import Choice, estimate_pair
from marketplace.services.impact.factors import load_defaults
from marketplace.services.impact.potentials import Candidate, allocate
from marketplace.services.staff import stats
from marketplace.services.staff.stats_sql import StatsFilter
from models import Listing, MatchPotential, PotentialPair
from models.base import swedish_today
from tests.services.impact.test_estimates import listing

TODAY = swedish_today()


# --- the allocation as a pure function ----------------------------------------------------------


def brute_greedy(pairs: list[tuple[int, int, float]], caps: dict[int, float]) -> dict:  # type: ignore[type-arg]
    """Written apart from the service: best saving per unit first, each takes what is left."""
    left = dict(caps)
    out = {}
    for offer, want, _saving in sorted(pairs, key=lambda p: (-p[2], p[0], p[1])):
        amount = min(left[offer], left[want])
        if amount > 0:
            left[offer] -= amount
            left[want] -= amount
            out[(offer, want)] = amount
    return out


@st.composite
def markets(draw: st.DrawFn) -> tuple[list[Candidate], dict[int, float]]:
    offers = draw(st.lists(st.integers(1, 20), min_size=1, max_size=8, unique=True))
    wants = draw(st.lists(st.integers(101, 120), min_size=1, max_size=8, unique=True))
    caps = {i: draw(st.floats(0, 1e4)) for i in offers + wants}
    pairs = draw(st.lists(st.tuples(st.sampled_from(offers), st.sampled_from(wants)), unique=True))
    candidates = [
        Candidate(o, w, "t", draw(st.floats(0.001, 5000)), draw(st.floats(-500, 500)))
        for o, w in pairs
    ]
    return candidates, caps


@settings(max_examples=300, deadline=None)
@given(markets())
def test_the_allocation_never_exceeds_either_side_and_equals_a_brute_force(market):
    candidates, caps = market
    taken = allocate(list(reversed(candidates)), dict(caps))
    given_out: dict[int, float] = defaultdict(float)
    for a in taken:
        assert a.amount > 0
        given_out[a.candidate.offer_id] += a.amount
        given_out[a.candidate.want_id] += a.amount
    for listing_id, total in given_out.items():
        assert total <= caps[listing_id] * (1 + 1e-12)
    expected = brute_greedy([(c.offer_id, c.want_id, c.co2e_per_unit) for c in candidates], caps)
    assert {(a.candidate.offer_id, a.candidate.want_id): a.amount for a in taken} == (
        pytest.approx(expected)
    )


# --- on generated listings ------------------------------------------------------------------------


def check_bounds(session) -> list[PotentialPair]:  # type: ignore[no-untyped-def]
    pairs = list(session.scalars(select(PotentialPair)))
    per_listing: dict[int, float] = defaultdict(float)
    for pair in pairs:
        per_listing[pair.offer_id] += pair.allocated
        per_listing[pair.want_id] += pair.allocated
        assert pair.co2e_kg > 0  # pairs that raise emissions are never potential
    for listing_id, total in per_listing.items():
        found = session.get(Listing, listing_id)
        assert total <= found.amount_per_year(remaining=True) * (1 + 1e-9), found.title
    return pairs


def test_a_want_three_offers_match_is_counted_once(session):
    load_defaults(session)
    offers = [
        listing(
            "offer",
            5 * n,
            category="steel_slag",
            quantity=Decimal("400"),
            current_route="landfill",
            title=f"Slag {n}",
        )
        for n in range(3)
    ]
    want = listing("want", 30, category="aggregates", quantity=Decimal("500"))
    potentials.refresh_all(session, today=TODAY)
    pairs = check_bounds(session)
    assert sum(p.allocated for p in pairs) == pytest.approx(500)  # not 3 × 400 = 1,200
    assert {p.want_id for p in pairs} == {want.id}
    figures = stats.figures(
        session, StatsFilter(start=TODAY.replace(year=TODAY.year - 1), end=TODAY)
    )
    assert figures.potential.tonnes == pytest.approx(500)
    # The offers nearest the want (10 km, then 5 km east of Falun; the want is at 30 km) save
    # most per tonne, so they are served first: 400 t, then the 100 t the want still needs.
    by_offer = {p.offer_id: p.allocated for p in pairs}
    assert by_offer == pytest.approx({offers[2].id: 400, offers[1].id: 100})


def test_pairs_that_raise_emissions_are_not_potential(session):
    load_defaults(session)
    sold = listing("offer", 0, category="sawdust", quantity=Decimal("300"), current_route="sold")
    listing("want", 60, category="sawdust", quantity=Decimal("300"))
    potentials.refresh_all(session, today=TODAY)
    assert session.get(MatchPotential, sold.id) is not None  # it has a match ...
    assert list(session.scalars(select(PotentialPair))) == []  # ... that saves nothing


def test_recurring_amounts_are_allocated_per_year(session):
    load_defaults(session)
    offer = listing("offer", 0, category="steel_slag", quantity=Decimal("100"),
                    recurrence="month", current_route="landfill")  # fmt: skip
    listing("want", 20, category="aggregates", quantity=Decimal("5000"), recurrence="year")
    potentials.refresh_all(session, today=TODAY)
    [pair] = check_bounds(session)
    assert pair.offer_id == offer.id and pair.allocated == pytest.approx(1200)


def test_random_markets_respect_the_bounds_and_publication_keeps_them(session):
    load_defaults(session)
    rng = random.Random(13)
    categories = [("steel_slag", "aggregates"), ("bottom_ash", "aggregates"),
                  ("concrete", "concrete"), ("wood_offcuts", "wood_offcuts")]  # fmt: skip
    made = []
    for n in range(40):
        supply, need = rng.choice(categories)
        direction = rng.choice(("offer", "want"))
        made.append(listing(
            direction, rng.uniform(0, 120), rng.uniform(0, 360),
            category=supply if direction == "offer" else need,
            quantity=Decimal(rng.randint(5, 900)), recurrence=rng.choice(("once", "month", "year")),
            current_route="landfill" if direction == "offer" else None, title=f"L{n}",
        ))  # fmt: skip
    potentials.refresh_all(session, today=TODAY)
    assert check_bounds(session), "the market should have some potential"
    # A listing published later takes only what its counterparts have left.
    late = listing("want", 10, category="aggregates", quantity=Decimal("10000"), title="Late")
    potentials.refresh_listing(session, late.id, today=TODAY)
    check_bounds(session)
    # Each pair's CO2e is its default estimate scaled to the allocated amount.
    for pair in session.scalars(select(PotentialPair)).all()[:5]:
        offer, want = session.get(Listing, pair.offer_id), session.get(Listing, pair.want_id)
        est, _ = estimate_pair(session, offer, want, Choice(quantity=pair.allocated))
        assert pair.co2e_kg == pytest.approx(est.co2e_kg, rel=1e-9)
    # The listing's row holds the sums of its pairs; the statistics add the offers' rows.
    for row in session.scalars(select(MatchPotential)):
        mine = [p for p in session.scalars(select(PotentialPair))
                if row.listing_id in (p.offer_id, p.want_id)]  # fmt: skip
        assert row.tonnes == pytest.approx(sum(p.allocated for p in mine if p.unit == "t"))
        assert row.co2e_kg == pytest.approx(sum(p.co2e_kg for p in mine))


def test_the_demo_potential_never_exceeds_what_wants_asked_for(session):
    from marketplace.demo.loader import load_demo

    load_demo(session, production=False, today=TODAY)
    pairs = check_bounds(session)
    assert pairs, "the demo shows some potential"
    wanted: dict[int, float] = defaultdict(float)
    for pair in pairs:
        wanted[pair.want_id] += pair.allocated
    for want_id, total in wanted.items():
        want = session.get(Listing, want_id)
        assert total <= want.amount_per_year(remaining=True) * (1 + 1e-9)
    offers = [r for r in session.scalars(select(MatchPotential))
              if session.get(Listing, r.listing_id).direction == "offer"]  # fmt: skip
    assert sum(r.tonnes or 0 for r in offers) == pytest.approx(
        sum(p.allocated for p in pairs if p.unit == "t")
    )
