"""Alert subscriptions: the matching rule, the index, fan-out and digests (both databases)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from geo.distance import geodesic_m
from marketplace.services.alerts import criteria, subscriptions
from marketplace.services.alerts.criteria import Facts, compile_subscription
from marketplace.services.alerts.fanout import fan_out
from marketplace.services.alerts.index import index_for
from marketplace.services.alerts.notify import read_unsubscribe_token
from marketplace.services.alerts.subscriptions import SubscriptionInput
from marketplace.services.errors import DomainError
from marketplace.services.mail.context import MailContext
from marketplace.services.mail.periods import period_key
from marketplace.services.reference.taxonomy import seed_common_codes
from models.alerts import Notification
from models.base import swedish_today
from models.outbox import OutboxEmail
from tests.conftest import SECRET
from tests.factories import ListingFactory, SiteFactory, UserFactory
from workers.jobs.alerts import build_digests

CTX = MailContext(base_url="http://localhost", secret=SECRET, domain="test.example")
FALUN = (15.633, 60.607)


def subscribe(user, **kw):  # type: ignore[no-untyped-def]
    session = ListingFactory._meta.sqlalchemy_session
    data = SubscriptionInput(
        **{"name": "Alert", "area_kind": "regions", "region_codes": ("20",), **kw}
    )
    return subscriptions.create_subscription(session, actor=user, data=data)


def circle(user, km: float, lon: float = FALUN[0], lat: float = FALUN[1], **kw):  # type: ignore[no-untyped-def]
    return subscribe(user, area_kind="circle", center_lon=lon, center_lat=lat, radius_km=km, **kw)


def point_at(km: float, bearing_lat: bool = True) -> tuple[float, float]:
    """A point due north of Falun `km` away (geodesic), found by bisection."""
    lo, hi = 0.0, 2.0
    for _ in range(60):
        mid = (lo + hi) / 2
        d = float(geodesic_m(FALUN[0], FALUN[1], [FALUN[0]], [FALUN[1] + mid])[0]) / 1000
        lo, hi = (mid, hi) if d < km else (lo, mid)
    return FALUN[0], FALUN[1] + lo


def listing_at(lon: float, lat: float, municipality: str = "2080", **kw):  # type: ignore[no-untyped-def]
    site = SiteFactory(lon=lon, lat=lat, municipality_code=municipality)
    return ListingFactory(site=site, fanout_due=True, **kw)


def notified(session: Session, listing) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(
        session.scalars(select(Notification.user_id).where(Notification.listing_id == listing.id))
    )


def run_fanout(session: Session, listing) -> list[int]:  # type: ignore[no-untyped-def]
    return fan_out(session, CTX, listing.id, today=swedish_today())


# --- the rule ----------------------------------------------------------------------------------


def test_circle_is_geodesic_at_its_edge(session):
    buyer = UserFactory()
    circle(buyer, 30)
    inside = listing_at(*point_at(29.95))
    outside = listing_at(*point_at(30.05))
    run_fanout(session, inside)
    run_fanout(session, outside)
    assert notified(session, inside) == [buyer.id]
    assert notified(session, outside) == []


def test_polygon_and_regions(session):
    polygon_user, region_user = UserFactory(), UserFactory()
    square = {
        "type": "Polygon",
        "coordinates": [[[15.5, 60.5], [15.8, 60.5], [15.8, 60.7], [15.5, 60.7], [15.5, 60.5]]],
    }
    subscribe(polygon_user, area_kind="polygon", polygon_geojson=json.dumps(square))
    subscribe(region_user, region_codes=("2180",))  # Gävle
    in_square = listing_at(15.6, 60.6)
    in_gavle = listing_at(17.14, 60.67, municipality="2180")
    for listing in (in_square, in_gavle):
        run_fanout(session, listing)
    assert notified(session, in_square) == [polygon_user.id]
    assert notified(session, in_gavle) == [region_user.id]


def test_filters_narrow_what_is_caught(session):
    seed_common_codes(session)
    buyer = UserFactory()
    subscribe(buyer, categories=("bark",), directions=("offer",))
    keyword_user = UserFactory()
    subscribe(keyword_user, keywords="granspån torrt", directions=("offer", "want"))
    ewc_user = UserFactory()
    subscribe(ewc_user, ewc="10 02", directions=("offer",))
    bark = listing_at(*FALUN, category="bark", title="Bark", search_text="bark från barkning")
    want = listing_at(*FALUN, category="bark", direction="want", search_text="vi söker torrt spån")
    slag = listing_at(*FALUN, category="steel_slag", ewc_code="100202", search_text="slagg")
    for listing in (bark, want, slag):
        run_fanout(session, listing)
    assert notified(session, bark) == [buyer.id]
    assert notified(session, want) == [keyword_user.id]
    assert notified(session, slag) == [ewc_user.id]


def test_one_notification_per_user_on_the_fastest_cadence(session):
    buyer = UserFactory()
    circle(buyer, 50, cadence="weekly")
    subscribe(buyer, cadence="instant")
    subscribe(buyer, cadence="daily")
    listing = listing_at(*FALUN)
    emails = run_fanout(session, listing)
    notes = session.scalars(select(Notification).where(Notification.listing_id == listing.id)).all()
    assert len(notes) == 1 and notes[0].cadence == "instant"
    assert len(emails) == 1
    assert run_fanout(session, listing) == []  # the flag is claimed: a second run does nothing
    listing.fanout_due = True
    session.flush()
    assert run_fanout(session, listing) == []  # and a re-run never notifies the same user twice
    assert session.scalar(select(func.count()).select_from(Notification)) == 1


def test_never_the_own_firm_nor_muted_paused_or_unverified_users(session):
    seller_site = SiteFactory(lon=FALUN[0], lat=FALUN[1])
    colleague = UserFactory(organisation=seller_site.organisation, org_role="member")
    muted = UserFactory(alerts_muted=True)
    unverified = UserFactory(email_verified_at=None)
    paused_user = UserFactory()
    listener = UserFactory()
    for user in (colleague, muted, unverified, paused_user, listener):
        subscribe(user)
    subscriptions.set_paused(
        session,
        actor=paused_user,
        subscription_id=subscriptions.user_subscriptions(session, paused_user.id)[0].id,
        paused=True,
    )
    session.flush()
    listing = ListingFactory(site=seller_site, fanout_due=True)
    run_fanout(session, listing)
    assert notified(session, listing) == [listener.id]


def test_anonymous_listing_is_matched_at_its_coarse_point(session):
    """A site 9 km from Falun's main town, listed anonymously, sits at the town for alerts."""
    buyer = UserFactory()
    circle(buyer, 3)  # 3 km around the town centre (the coarse point), not around the site
    site = SiteFactory(lon=15.633, lat=60.688, municipality_code="2080")
    listing = ListingFactory(site=site, visibility="anonymous", fanout_due=True)
    run_fanout(session, listing)
    assert notified(session, listing) == [buyer.id]
    email = session.scalars(select(OutboxEmail)).one()
    assert site.name not in email.text and f"{site.lat}" not in email.text


def test_instant_alert_email(session):
    buyer = UserFactory(locale="sv")
    sub = circle(buyer, 40, name="Spån nära Falun", categories=("sawdust",))
    listing = listing_at(*FALUN, title="Torrt granspån")
    (email_id,) = run_fanout(session, listing)
    email = session.get(OutboxEmail, email_id)
    assert email.to_address == buyer.email and email.purpose == "alert"
    assert "Torrt granspån" in email.subject and "Spån nära Falun" in email.subject
    assert f"http://localhost/listings/{listing.id}" in email.text
    assert "http://localhost/alerts" in email.text and "http://localhost/alerts" in email.html
    headers = json.loads(email.headers)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = headers["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    assert read_unsubscribe_token(SECRET, token) == (buyer.id, [sub.id])
    assert "Hej" in email.text  # the user's language


def test_the_index_follows_changes(session):
    buyer = UserFactory()
    sub = subscribe(buyer)
    listing = listing_at(*FALUN)
    assert [h.subscription.id for h in index_for(session).hits(Facts.of(listing))] == [sub.id]
    subscriptions.set_paused(session, actor=buyer, subscription_id=sub.id, paused=True)
    session.flush()
    assert index_for(session).hits(Facts.of(listing)) == []
    subscriptions.delete_subscription(session, actor=buyer, subscription_id=sub.id)
    other = subscribe(buyer, region_codes=("2180",))
    assert index_for(session).hits(Facts.of(listing)) == []
    subscriptions.update_subscription(
        session,
        actor=buyer,
        subscription_id=other.id,
        data=SubscriptionInput(name="x", area_kind="regions", region_codes=("20",)),
    )
    session.flush()
    assert [h.subscription.id for h in index_for(session).hits(Facts.of(listing))] == [other.id]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"area_kind": "circle"}, "site_id"),
        (
            {"area_kind": "circle", "center_lon": 15.6, "center_lat": 60.6, "radius_km": 0},
            "radius_km",
        ),
        (
            {"area_kind": "circle", "center_lon": 5.0, "center_lat": 40.0, "radius_km": 10},
            "site_id",
        ),
        ({"area_kind": "polygon", "polygon_geojson": "{nonsense"}, "polygon"),
        (
            {
                "area_kind": "polygon",
                "polygon_geojson": json.dumps(
                    {"type": "Polygon", "coordinates": [[[15, 60], [15.1, 60], [15, 60]]]}
                ),
            },
            "polygon",
        ),
        ({"region_codes": ()}, "regions"),
        ({"region_codes": ("9999",)}, "regions"),
        ({"directions": ()}, "directions"),
        ({"categories": ("unobtainium",)}, "categories"),
        ({"ewc": "12345"}, "ewc"),
        ({"cadence": "hourly"}, "cadence"),
    ],
)
def test_bad_input_is_refused_with_the_field(session, changes, field):
    user = UserFactory()
    with pytest.raises(DomainError) as error:
        subscribe(user, **changes)
    assert error.value.field == field


def test_someone_elses_site_cannot_be_the_centre(session):
    user, other_site = UserFactory(), SiteFactory()
    with pytest.raises(DomainError):
        subscribe(user, area_kind="circle", site_id=other_site.id, radius_km=10)


def test_preview_uses_the_same_rule(session):
    buyer = UserFactory()
    sub = circle(buyer, 30)
    inside, outside = listing_at(*point_at(20)), listing_at(*point_at(40))
    own = ListingFactory(
        site=SiteFactory(organisation=buyer.organisation, lon=FALUN[0], lat=FALUN[1])
    )
    found, total, metres = subscriptions.preview(session, sub, actor=buyer, today=swedish_today())
    assert [item.id for item in found] == [inside.id] and total == 1
    assert metres[inside.id] == pytest.approx(20_000, abs=5)
    assert outside.id not in metres and own.id not in metres


@settings(max_examples=40, deadline=None)
@given(
    lat=st.floats(59.0, 62.0),
    lon=st.floats(12.0, 17.5),
    km=st.floats(1, 150),
    plat=st.floats(59.0, 62.0),
    plon=st.floats(12.0, 17.5),
)
def test_circle_rule_agrees_with_pyproj(lat, lon, km, plat, plon):
    from pyproj import Geod

    sub = compile_subscription(
        subscriptions.AlertSubscription(
            id=1,
            user_id=1,
            area_kind="circle",
            center_lon=lon,
            center_lat=lat,
            radius_m=km * 1000,
            directions="offer",
            cadence="instant",
        )
    )
    from geo.crs import to_sweref

    x, y = to_sweref(plon, plat)
    facts = Facts(1, 1, "offer", "material", "sawdust", None, "", plon, plat, x, y, "2080", "20")
    inside, metres = criteria.catches(sub, facts)
    _, _, expected = Geod(ellps="GRS80").inv(lon, lat, plon, plat)
    assert metres == pytest.approx(expected, abs=0.01)
    if abs(expected - km * 1000) > 0.05:
        assert inside == (expected <= km * 1000)


# --- digests -----------------------------------------------------------------------------------


def sessions_for(session: Session) -> sessionmaker[Session]:
    return sessionmaker(
        bind=session.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def test_period_keys():
    assert (
        period_key("daily", datetime(2026, 11, 27, 5, 59, tzinfo=UTC)) == "2026-11-26"
    )  # 06:59 local
    assert period_key("daily", datetime(2026, 11, 27, 6, 0, tzinfo=UTC)) == "2026-11-27"
    assert period_key("weekly", datetime(2026, 11, 30, 5, 0, tzinfo=UTC)) == "2026-W48"  # Mon 06:00
    assert period_key("weekly", datetime(2026, 11, 30, 6, 0, tzinfo=UTC)) == "2026-W49"
    assert period_key("weekly", datetime(2026, 12, 6, 22, 0, tzinfo=UTC)) == "2026-W49"


def test_daily_digest_once_per_period_grouped_by_alert(session):
    buyer, quiet = UserFactory(locale="en"), UserFactory()
    SiteFactory(organisation=buyer.organisation, lon=15.4, lat=60.5)  # distances from here
    subscribe(buyer, name="Bark alert", categories=("bark",), cadence="daily")
    subscribe(buyer, name="Sawdust alert", categories=("sawdust",), cadence="daily")
    subscribe(quiet, region_codes=("2180",), cadence="daily")
    listings = [
        listing_at(*FALUN, category=c, title=f"{c} lot") for c in ("bark", "sawdust", "sawdust")
    ]
    for listing in listings:
        run_fanout(session, listing)
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    ids = build_digests(sessions_for(session), CTX, "daily", now=now, today=swedish_today())
    assert len(ids) == 1  # the quiet user gets nothing: nothing new
    email = session.get(OutboxEmail, ids[0])
    assert email.key == f"digest:daily:2026-11-27:{buyer.id}"
    assert "3 new listings" in email.subject
    assert (
        email.text.index("Bark alert")
        < email.text.index("bark lot")
        < email.text.index("Sawdust alert")
    )
    assert all(f"/listings/{item.id}" in email.text for item in listings)
    assert "km away" in email.text
    # A second sweep in the same period sends nothing, and a new listing waits for the next.
    late = listing_at(*FALUN, category="bark", title="late bark")
    run_fanout(session, late)
    assert (
        build_digests(
            sessions_for(session), CTX, "daily", now=now + timedelta(hours=3), today=swedish_today()
        )
        == []
    )
    next_day = build_digests(
        sessions_for(session), CTX, "daily", now=now + timedelta(days=1), today=swedish_today()
    )
    assert len(next_day) == 1 and "late bark" in session.get(OutboxEmail, next_day[0]).text


def test_digest_drops_closed_listings_and_paused_or_deleted_alerts(session):
    closed_user, paused_user, deleted_user, reader = (UserFactory() for _ in range(4))
    for user in (closed_user, paused_user, deleted_user, reader):
        subscribe(user, cadence="weekly", name=f"Weekly {user.id}")
    closing = listing_at(*FALUN, category="bark")
    staying = listing_at(*FALUN)
    for listing in (closing, staying):
        run_fanout(session, listing)
    closing.status = "closed"
    paused_sub = subscriptions.user_subscriptions(session, paused_user.id)[0]
    subscriptions.set_paused(session, actor=paused_user, subscription_id=paused_sub.id, paused=True)
    deleted_sub = subscriptions.user_subscriptions(session, deleted_user.id)[0]
    subscriptions.delete_subscription(session, actor=deleted_user, subscription_id=deleted_sub.id)
    session.flush()
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    ids = build_digests(sessions_for(session), CTX, "weekly", now=now, today=swedish_today())
    emails = [session.get(OutboxEmail, i) for i in ids]
    assert sorted(e.to_address for e in emails) == sorted([closed_user.email, reader.email])
    assert all(closing.title not in e.text and staying.title in e.text for e in emails)
    assert "1 new listing for your alerts this week" in emails[0].subject
    states = Counter(session.scalars(select(Notification.state)))
    assert states == {"emailed": 2, "dropped": 6}


def test_a_published_listing_that_moves_is_checked_again(session):
    from marketplace.services.listings.sites import SiteInput, update_site

    gavle_buyer = UserFactory()
    subscribe(gavle_buyer, region_codes=("2180",))
    seller = UserFactory()
    site = SiteFactory(organisation=seller.organisation, lon=FALUN[0], lat=FALUN[1])
    listing = ListingFactory(site=site, fanout_due=True)
    run_fanout(session, listing)
    assert notified(session, listing) == [] and not listing.fanout_due
    update_site(
        session,
        actor=seller,
        site_id=site.id,
        data=SiteInput(name="Moved", municipality_code="2180", lat=60.67, lon=17.14),
    )
    session.flush()
    assert listing.fanout_due
    run_fanout(session, listing)
    assert notified(session, listing) == [gavle_buyer.id]


# --- the index gives exactly what the rule gives ------------------------------------------------

_CATS = ("sawdust", "bark", "steel_slag", "fly_ash", "surplus_heat")
_subscription = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["circle", "polygon", "regions"]),
        "lon": st.floats(12.5, 17.0),
        "lat": st.floats(59.3, 61.8),
        "km": st.floats(1, 120),
        "half": st.floats(0.05, 0.8),
        "regions": st.lists(
            st.sampled_from(["2080", "2081", "2180", "1780", "20", "21"]), min_size=1, max_size=3
        ),
        "directions": st.sampled_from(["offer", "want", "offer want"]),
        "kinds": st.sampled_from(["", "material", "energy"]),
        "categories": st.lists(st.sampled_from(_CATS), max_size=2).map(" ".join),
        "ewc": st.sampled_from(["", "", "", "03", "1002"]),
        "keywords": st.sampled_from(["", "", "", "torr", "spån gran"]),
    }
)
_listing = st.fixed_dictionaries(
    {
        "lon": st.floats(12.5, 17.0),
        "lat": st.floats(59.3, 61.8),
        "direction": st.sampled_from(["offer", "want"]),
        "kind": st.sampled_from(["material", "energy"]),
        "category": st.sampled_from(_CATS),
        "ewc": st.sampled_from([None, "030105", "100202"]),
        "text": st.sampled_from(["torrt spån", "gran", "slagg"]),
        "municipality": st.sampled_from(["2080", "2081", "2180", "1780"]),
    }
)


def _compiled(i: int, d: dict) -> criteria.Compiled:  # type: ignore[type-arg]
    sub = subscriptions.AlertSubscription(
        id=i,
        user_id=i,
        area_kind=d["kind"],
        directions=d["directions"],
        kinds=d["kinds"],
        categories=d["categories"],
        ewc_prefixes=d["ewc"],
        keywords=d["keywords"],
        cadence="daily",
        center_lon=d["lon"],
        center_lat=d["lat"],
        radius_m=d["km"] * 1000,
        region_codes=" ".join(d["regions"]),
        polygon_geojson=json.dumps(
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [d["lon"] - d["half"], d["lat"] - d["half"] / 2],
                        [d["lon"] + d["half"], d["lat"] - d["half"] / 2],
                        [d["lon"], d["lat"] + d["half"] / 2],
                        [d["lon"] - d["half"], d["lat"] - d["half"] / 2],
                    ]
                ],
            }
        ),
    )
    return compile_subscription(sub)


@settings(max_examples=60, deadline=None)
@given(
    subs=st.lists(_subscription, min_size=1, max_size=40),
    listings=st.lists(_listing, min_size=1, max_size=5),
)
def test_index_hits_equal_the_rule(subs, listings):
    from geo.crs import to_sweref
    from marketplace.services.alerts.index import SubscriptionIndex

    compiled = [_compiled(i + 1, d) for i, d in enumerate(subs)]
    index = SubscriptionIndex(compiled)
    for n, d in enumerate(listings):
        x, y = to_sweref(d["lon"], d["lat"])
        facts = Facts(
            n,
            999,
            d["direction"],
            d["kind"],
            d["category"],
            d["ewc"],
            d["text"],
            d["lon"],
            d["lat"],
            x,
            y,
            d["municipality"],
            d["municipality"][:2],
        )
        expected = [
            (s.id, criteria.catches(s, facts)[1]) for s in compiled if criteria.catches(s, facts)[0]
        ]
        got = [(h.subscription.id, h.distance_m) for h in index.hits(facts)]
        assert got == expected
