"""Stored match lists against the scan: after every kind of change, each live listing's stored
list gives exactly what `compute_matches` finds (ids, scores, distances, reasons, order).

The lists are kept short here (KEEP 6, SHOW 4) so that trimming, departures below SHOW and
re-ranking happen in a market of a hundred listings.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from pyproj import Geod
from sqlalchemy import func, select

from geo.crs import to_sweref
from geo.gazetteer import MUNICIPALITY_BY_CODE
from geo.grid import cell_of
from marketplace.services.listings.lifecycle import expire_listings
from marketplace.services.listings.liveness import is_live
from marketplace.services.matching import stored
from marketplace.services.matching.candidates import compute_matches
from marketplace.services.reference.taxonomy import seed_common_codes
from models.base import swedish_today
from models.listings import Listing
from models.matches import MatchEntry, MatchList
from tests.factories import ListingFactory, OrganisationFactory, SiteFactory

GEOD = Geod(ellps="GRS80")
FALUN = MUNICIPALITY_BY_CODE["2080"]
TODAY = swedish_today()
CATEGORIES = ("sawdust", "bark", "wood_offcuts", "wood_packaging")
REACHES = (None, None, 25, 60, 120, 300)


@pytest.fixture(autouse=True)
def short_lists(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(stored, "KEEP", 6)
    monkeypatch.setattr(stored, "SHOW", 4)


@pytest.fixture
def codes(session):  # type: ignore[no-untyped-def]
    seed_common_codes(session)
    session.flush()


def _place(rng: random.Random) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(FALUN.lon, FALUN.lat, rng.uniform(0, 360), rng.uniform(0, 90) * 1000)
    return float(lon), float(lat)


def _random_listing(rng: random.Random, orgs: list, sites: dict) -> Listing:  # type: ignore[type-arg]
    org = rng.choice(orgs)
    site = rng.choice(sites[org.id])
    start = rng.choice([None, None, TODAY + timedelta(days=rng.randint(-30, 10))])
    end = rng.choice([None, TODAY + timedelta(days=rng.randint(0, 60))])
    if start and end and end < start:
        start, end = end, start
    return ListingFactory(
        site=site,
        direction=rng.choice(("offer", "want")),
        category=rng.choice(CATEGORIES),
        ewc_code=rng.choice([None, None, "030105"]),
        is_hazardous=rng.random() < 0.1,
        quantity=Decimal(rng.choice((5, 20, 50, 100, 400))),
        unit=rng.choice(("t", "t", "t", "m3", "kg")),
        density_t_per_m3=rng.choice([None, Decimal("0.25")]),
        max_distance_km=rng.choice(REACHES),
        available_from=start,
        available_until=end,
    )


def _market(session, rng: random.Random, n: int = 90) -> list[Listing]:  # type: ignore[no-untyped-def]
    orgs = [OrganisationFactory() for _ in range(12)]
    sites = {}
    for org in orgs:
        sites[org.id] = []
        for _ in range(2):
            lon, lat = _place(rng)
            sites[org.id].append(
                SiteFactory(
                    organisation=org, lon=lon, lat=lat, may_receive_hazardous=rng.random() < 0.3
                )
            )
    listings = [_random_listing(rng, orgs, sites) for _ in range(n)]
    for item in listings:
        if item.remaining_quantity is not None and rng.random() < 0.3:
            item.remaining_quantity = item.quantity / 2
    session.flush()
    return listings


def _key(matches):  # type: ignore[no-untyped-def]
    return [(m.listing.id, m.score, m.distance_km, m.reasons, m.coverage) for m in matches]


def _take_in_changes(session, today) -> Counter[str]:  # type: ignore[no-untyped-def]
    """What the job does: every due listing taken into the lists; what that did to them."""
    session.flush()
    done: Counter[str] = Counter()
    while ids := stored.due_ids(session):
        for listing_id in ids:
            result = stored.refresh(session, listing_id, today=today)
            done.update(refreshed=1, entered=result.entered, reranked=result.reranked)
        session.flush()
        session.expire_all()
    return done


def _assert_exact(session, today) -> int:  # type: ignore[no-untyped-def]
    """Every live listing's stored answer equals the scan's; how many lists were compared."""
    session.expire_all()
    live = [x for x in session.scalars(select(Listing)) if is_live(x, today)]
    for item in live:
        assert not item.matches_due, item.id
        found = stored.stored_matches(session, item, today=today, limit=stored.SHOW)
        assert found is not None, f"listing {item.id} has no usable stored list"
        expected = compute_matches(session, item, today=today, limit=stored.SHOW)
        assert _key(found) == _key(expected), item.id
    return len(live)


def _move(item: Listing, lon: float, lat: float) -> None:
    item.lon, item.lat = lon, lat
    item.x, item.y = to_sweref(lon, lat)
    item.cell = cell_of(item.x, item.y)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rebuild_all_equals_the_scan(session, codes, seed):  # type: ignore[no-untyped-def]
    _market(session, random.Random(seed))
    count = stored.rebuild_all(session, today=TODAY)
    session.flush()
    assert count == _assert_exact(session, TODAY) > 40
    # Some lists are full (trimmed to KEEP) and some complete and shorter: both paths ran.
    sizes = session.execute(
        select(MatchEntry.listing_id, func.count()).group_by(MatchEntry.listing_id)
    ).all()
    assert any(n == stored.KEEP for _, n in sizes)
    assert session.scalar(select(func.count()).where(MatchList.complete.is_(True))) > 0


@pytest.mark.parametrize("seed", [4, 5])
def test_lists_stay_exact_through_publish_edit_close_expire_and_delete(session, codes, seed):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    listings = _market(session, rng)
    _take_in_changes(session, TODAY)
    _assert_exact(session, TODAY)
    orgs = list({x.organisation_id for x in listings})
    taken: Counter[str] = Counter()
    for _ in range(30):
        live = [x for x in listings if x.status == "published"]
        operation = rng.choice(
            ("publish", "quantity", "category", "move", "reach", "close", "expire", "delete",
             "reserve", "permit")
        )  # fmt: skip
        target = rng.choice(live)
        if operation == "publish":
            site = rng.choice([x.site for x in listings if x.organisation_id == rng.choice(orgs)])
            listings.append(
                _random_listing(rng, [site.organisation], {site.organisation_id: [site]})
            )
        elif operation == "quantity":
            target.quantity = Decimal(rng.choice((3, 40, 700)))
            target.remaining_quantity = target.quantity
        elif operation == "category":
            target.category = rng.choice(CATEGORIES)
        elif operation == "move":
            _move(target, *_place(rng))
        elif operation == "reach":
            target.max_distance_km = rng.choice(REACHES)
        elif operation == "close":
            target.status = "closed"
        elif operation == "expire":
            target.available_until = TODAY - timedelta(days=1)
            session.flush()
            assert expire_listings(session, today=TODAY) >= 1
        elif operation == "delete":
            listings.remove(target)
            session.delete(target)
        elif operation == "reserve":
            target.remaining_quantity = Decimal(0)
            target.status = "reserved"
        elif operation == "permit":
            target.site.may_receive_hazardous = not target.site.may_receive_hazardous
        taken += _take_in_changes(session, TODAY)
        _assert_exact(session, TODAY)
    # Changes reached other lists: entered them, and left some too short so they were re-ranked.
    assert taken["entered"] > 0 and taken["reranked"] > 0, taken


def test_a_start_date_that_comes_raises_the_pairs_scores(session, codes):  # type: ignore[no-untyped-def]
    _market(session, random.Random(7))
    later = TODAY + timedelta(days=5)
    first = session.scalars(select(Listing).where(Listing.status == "published")).first()
    first.available_from = later
    first.available_until = None
    _take_in_changes(session, TODAY)
    _assert_exact(session, TODAY)
    # What the hourly job does on that day: expire what ended, mark what started, take in.
    expire_listings(session, today=later)
    started = stored.started_ids(session, today=later)
    assert first.id in started
    stored.mark_due(session, started)
    _take_in_changes(session, later)
    _assert_exact(session, later)


def test_readers_fall_back_to_the_scan_until_the_list_is_built(session, codes):  # type: ignore[no-untyped-def]
    listings = _market(session, random.Random(8), n=30)
    item = next(x for x in listings if compute_matches(session, x, today=TODAY, limit=4))
    assert item.matches_due  # marked by the flush that created it
    assert stored.stored_matches(session, item, today=TODAY, limit=4) is None
    assert _key(stored.find_matches(session, item, today=TODAY, limit=4)) == _key(
        compute_matches(session, item, today=TODAY, limit=4)
    )
    _take_in_changes(session, TODAY)
    session.refresh(item)
    assert stored.stored_matches(session, item, today=TODAY, limit=4) is not None
    # More than the lists keep: the scan answers.
    assert stored.stored_matches(session, item, today=TODAY, limit=stored.SHOW + 1) is None


def test_a_draft_is_not_due_and_a_change_of_title_leaves_the_lists_alone(session, codes):  # type: ignore[no-untyped-def]
    draft = ListingFactory(site=SiteFactory(), status="draft")
    session.flush()
    assert not draft.matches_due
    published = ListingFactory(site=SiteFactory())
    _take_in_changes(session, TODAY)
    published.title = "A new title"
    session.flush()
    assert not published.matches_due
    published.quantity = Decimal(7)
    session.flush()
    assert published.matches_due
