"""Opportunities and match potentials: lonely supply and demand against a brute force, untaken
matches, the network of exchanges, and potentials kept up to date."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest

from geo.distance import geodesic_pair_m
from geo.gazetteer import MUNICIPALITIES
from marketplace.services.deals.conversations import InquiryInput, start_inquiry
from marketplace.services.impact import potentials
from marketplace.services.impact.factors import load_defaults
from marketplace.services.matching.candidates import compatible_categories
from marketplace.services.staff import opportunities
from marketplace.services.staff.stats import StatsFilter
from models import MatchPotential
from models.base import swedish_today
from tests.factories import ListingFactory, OrganisationFactory, SiteFactory, UserFactory

TODAY = swedish_today()
WHOLE = StatsFilter(start=TODAY - timedelta(days=365), end=TODAY)
CATEGORIES = ("sawdust", "bark", "wood_offcuts", "steel_slag", "aggregates", "bottom_ash")


@pytest.fixture
def market(session):  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    firms = [OrganisationFactory() for _ in range(8)]
    towns = rng.sample(list(MUNICIPALITIES), 12)
    listings = []
    for _ in range(70):
        town = rng.choice(towns)
        site = SiteFactory(
            organisation=rng.choice(firms),
            municipality_code=town.code,
            lat=town.lat + rng.uniform(-0.2, 0.2),
            lon=town.lon + rng.uniform(-0.3, 0.3),
        )
        listings.append(
            ListingFactory(
                site=site,
                direction=rng.choice(("offer", "want")),
                category=rng.choice(CATEGORIES),
                quantity=Decimal(rng.randint(10, 5000)),
            )
        )
    return listings


def brute_force_lonely(listings, direction: str, radius_km: float) -> set[int]:  # type: ignore[no-untyped-def]
    lonely = set()
    for a in listings:
        if a.direction != direction:
            continue
        served = False
        for b in listings:
            if b.direction == direction or b.organisation_id == a.organisation_id:
                continue
            offer, want = (a, b) if direction == "offer" else (b, a)
            if want.category not in compatible_categories(offer.category):
                continue
            if geodesic_pair_m(a.lon, a.lat, b.lon, b.lat) <= radius_km * 1000:
                served = True
                break
        if not served:
            lonely.add(a.id)
    return lonely


@pytest.mark.parametrize("direction", ["offer", "want"])
@pytest.mark.parametrize("radius_km", [10, 50])
def test_lonely_listings_equal_a_brute_force(session, market, direction, radius_km):
    found = opportunities.lonely(
        session, WHOLE, direction=direction, radius_km=radius_km, today=TODAY
    )
    ids = {i for cell in found for i in cell.listing_ids}
    expected = brute_force_lonely(market, direction, radius_km)
    # SWEREF 99 TM distance vs the geodesic: listings within 0.1 % of the radius may differ.
    near_edge = {
        a.id
        for a in market
        for b in market
        if abs(geodesic_pair_m(a.lon, a.lat, b.lon, b.lat) - radius_km * 1000) < radius_km
    }
    assert ids - near_edge == expected - near_edge
    assert expected, "the generated market has lonely listings to find"
    for cell in found:
        members = [item for item in market if item.id in cell.listing_ids]
        assert {m.category for m in members} == {cell.category}
        assert {m.municipality_code for m in members} == {cell.municipality}
        assert cell.firms == len({m.organisation_id for m in members})


def test_lonely_respects_the_filters(session, market):
    town = market[0].municipality_code
    found = opportunities.lonely(
        session,
        StatsFilter(start=WHOLE.start, end=WHOLE.end, municipality=town),
        direction=market[0].direction,
        radius_km=5,
        today=TODAY,
    )
    assert {cell.municipality for cell in found} <= {town}


def test_potentials_and_untaken_matches(session):
    load_defaults(session)
    seller, buyer = UserFactory(), UserFactory()
    # Burnt today: going to the want instead replaces wood fibre, a saving (sold, it would not be).
    offer = ListingFactory(
        site=SiteFactory(organisation=seller.organisation), current_route="incineration"
    )
    want = ListingFactory(
        site=SiteFactory(organisation=buyer.organisation, lat=60.7, lon=15.7), direction="want"
    )
    row = potentials.refresh_listing(session, offer.id, today=TODAY)
    assert row is not None and row.counterpart_id == want.id and row.co2e_kg > 0
    reverse = session.get(MatchPotential, want.id)
    assert reverse is not None and reverse.counterpart_id == offer.id  # the counterpart improved
    untaken = opportunities.untaken_matches(session, WHOLE)
    assert [(u.offer.id, u.want.id) for u in untaken] == [(offer.id, want.id)]
    start_inquiry(session, actor=buyer, listing_id=offer.id, data=InquiryInput("Hej"), today=TODAY)
    assert opportunities.untaken_matches(session, WHOLE) == []  # they are talking now
    offer.status = "closed"
    assert potentials.refresh_listing(session, offer.id, today=TODAY) is None
    assert session.get(MatchPotential, offer.id) is None
    assert potentials.refresh_all(session, today=TODAY) == 0  # the want has nobody left


@pytest.mark.parametrize(("other_km", "served"), [(5, True), (15, False)])
def test_a_firms_own_nearest_want_does_not_hide_another_firms(session, other_km, served):
    """The nearest want is the offering firm's own; another firm's further off still counts
    when it is within the radius (10 km)."""
    firm, other = OrganisationFactory(), OrganisationFactory()
    lat, lon = 60.67, 17.14  # Gävle
    north = 1 / 111.2  # degrees of latitude per km

    def listing(org, km: float, direction: str):  # type: ignore[no-untyped-def]
        site = SiteFactory(organisation=org, municipality_code="2180", lat=lat + km * north,
                           lon=lon)  # fmt: skip
        return ListingFactory(site=site, direction=direction, category="sawdust")

    offer = listing(firm, 0, "offer")
    listing(firm, 1, "want")
    listing(other, other_km, "want")
    found = opportunities.lonely(session, WHOLE, direction="offer", radius_km=10, today=TODAY)
    lonely_ids = {i for cell in found for i in cell.listing_ids}
    assert (offer.id not in lonely_ids) is served
