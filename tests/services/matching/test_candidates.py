"""Matching offers with wants: kind, material, distance, time, permits, ranking, explanations.

Sites are placed at chosen geodesic distances from Falun's main town on GRS80 (the ellipsoid of
SWEREF 99), so every expected distance is exact; both backends run through the fixtures.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.gazetteer import MUNICIPALITY_BY_CODE
from marketplace.services.matching.candidates import (
    COMPATIBLE,
    DEFAULT_RADIUS_KM,
    Match,
    compatible_categories,
    supplying_categories,
)
from marketplace.services.matching.stored import find_matches, unmet_wants
from marketplace.services.reference.taxonomy import seed_common_codes
from models.base import swedish_today
from models.taxonomy import CATEGORY_BY_KEY
from tests.factories import ListingFactory, OrganisationFactory, SiteFactory

GEOD = Geod(ellps="GRS80")
FALUN = MUNICIPALITY_BY_CODE["2080"]
TODAY = swedish_today()

DISTANCE = "%(km)s km away"
SAME_CODE = "same waste code %(code)s"
SAME_CATEGORY = "same category: %(category)s"
CAN_SERVE = "%(offer_category)s can serve as %(want_category)s"
TAKES_ALL = "would take all of the offered quantity"
TAKES_PART = "would take %(percent)d %% of the offered quantity"
COVERS_ALL = "covers all of the wanted quantity"
COVERS_PART = "covers %(percent)d %% of the wanted quantity"
AVAILABLE_NOW = "available now"
AVAILABLE_FROM = "available from %(date)s"
# Bearings from Falun that stay in Sweden for 320 km (west is Norway, east the Baltic).
SWEDISH_BEARINGS = (340.0, 0.0, 20.0, 160.0, 180.0, 200.0)


# --- helpers ----------------------------------------------------------------------------------


def point(km: float, azimuth: float = 90.0) -> tuple[float, float]:
    """(lon, lat) `km` kilometres from Falun's main town along `azimuth` (degrees from north)."""
    lon, lat, _ = GEOD.fwd(FALUN.lon, FALUN.lat, azimuth, km * 1000.0)
    return float(lon), float(lat)


def site_at(org, km: float = 0.0, azimuth: float = 90.0, **kwargs):  # type: ignore[no-untyped-def]
    lon, lat = point(km, azimuth)
    return SiteFactory(organisation=org, lon=lon, lat=lat, **kwargs)


def listing(  # type: ignore[no-untyped-def]
    direction: str,
    org=None,
    km: float = 0.0,
    azimuth: float = 90.0,
    *,
    site=None,
    permit: bool = False,
    **kwargs,
):
    """A published listing of `org` (a new firm when None) on a site `km` from Falun."""
    if site is None:
        site = site_at(org or OrganisationFactory(), km, azimuth, may_receive_hazardous=permit)
    return ListingFactory(site=site, direction=direction, **kwargs)


def offer(org=None, km: float = 0.0, azimuth: float = 90.0, **kwargs):  # type: ignore[no-untyped-def]
    return listing("offer", org, km, azimuth, **kwargs)


def want(org=None, km: float = 0.0, azimuth: float = 90.0, **kwargs):  # type: ignore[no-untyped-def]
    return listing("want", org, km, azimuth, **kwargs)


def matched(session, item, today: date = TODAY) -> list:  # type: ignore[no-untyped-def]
    return [m.listing for m in find_matches(session, item, today=today)]


def only_match(session, item, other, today: date = TODAY) -> Match:  # type: ignore[no-untyped-def]
    matches = [m for m in find_matches(session, item, today=today) if m.listing is other]
    assert len(matches) == 1, f"{other.title} not matched with {item.title}"
    return matches[0]


def reason(match: Match, message: str):  # type: ignore[no-untyped-def]
    found = [r for r in match.reasons if r.message == message]
    assert len(found) == 1, [r.message for r in match.reasons]
    return found[0]


def messages(match: Match) -> set[str]:
    return {r.message for r in match.reasons}


@pytest.fixture
def codes(session):  # type: ignore[no-untyped-def]
    seed_common_codes(session)
    session.flush()


# --- the taxonomy of compatible categories -----------------------------------------------------


def test_compatibility_table_uses_known_categories_of_one_kind():
    for offer_category, wants in COMPATIBLE.items():
        kind = CATEGORY_BY_KEY[offer_category].kind
        assert offer_category not in wants
        for want_category in wants:
            assert CATEGORY_BY_KEY[want_category].kind == kind, (offer_category, want_category)


def test_supplying_categories_invert_compatible_categories():
    for want_category in CATEGORY_BY_KEY:
        supplying = supplying_categories(want_category)
        assert want_category in supplying
        for offer_category in CATEGORY_BY_KEY:
            serves = want_category in compatible_categories(offer_category)
            assert (offer_category in supplying) == serves, (offer_category, want_category)
    assert compatible_categories("steel_slag") == {"steel_slag", "aggregates", "asphalt"}
    assert supplying_categories("aggregates") >= {
        "aggregates",
        "steel_slag",
        "bottom_ash",
        "fly_ash",
        "concrete",
        "foundry_sand",
    }


# --- 1. the basic match ------------------------------------------------------------------------


def test_sawdust_offer_and_want_50_km_apart_match_both_ways(session):
    sawdust_offer = offer(km=0, title="Spruce sawdust")
    sawdust_want = want(km=50, title="Sawdust for pellets")

    from_offer = find_matches(session, sawdust_offer, today=TODAY)
    from_want = find_matches(session, sawdust_want, today=TODAY)

    assert [m.listing for m in from_offer] == [sawdust_want]
    assert [m.listing for m in from_want] == [sawdust_offer]
    for match in (from_offer[0], from_want[0]):
        assert match.offer is sawdust_offer and match.want is sawdust_want
        assert match.distance_km == pytest.approx(50.0, abs=0.1)
        assert reason(match, DISTANCE).params == {"km": pytest.approx(50.0, abs=0.1)}
        assert reason(match, SAME_CATEGORY).params == {"category": "sawdust"}
        assert reason(match, AVAILABLE_NOW).points == 10
        assert 0 <= match.score <= 100
        assert match.score == round(sum(r.points for r in match.reasons), 1)
        assert match.coverage == pytest.approx(1.0)
    assert TAKES_ALL in messages(from_offer[0])
    assert COVERS_ALL in messages(from_want[0])
    # 30·(1 − 50/250) for distance + 35 same category + 20 full quantity + 10 available now.
    assert from_offer[0].score == pytest.approx(89.0, abs=0.1)
    assert from_want[0].score == pytest.approx(89.0, abs=0.1)


# --- 2. never the firm's own listings ----------------------------------------------------------


def test_a_firms_own_listings_are_never_matched(session):
    firm = OrganisationFactory()
    own_offer = offer(firm, km=0)
    own_want = want(firm, km=10)
    other_want = want(km=10)

    assert matched(session, own_offer) == [other_want]
    assert matched(session, own_want) == []
    assert matched(session, other_want) == [own_offer]


def test_a_firms_listings_on_different_sites_are_still_its_own(session):
    firm = OrganisationFactory()
    own_offer = offer(firm, km=0)
    want(firm, km=30, azimuth=200)

    assert matched(session, own_offer) == []


# --- 3. kind and material ---------------------------------------------------------------------


def test_kind_must_agree(session):
    material_offer = offer(km=0)
    energy_want = want(km=10, kind="energy", category="sawdust", unit="MWh")
    material_want = want(km=10)

    assert matched(session, material_offer) == [material_want]
    assert matched(session, energy_want) == []


def test_incompatible_categories_do_not_match(session):
    sawdust_offer = offer(km=0)
    slag_want = want(km=10, category="steel_slag")

    assert matched(session, sawdust_offer) == []
    assert matched(session, slag_want) == []


@pytest.mark.parametrize(
    ("offer_values", "want_values"),
    [
        ({"category": "steel_slag"}, {"category": "aggregates"}),
        ({"category": "bottom_ash"}, {"category": "aggregates"}),
        (
            {"category": "surplus_heat", "kind": "energy", "unit": "MWh"},
            {"category": "process_steam", "kind": "energy", "unit": "MWh"},
        ),
    ],
    ids=["steel_slag-aggregates", "bottom_ash-aggregates", "surplus_heat-process_steam"],
)
def test_compatible_categories_match(session, offer_values, want_values):
    supply = offer(km=0, **offer_values)
    demand = want(km=20, **want_values)

    for viewed, other in ((supply, demand), (demand, supply)):
        match = only_match(session, viewed, other)
        material = reason(match, CAN_SERVE)
        assert material.params == {
            "offer_category": offer_values["category"],
            "want_category": want_values["category"],
        }
        assert material.points == 15
        assert SAME_CATEGORY not in messages(match)


def test_compatibility_is_directed(session):
    """Aggregates cannot serve as steel slag: the table reads from offer to want."""
    aggregates_offer = offer(km=0, category="aggregates")
    slag_want = want(km=20, category="steel_slag")

    assert matched(session, aggregates_offer) == []
    assert matched(session, slag_want) == []


def test_same_waste_code_matches_across_categories_with_the_most_material_points(session, codes):
    code_offer = offer(km=0, category="sawdust", ewc_code="030105")
    code_want = want(km=20, category="other_material", ewc_code="030105")
    category_want = want(km=20, category="sawdust")
    uncoded_want = want(km=20, category="other_material")
    assert "other_material" not in compatible_categories("sawdust")

    assert {m.listing.id for m in find_matches(session, code_offer, today=TODAY)} == {
        code_want.id,
        category_want.id,
    }
    for viewed, other in ((code_offer, code_want), (code_want, code_offer)):
        match = only_match(session, viewed, other)
        assert reason(match, SAME_CODE).params == {"code": "03 01 05"}
        assert SAME_CATEGORY not in messages(match)
    assert matched(session, uncoded_want) == []

    by_code = reason(only_match(session, code_offer, code_want), SAME_CODE).points
    by_category = reason(only_match(session, code_offer, category_want), SAME_CATEGORY).points
    assert by_code == 40 and by_category == 35
    assert by_code > by_category
    first = find_matches(session, code_offer, today=TODAY)[0]
    assert first.listing is code_want  # same distance, quantity and timing: the code wins


# --- 4. distance ------------------------------------------------------------------------------


def test_the_offers_maximum_distance_limits(session):
    supply = offer(km=0, max_distance_km=30)
    demand = want(km=50)

    assert matched(session, supply) == []
    assert matched(session, demand) == []

    supply.max_distance_km = 60
    session.flush()
    assert matched(session, supply) == [demand]
    assert matched(session, demand) == [supply]
    match = only_match(session, supply, demand)
    # The distance points scale with the radius in force (60 km), not the default.
    assert reason(match, DISTANCE).points == pytest.approx(30 * (1 - match.distance_km / 60))


def test_the_wants_maximum_distance_limits(session):
    supply = offer(km=0)
    demand = want(km=50, max_distance_km=30)

    assert matched(session, supply) == []
    assert matched(session, demand) == []

    demand.max_distance_km = 60
    session.flush()
    assert matched(session, supply) == [demand]
    assert matched(session, demand) == [supply]


def test_the_smaller_maximum_of_the_two_sides_applies(session):
    supply = offer(km=0, max_distance_km=200)
    near = want(km=40, max_distance_km=45)
    far = want(km=50, max_distance_km=45)

    assert matched(session, supply) == [near]
    assert matched(session, far) == []
    assert matched(session, near) == [supply]


def test_without_any_maximum_the_default_radius_applies(session):
    assert DEFAULT_RADIUS_KM == 250.0
    supply = offer(km=0)
    within = want(km=240, azimuth=0)
    beyond = want(km=300, azimuth=0)

    assert matched(session, supply) == [within]
    assert matched(session, beyond) == []
    assert matched(session, within) == [supply]


def test_matching_is_symmetric_when_only_one_side_states_a_maximum(session):
    """If the want accepts 400 km and the offer states nothing, the pair is found from both."""
    supply = offer(km=0)
    demand = want(km=300, azimuth=0, max_distance_km=400)

    from_want = [m.title for m in matched(session, demand)]
    from_offer = [m.title for m in matched(session, supply)]
    assert (from_want == [supply.title]) == (from_offer == [demand.title]), (from_want, from_offer)
    # The documented rule: the smaller of the stated maxima, the default only when neither states
    # one, so 300 km is within reach.
    assert from_want == [supply.title]
    assert from_offer == [demand.title]


def test_stated_maxima_beyond_500_km_are_honoured(session):
    """Listings may state up to 2000 km; both sides accepting 700 km should reach 600 km."""
    supply = offer(km=0, max_distance_km=700)
    demand = want(km=600, azimuth=20, max_distance_km=700)

    assert matched(session, supply) == [demand]
    assert matched(session, demand) == [supply]


# --- 5. availability windows ------------------------------------------------------------------


def test_disjoint_availability_windows_do_not_match(session):
    supply = offer(km=0, available_until=TODAY + timedelta(days=10))
    demand = want(
        km=20,
        available_from=TODAY + timedelta(days=30),
        available_until=TODAY + timedelta(days=90),
    )

    assert matched(session, supply) == []
    assert matched(session, demand) == []


def test_overlapping_windows_match_and_a_future_start_is_explained(session):
    supply = offer(km=0, available_until=TODAY + timedelta(days=40))
    demand = want(
        km=20,
        available_from=TODAY + timedelta(days=30),
        available_until=TODAY + timedelta(days=90),
    )

    for viewed, other in ((supply, demand), (demand, supply)):
        match = only_match(session, viewed, other)
        start = reason(match, AVAILABLE_FROM)
        assert start.params == {"date": TODAY + timedelta(days=30)}
        assert start.points == 5
        assert AVAILABLE_NOW not in messages(match)


def test_windows_touching_on_one_day_overlap(session):
    last_day = TODAY + timedelta(days=10)
    supply = offer(km=0, available_until=last_day)
    touching = want(km=20, available_from=last_day)
    day_after = want(km=20, available_from=last_day + timedelta(days=1))

    assert matched(session, supply) == [touching]
    assert matched(session, day_after) == []


def test_a_start_in_the_past_counts_as_available_now(session):
    supply = offer(km=0, available_from=TODAY - timedelta(days=5))
    demand = want(km=20, available_from=TODAY)

    match = only_match(session, supply, demand)
    assert reason(match, AVAILABLE_NOW).points == 10
    assert AVAILABLE_FROM not in messages(match)


# --- 6. hazardous streams -----------------------------------------------------------------------


def test_hazardous_offers_go_only_to_sites_that_may_receive_them(session, codes):
    oil = offer(km=0, category="chemicals", ewc_code="130205", is_hazardous=True)
    unpermitted = want(km=20, category="chemicals", permit=False)
    permitted = want(km=30, category="chemicals", permit=True)

    assert matched(session, oil) == [permitted]
    assert matched(session, unpermitted) == []
    assert matched(session, permitted) == [oil]


def test_non_hazardous_offers_need_no_permit(session):
    supply = offer(km=0, category="chemicals")
    demand = want(km=20, category="chemicals", permit=False)

    assert matched(session, supply) == [demand]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    wants=st.lists(
        st.tuples(st.booleans(), st.floats(min_value=0.5, max_value=320)),
        min_size=1,
        max_size=4,
    ),
    hazardous=st.booleans(),
    azimuth=st.sampled_from(SWEDISH_BEARINGS),
)
def test_property_a_hazardous_match_always_has_a_permitted_receiver(
    session, codes, wants, hazardous, azimuth
):
    savepoint = session.begin_nested()
    try:
        supply = offer(
            km=0,
            category="chemicals",
            ewc_code="130205" if hazardous else None,
            is_hazardous=hazardous,
        )
        demands = [
            want(km=km, azimuth=azimuth, category="chemicals", permit=permit)
            for permit, km in wants
        ]
        found = find_matches(session, supply, today=TODAY)
        for match in found:
            if match.offer.is_hazardous:
                assert match.want.site.may_receive_hazardous
        expected = {
            d.id
            for d, (permit, km) in zip(demands, wants, strict=True)
            if km <= DEFAULT_RADIUS_KM - 0.01 and (permit or not hazardous)
        }
        near_edge = {
            d.id
            for d, (_, km) in zip(demands, wants, strict=True)
            if abs(km - DEFAULT_RADIUS_KM) < 0.01
        }
        assert {m.listing.id for m in found} - near_edge == expected
        for demand in demands:
            for match in find_matches(session, demand, today=TODAY):
                if match.offer.is_hazardous:
                    assert demand.site.may_receive_hazardous
    finally:
        savepoint.rollback()


# --- 7. only live listings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        {"status": "draft", "published_at": None},
        {"status": "closed"},
        {"status": "expired"},
        {"available_until": TODAY - timedelta(days=1)},
    ],
    ids=["draft", "closed", "expired", "past-its-end-date"],
)
def test_only_live_listings_are_matched(session, state):
    live_offer = offer(km=0)
    live_want = want(km=20)
    dead_want = want(km=10, **state)
    dead_offer = offer(km=15, **state)

    assert matched(session, live_offer) == [live_want]
    assert matched(session, live_want) == [live_offer]
    assert dead_want not in matched(session, live_offer)
    assert dead_offer not in matched(session, live_want)


def test_a_listing_ending_today_is_still_matched(session):
    supply = offer(km=0)
    ending = want(km=20, available_until=TODAY)

    assert matched(session, supply) == [ending]
    assert matched(session, supply, today=TODAY + timedelta(days=1)) == []


# --- 8. ranking and explanations ---------------------------------------------------------------


def test_matches_are_ranked_by_score_then_distance_then_id(session):
    supply = offer(km=0, quantity=Decimal("100"))
    far_same = want(km=120, azimuth=10)
    near_same = want(km=15, azimuth=100)
    compatible = want(km=15, azimuth=200, category="wood_offcuts")
    twin_site = site_at(OrganisationFactory(), 60, 300)
    twin_a = want(site=twin_site, quantity=Decimal("100"))
    twin_b = want(site=twin_site, quantity=Decimal("100"))
    small = want(km=60, azimuth=250, quantity=Decimal("25"))

    found = find_matches(session, supply, today=TODAY)

    assert found == sorted(found, key=lambda m: (-m.score, m.distance_km, m.listing.id))
    order = [m.listing for m in found]
    assert set(order) == {far_same, near_same, compatible, twin_a, twin_b, small}
    assert order.index(near_same) < order.index(far_same)
    assert order.index(near_same) < order.index(compatible)
    assert order.index(twin_a) + 1 == order.index(twin_b)  # equal score and distance: by id
    assert twin_a.id < twin_b.id
    assert order[0] is near_same
    assert find_matches(session, supply, today=TODAY, limit=2) == found[:2]


def test_equal_scores_are_ordered_by_distance_before_id(session):
    supply = offer(km=0)
    # 30·(1 − 40/80) = 30·(1 − 30/60): equal scores; the farther one is created first.
    farther = want(km=40, azimuth=0, max_distance_km=80)
    nearer = want(km=30, azimuth=180, max_distance_km=60)
    assert farther.id < nearer.id

    found = find_matches(session, supply, today=TODAY)

    assert [m.listing for m in found] == [nearer, farther]
    assert found[0].score == found[1].score
    assert found[0].distance_km < found[1].distance_km


def test_the_quantity_reason_is_told_from_the_viewed_side(session):
    supply = offer(km=0, quantity=Decimal("100"))
    small_want = want(km=20, quantity=Decimal("40"))
    large_want = want(km=20, azimuth=180, quantity=Decimal("400"))

    small_from_offer = only_match(session, supply, small_want)
    taken = reason(small_from_offer, TAKES_PART)
    assert taken.params == {"percent": 40}
    assert taken.points == pytest.approx(8.0)
    assert small_from_offer.coverage == pytest.approx(0.4)
    assert reason(only_match(session, supply, large_want), TAKES_ALL).points == 20

    covered = only_match(session, large_want, supply)
    assert reason(covered, COVERS_PART).params == {"percent": 25}
    assert covered.coverage == pytest.approx(0.25)
    assert reason(only_match(session, small_want, supply), COVERS_ALL).points == 20
    assert not messages(small_from_offer) & {COVERS_ALL, COVERS_PART}
    assert not messages(covered) & {TAKES_ALL, TAKES_PART}


def test_quantities_in_kg_and_m3_with_density_are_compared_in_tonnes(session):
    supply = offer(km=0, quantity=Decimal("50"), unit="m3", density_t_per_m3=Decimal("0.4"))
    demand = want(km=20, quantity=Decimal("40000"), unit="kg")

    match = only_match(session, demand, supply)  # 20 t offered of 40 t wanted
    assert reason(match, COVERS_PART).params == {"percent": 50}
    match = only_match(session, supply, demand)
    assert reason(match, TAKES_ALL).points == 20


def test_the_remaining_quantity_counts_not_the_original(session):
    supply = offer(km=0, quantity=Decimal("100"), remaining_quantity=Decimal("30"))
    demand = want(km=20, quantity=Decimal("60"))

    match = only_match(session, demand, supply)
    assert reason(match, COVERS_PART).params == {"percent": 50}


# --- 9. anonymous counterparts -----------------------------------------------------------------


def test_anonymous_counterparts_are_matched_on_their_coarse_point(session):
    hidden_site = site_at(OrganisationFactory(), 40, 45, municipality_code="2080")
    hidden_want = want(site=hidden_site, visibility="anonymous")
    assert (hidden_want.lon, hidden_want.lat) == (FALUN.lon, FALUN.lat)
    supply = offer(km=20, azimuth=180, max_distance_km=30)
    _, _, site_m = GEOD.inv(supply.lon, supply.lat, hidden_site.lon, hidden_site.lat)
    assert site_m / 1000 > 50  # the real site is out of the offer's reach

    for viewed, other in ((supply, hidden_want), (hidden_want, supply)):
        match = only_match(session, viewed, other)
        assert match.distance_km == pytest.approx(20.0, abs=0.1)
        assert reason(match, DISTANCE).params == {"km": pytest.approx(20.0, abs=0.1)}


def test_anonymous_listing_beyond_reach_of_its_coarse_point_is_not_matched(session):
    hidden_site = site_at(OrganisationFactory(), 5, 0, municipality_code="2080")
    hidden_offer = offer(site=hidden_site, visibility="anonymous")
    demand = want(km=40, azimuth=0, max_distance_km=37)
    # The site is 35 km from the want, but the coarse point (Falun's main town) is 40 km away.

    assert matched(session, demand) == []
    assert matched(session, hidden_offer) == []


# --- 10. unmet wants ----------------------------------------------------------------------------


def test_unmet_wants_near_the_firm_until_someone_offers(session):
    firm = OrganisationFactory()
    home = site_at(firm, 0)
    lonely = want(km=20, azimuth=90, category="bark")
    own = want(firm, km=10, azimuth=180, category="bark")
    distant = want(km=150, azimuth=0, category="bark")
    corner = want(km=130, azimuth=45, category="bark")  # inside the search box, beyond 100 km

    unmet = unmet_wants(session, organisation_id=firm.id, sites=[home], today=TODAY)
    assert [w for w, _ in unmet] == [lonely]
    assert unmet[0][1] == pytest.approx(20.0, abs=0.1)
    assert own not in [w for w, _ in unmet]
    assert distant not in [w for w, _ in unmet]
    assert corner not in [w for w, _ in unmet]
    wider = unmet_wants(session, organisation_id=firm.id, sites=[home], today=TODAY, radius_km=140)
    assert [w for w, _ in wider] == [lonely, corner]
    nearest = unmet_wants(
        session, organisation_id=firm.id, sites=[home], today=TODAY, radius_km=140, limit=1
    )
    assert [w for w, _ in nearest] == [lonely]

    offer(km=30, azimuth=90, category="bark")  # a third firm
    unmet = unmet_wants(session, organisation_id=firm.id, sites=[home], today=TODAY)
    assert lonely not in [w for w, _ in unmet]
    assert unmet == []


def test_unmet_wants_take_the_nearest_of_the_firms_sites(session):
    firm = OrganisationFactory()
    north = site_at(firm, 60, 0)
    south = site_at(firm, 60, 180)
    lonely = want(km=50, azimuth=180, category="bark")

    unmet = unmet_wants(session, organisation_id=firm.id, sites=[north, south], today=TODAY)
    assert [w for w, _ in unmet] == [lonely]
    assert unmet[0][1] == pytest.approx(10.0, abs=0.1)


def test_a_want_only_an_incompatible_offer_could_serve_is_still_unmet(session):
    firm = OrganisationFactory()
    home = site_at(firm, 0)
    lonely = want(km=20, category="steel_slag")
    offer(km=25, category="aggregates")  # aggregates cannot serve as steel slag

    unmet = unmet_wants(session, organisation_id=firm.id, sites=[home], today=TODAY)
    assert [w for w, _ in unmet] == [lonely]
