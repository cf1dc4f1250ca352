"""Radius and area search against a brute-force reference over a few hundred listings."""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta
from decimal import Decimal

import pytest
import shapely
from pyproj import Geod

from geo.areas import Circle, polygon_from_points
from geo.crs import to_sweref
from geo.gazetteer import MUNICIPALITY_BY_CODE
from marketplace.services.listings.fulltext import words
from marketplace.services.listings.lifecycle import create_listing, publish_listing
from marketplace.services.listings.rules import ListingInput
from marketplace.services.listings.search import ListingFilters, search_listings
from marketplace.services.listings.sites import SiteInput, update_site
from models.base import swedish_today, utcnow
from tests.factories import ListingFactory, SiteFactory, UserFactory

GEOD = Geod(ellps="GRS80")
TODAY = swedish_today()
RADII_KM = [5, 10, 25, 50, 120]
TOWNS = ["2080", "2081", "2085", "2062", "1780", "2180"]
FALUN = MUNICIPALITY_BY_CODE["2080"]
BORLANGE = MUNICIPALITY_BY_CODE["2081"]
KARLSTAD = MUNICIPALITY_BY_CODE["1780"]
GAVLE = MUNICIPALITY_BY_CODE["2180"]
KINDS = {
    "material": (("sawdust", "bark", "fly_ash"), "t"),
    "energy": (("surplus_heat", "process_steam"), "MWh"),
    "capacity": (("storage", "transport"), "m2"),
}
WORDS = ("granbark", "spån", "aska", "värme", "lager", "slagg")
STATES = ("live", "draft", "closed", "expired", "past_end")
_random_centre = random.Random(2026)
CENTRES = {
    "falun-main-town": (FALUN.lon, FALUN.lat),
    "gavle-main-town": (GAVLE.lon, GAVLE.lat),
    "between-falun-and-borlange": ((FALUN.lon + BORLANGE.lon) / 2, 60.54),
    "random-point": (_random_centre.uniform(13.5, 16.5), _random_centre.uniform(59.6, 61.2)),
}


def make_listing(rng: random.Random, site, base, n: int):  # type: ignore[no-untyped-def]
    kind = rng.choice(list(KINDS))
    categories, unit = KINDS[kind]
    state = rng.choices(STATES, weights=[70, 8, 8, 7, 7])[0]
    values = {
        "site": site,
        "direction": rng.choice(["offer", "want"]),
        "kind": kind,
        "category": rng.choice(categories),
        "unit": unit,
        "visibility": "anonymous" if rng.random() < 0.3 else "public",
        "title": f"{rng.choice(WORDS).capitalize()} lot {n}",
        # Few distinct times, so that equal times are ordered by id.
        "published_at": base - timedelta(minutes=rng.randint(0, 40)),
    }
    if state == "draft":
        values.update(status="draft", published_at=None)
    elif state == "closed":
        values.update(status="closed", closed_at=base)
    elif state == "expired":
        values.update(status="expired", available_until=TODAY - timedelta(days=3))
    elif state == "past_end":  # still "published", but its end date has passed
        values.update(available_until=TODAY - timedelta(days=1))
    elif rng.random() < 0.2:
        values.update(available_until=None)
    return ListingFactory(**values)


@pytest.fixture
def market(session):  # type: ignore[no-untyped-def]
    """150 sites clustered within 60 km of six towns, two listings each (some not live)."""
    rng = random.Random(4711)
    base = utcnow().replace(microsecond=0)
    listings = []
    for _ in range(150):
        town = MUNICIPALITY_BY_CODE[rng.choice(TOWNS)]
        lon, lat, _ = GEOD.fwd(town.lon, town.lat, rng.uniform(0, 360), rng.uniform(0, 60_000))
        code = None if rng.random() < 0.1 else town.code  # "outside the region": grid cell
        site = SiteFactory(municipality_code=code, lon=lon, lat=lat)
        listings += [make_listing(rng, site, base, len(listings) + k) for k in range(2)]
    return listings


def is_live(listing) -> bool:  # type: ignore[no-untyped-def]
    return listing.status == "published" and (
        listing.available_until is None or listing.available_until >= TODAY
    )


def plain(text: str) -> str:
    """Case-folded, without diacritics: what both databases' full-text search compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def has_words(listing, q: str) -> bool:  # type: ignore[no-untyped-def]
    """Every word of q begins a word of the listing's text (the reference for text search)."""
    text = [plain(w) for w in words(listing.search_text)]
    return all(any(t.startswith(plain(w)) for t in text) for w in words(q))


def matches(listing, f: ListingFilters) -> bool:  # type: ignore[no-untyped-def]
    return (
        is_live(listing)
        and has_words(listing, f.q)
        and f.direction in (None, listing.direction)
        and f.kind in (None, listing.kind)
        and f.category in (None, listing.category)
        and f.municipality in (None, listing.municipality_code)
        and f.county in (None, listing.county_code)
    )


def covered(area, listing) -> bool:  # type: ignore[no-untyped-def]
    return bool(shapely.covers(area.geometry, shapely.Point(*to_sweref(listing.lon, listing.lat))))


def expected(listings, f: ListingFilters) -> list[tuple[float, int]]:  # type: ignore[no-untyped-def]
    """(distance m, id) nearest first around f.near, else (0, id) newest first."""
    rows = []
    for listing in listings:
        if not matches(listing, f) or (f.area is not None and not covered(f.area, listing)):
            continue
        distance = 0.0
        if f.near is not None:
            distance = GEOD.inv(f.near.lon, f.near.lat, listing.lon, listing.lat)[2]
            if distance > f.near.radius_m:
                continue
        rows.append((distance, listing))
    if f.near is not None:
        rows.sort(key=lambda r: (r[0], r[1].id))
    else:
        rows.sort(key=lambda r: (r[1].published_at, r[1].id), reverse=True)
    return [(d, listing.id) for d, listing in rows]


def search_all(session, f: ListingFilters, per_page: int = 50):  # type: ignore[no-untyped-def]
    """Every page of a search: (total, ids in order, distances in km by id)."""
    first = search_listings(session, f, today=TODAY, page=1, per_page=per_page)
    ids, km = [x.id for x in first.items], dict(first.distances_km)
    for number in range(2, first.pages + 1):
        page = search_listings(session, f, today=TODAY, page=number, per_page=per_page)
        assert (page.page, page.total, page.pages) == (number, first.total, first.pages)
        assert len(page.items) <= per_page
        ids += [x.id for x in page.items]
        km.update(page.distances_km)
    return first.total, ids, km


def assert_same_as_brute_force(session, listings, f: ListingFilters) -> int:  # type: ignore[no-untyped-def]
    want = expected(listings, f)
    total, ids, km = search_all(session, f)
    assert total == len(want)
    assert ids == [i for _, i in want]
    if f.near is None:
        assert km == {}
    else:
        assert set(km) == set(ids)
        for distance, listing_id in want:
            assert km[listing_id] * 1000 == pytest.approx(distance, abs=1.0)
    return total


def test_market_exercises_paging_ties_and_exclusions(market):
    live = [x for x in market if is_live(x)]
    assert 150 < len(live) < 260
    assert {x.status for x in market} == {"published", "draft", "closed", "expired"}
    assert any(x.is_anonymous and x.municipality_code is None for x in live)
    within = expected(market, ListingFilters(near=Circle(FALUN.lon, FALUN.lat, 120_000)))
    assert len(within) > 100  # several pages of 50
    at_town = [d for d, _ in within if d == 0.0]
    assert len(at_town) >= 3  # anonymous Falun listings share the main town's point


@pytest.mark.parametrize("centre", list(CENTRES.values()), ids=list(CENTRES))
def test_radius_search_returns_exactly_the_brute_force_set_nearest_first(session, market, centre):
    totals = []
    for radius_km in RADII_KM:
        circle = Circle(centre[0], centre[1], radius_km * 1000)
        totals.append(assert_same_as_brute_force(session, market, ListingFilters(near=circle)))
        # Non-live listings within the radius exist, and still are not found.
        hidden = [x for x in market if not is_live(x) and circle.contains([x.lon], [x.lat])[0]]
        if radius_km == 120:
            assert hidden
    assert totals == sorted(totals) and totals[-1] > 0


def test_page_past_the_end_shows_the_last_page(session, market):
    f = ListingFilters(near=Circle(FALUN.lon, FALUN.lat, 120_000))
    want = [i for _, i in expected(market, f)]
    last = search_listings(session, f, today=TODAY, page=999, per_page=50)
    assert last.page == last.pages == -(-len(want) // 50)
    assert [x.id for x in last.items] == want[(last.pages - 1) * 50 :]


FILTER_COMBINATIONS = [
    {"direction": "want"},
    {"kind": "energy"},
    {"category": "bark"},
    {"municipality": "2081"},
    {"county": "21"},
    {"q": "granbark"},
    {"q": "VÄRME lot"},
    {"direction": "offer", "kind": "material", "county": "20"},
]


def test_filters_intersect_with_the_radius(session, market):
    for changes in FILTER_COMBINATIONS:
        for radius_km in (25, 120):
            f = ListingFilters(near=Circle(FALUN.lon, FALUN.lat, radius_km * 1000), **changes)
            total = assert_same_as_brute_force(session, market, f)
            if radius_km == 120:
                everything = len(expected(market, ListingFilters(near=f.near)))
                assert 0 < total < everything, changes


DALARNA_QUAD = [(14.5, 60.0), (16.5, 60.0), (16.5, 61.0), (14.5, 61.2)]


def test_polygon_search_returns_the_covered_listings_newest_first(session, market):
    area = polygon_from_points(DALARNA_QUAD)
    total = assert_same_as_brute_force(session, market, ListingFilters(area=area))
    assert 50 < total < len([x for x in market if is_live(x)])


def test_polygon_with_a_corner_on_the_main_town_covers_anonymous_listings_there(session, market):
    area = polygon_from_points([(FALUN.lon, FALUN.lat), (15.3, 60.3), (15.9, 60.3)])
    f = ListingFilters(area=area)
    want = [i for _, i in expected(market, f)]
    at_town = {x.id for x in market if is_live(x) and (x.lon, x.lat) == (FALUN.lon, FALUN.lat)}
    assert at_town and at_town <= set(want)
    assert_same_as_brute_force(session, market, f)


def test_radius_and_polygon_together_return_their_intersection(session, market):
    area = polygon_from_points(DALARNA_QUAD)
    for radius_km in (10, 50, 120):
        near = Circle(BORLANGE.lon, BORLANGE.lat, radius_km * 1000)
        for f in (
            ListingFilters(near=near, area=area),
            ListingFilters(near=near, area=area, direction="offer"),
        ):
            total = assert_same_as_brute_force(session, market, f)
            if radius_km == 120:
                # The polygon cuts the circle: fewer than the circle alone.
                assert 0 < total < len(expected(market, ListingFilters(near=near)))


def test_radius_and_polygon_far_apart_find_nothing(session, market):
    f = ListingFilters(
        near=Circle(KARLSTAD.lon, KARLSTAD.lat, 50_000), area=polygon_from_points(DALARNA_QUAD)
    )
    assert expected(market, ListingFilters(near=f.near))
    page = search_listings(session, f, today=TODAY)
    assert (page.total, page.items, page.distances_km) == (0, [], {})


def ids_near(session, lon: float, lat: float, radius_m: float) -> dict[int, float]:
    f = ListingFilters(near=Circle(lon, lat, radius_m))
    return search_listings(session, f, today=TODAY, per_page=100).distances_km


def test_moving_a_site_moves_its_listings_in_search(session):
    owner = UserFactory()
    site = SiteFactory(
        organisation=owner.organisation,
        municipality_code="1780",
        lon=KARLSTAD.lon + 0.05,
        lat=KARLSTAD.lat,
    )
    public = ListingFactory(site=site)
    anonymous = ListingFactory(site=site, visibility="anonymous")
    assert set(ids_near(session, KARLSTAD.lon, KARLSTAD.lat, 5_000)) == {public.id, anonymous.id}

    new_lon, new_lat, _ = GEOD.fwd(GAVLE.lon, GAVLE.lat, 200, 4_000)
    update_site(
        session,
        actor=owner,
        site_id=site.id,
        data=SiteInput(name="Hamnen", municipality_code="2180", lat=new_lat, lon=new_lon),
    )
    assert ids_near(session, KARLSTAD.lon, KARLSTAD.lat, 50_000) == {}
    near_site = ids_near(session, new_lon, new_lat, 1_000)
    assert near_site == {public.id: pytest.approx(0, abs=1e-6)}
    near_town = ids_near(session, GAVLE.lon, GAVLE.lat, 1_000)
    assert near_town == {anonymous.id: pytest.approx(0, abs=1e-6)}
    assert search_listings(session, ListingFilters(county="21"), today=TODAY).total == 2


def test_anonymous_listing_is_found_at_the_main_town_not_at_its_site(session):
    owner = UserFactory()
    lon, lat, _ = GEOD.fwd(FALUN.lon, FALUN.lat, 75, 10_000)
    site = SiteFactory(organisation=owner.organisation, municipality_code="2080", lon=lon, lat=lat)
    data = ListingInput(
        direction="offer",
        kind="material",
        site_id=site.id,
        title="Granspån",
        category="sawdust",
        quantity=Decimal("40"),
        unit="t",
        description="Dry spruce shavings from the planing mill, stored under roof.",
        visibility="anonymous",
    )
    hidden = create_listing(session, actor=owner, data=data)
    publish_listing(session, actor=owner, listing_id=hidden.id, today=TODAY)
    shown = ListingFactory(site=site)  # a public listing on the same site, for contrast

    at_town = ids_near(session, FALUN.lon, FALUN.lat, 500)
    assert at_town == {hidden.id: pytest.approx(0, abs=1e-6)}
    at_site = ids_near(session, lon, lat, 2_000)
    assert at_site == {shown.id: pytest.approx(0, abs=1e-6)}
    # Only once the circle reaches the main town does the anonymous listing appear.
    reaching = ids_near(session, lon, lat, 10_001)
    assert reaching[hidden.id] == pytest.approx(10.0, abs=1e-3)
    assert hidden.id not in ids_near(session, lon, lat, 9_990)
