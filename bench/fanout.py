"""Alert fan-out benchmark: subscriptions hit by one new listing, 10k subscriptions incl. polygons.

N subscriptions (circles of 10–100 km, drawn polygons 10–80 km across, municipality and county
sets; assorted direction, kind, category, EWC and keyword filters and cadences; a few paused) are
created with `create_subscription` for users of firms whose sites are clustered like the
region's population (SCB tätorter 2020, via bench/support/data.py). For Q new listings placed the
same way, `index_for(session).hits(Facts.of(listing))` is timed as the fan-out runs it (the
cache check included) and checked against an independent brute force: the rules restated
in numpy over all subscriptions held in memory. Baselines measured in the same run: that brute
force, `catches` over every compiled subscription, and a SQL bounding-box/region prefilter plus
the exact test. The whole `fan_out` call is timed for the listings with the most hits.
Usage: see bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import secrets
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import Engine, func, insert, or_, select, text, update
from sqlalchemy.orm import Session
from support import cli, clock, databases, reporting, synthetic
from support.clock import pct
from support.reporting import fmt

from geo.crs import geometry_to_sweref
from geo.gazetteer import MUNICIPALITY_BY_CODE
from geo.grid import cell_of
from marketplace.services.alerts import criteria, fanout, index, subscriptions
from marketplace.services.alerts.criteria import Facts, catches, compile_subscription
from marketplace.services.alerts.fanout import fan_out
from marketplace.services.alerts.index import index_for
from marketplace.services.alerts.subscriptions import (
    SubscriptionInput,
    create_subscription,
)
from marketplace.services.impact.factors import load_defaults
from marketplace.services.mail.context import MailContext
from models import EwcCode, Listing, Organisation, Site, User
from models.alerts import AlertSubscription, Notification
from models.base import swedish_today
from models.taxonomy import CATEGORY_BY_KEY

SECTION, TITLE = "fanout", "## Alert fan-out (`bench/fanout.py`)"  # what --write replaces
TARGET_MS = 2.0  # QUALITY.md: subscriptions hit by one new listing, 10k subscriptions
WARMUP = 5
DATA_SEED, QUERY_SEED = 20_261_128, 2_718
USERS_PER_ORG, SUBSCRIPTIONS_PER_USER = 2, 2
COUNTERPARTS_PER_ORG = 2  # existing listings per firm (what `fan_out`'s estimates match against)
AREA_KINDS, AREA_P = ("circle", "polygon", "regions"), (0.5, 0.3, 0.2)
SITE_CIRCLE_SHARE = 0.4  # circles around one of the user's own sites (else a clicked point)
RADIUS_KM = (10, 100)
POLYGON_KM = (10.0, 80.0)  # across
POLYGON_VERTICES, MANY_VERTICES, MANY_VERTICES_SHARE = (4, 10), (11, 20), 0.15
DIRECTIONS, DIRECTIONS_P = (("offer",), ("want",), ("offer", "want")), (0.55, 0.15, 0.3)
KIND_FILTERS, KIND_P = ((), ("material",), ("energy",)), (0.75, 0.2, 0.05)
NO_CATEGORY_SHARE, EWC_SHARE, KEYWORD_SHARE, PAUSED_SHARE = 0.35, 0.1, 0.06, 0.03
CADENCES, CADENCE_P = ("instant", "daily", "weekly"), (0.3, 0.5, 0.2)
DESCRIPTIONS = (
    "Dry spruce material from the planing mill, stored under roof.",
    "Wet pine fraction, collected weekly by truck.",
    "Steady flow from the production line, sampled and analysed.",
    "Clean fraction, free of plastics and metal.",
    "Torrt material från sågverket, lagras under tak.",
    "Restprodukt från processen, provtagen och analyserad.",
)
KEYWORDS = ("spruce", "pine", "dry", "truck", "analysed", "clean", "sågverket", "torrt")
FANOUT_LISTINGS = 5  # `fan_out` timed for the listings with the most hits
SECRET = secrets.token_urlsafe(48)  # signs the unsubscribe links in the alert emails
MEASURED = ("alert_index.py", "alerts.py", "fanout.py")


def service_digest() -> str:
    return reporting.code_digest(index, subscriptions, criteria, fanout)


SERVICE_DIGEST = service_digest()  # as imported; compared again when the report is written


# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Places(synthetic.Points):
    municipality: list[str]  # the town's municipality: where the point is registered

    @property
    def county(self) -> list[str]:
        return [code[:2] for code in self.municipality]


def make_places(towns: synthetic.Towns, n: int, seed: int) -> Places:
    """Population-weighted points (6 decimals), with the municipality of each one's town."""
    lon, lat, town = synthetic.clustered(towns, n, seed)
    p = synthetic.Points.at(np.round(lon, 6), np.round(lat, 6))
    return Places(p.lon, p.lat, p.x, p.y, [towns.municipality[t] for t in town.tolist()])


@dataclass(frozen=True)
class Listings:
    """Listings with ids first_id, first_id + 1, …; each at its own site (site_ids)."""

    first_id: int
    places: Places
    org: synthetic.IntArray
    site: synthetic.IntArray
    offer: synthetic.BoolArray
    stream: synthetic.IntArray
    ewc: list[str | None]
    description: synthetic.IntArray
    quantity: synthetic.IntArray

    @property
    def ids(self) -> list[int]:
        return list(range(self.first_id, self.first_id + len(self.org)))


def make_listings(
    rng: np.random.Generator,
    places: Places,
    org: synthetic.IntArray,
    site: synthetic.IntArray,
    first_id: int,
) -> Listings:
    n = len(org)
    offer, stream = synthetic.draw_streams(rng, n)
    return Listings(
        first_id, places, org, site, offer, stream, synthetic.draw_codes(rng, offer, stream),
        rng.integers(0, len(DESCRIPTIONS), n), rng.integers(5, 500, n),
    )  # fmt: skip


@dataclass(frozen=True)
class Spec:
    user_id: int
    paused: bool
    data: SubscriptionInput


@dataclass(frozen=True)
class World:
    orgs: int
    users: int
    sites: Places  # site k + 1: the home site of firm k + 1, then one per new listing
    counterparts: Listings
    queries: Listings
    specs: list[Spec]

    def org_of_user(self, user_id: int) -> int:
        return (user_id - 1) // USERS_PER_ORG + 1


def municipality_weights(towns: synthetic.Towns) -> tuple[list[str], synthetic.FloatArray]:
    totals: Counter[str] = Counter()
    for code, people in zip(towns.municipality, towns.population.tolist(), strict=True):
        if code in MUNICIPALITY_BY_CODE:
            totals[code] += people
    names = sorted(totals)
    weights = np.array([totals[c] for c in names], dtype=np.float64)
    return names, weights / weights.sum()


def polygon_geojson(rng: np.random.Generator, lon: float, lat: float) -> str:
    """A star-shaped, nearly convex polygon 10–80 km across (a few with up to 20 vertices)."""
    across_m = rng.uniform(*POLYGON_KM) * 1000
    low, high = MANY_VERTICES if rng.random() < MANY_VERTICES_SHARE else POLYGON_VERTICES
    k = int(rng.integers(low, high + 1))
    bearings = np.sort(rng.uniform(0.0, 360.0, k))
    radii = across_m / 2 * rng.uniform(0.75, 1.0, k)
    lons, lats, _ = synthetic.GEOD.fwd(np.full(k, lon), np.full(k, lat), bearings, radii)
    ring = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lons, lats, strict=True)]
    return json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})


def pick_categories(rng: np.random.Generator, kinds: tuple[str, ...]) -> tuple[str, ...]:
    pool = [s for s in synthetic.STREAMS if not kinds or s.kind in kinds]
    weights = np.array([s.weight for s in pool])
    count = min(int(rng.integers(1, 5)), len(pool))
    chosen = rng.choice(len(pool), size=count, replace=False, p=weights / weights.sum())
    return tuple(sorted(pool[i].category for i in chosen.tolist()))


def pick_ewc(rng: np.random.Generator, categories: tuple[str, ...]) -> str:
    """One or two codes or chapters (2, 4 or 6 digits) of the chosen streams, or any stream."""
    pool = [
        s for s in synthetic.STREAMS if s.codes and (not categories or s.category in categories)
    ]
    pool = pool or [s for s in synthetic.STREAMS if s.codes]
    prefixes = set()
    for _ in range(int(rng.integers(1, 3))):
        stream = pool[int(rng.integers(len(pool)))]
        code = stream.codes[int(rng.integers(len(stream.codes)))]
        prefixes.add(code[: int(rng.choice([2, 4, 6]))])
    return ", ".join(sorted(prefixes))


def pick_regions(
    rng: np.random.Generator, own: str, names: list[str], weights: synthetic.FloatArray
) -> tuple[str, ...]:
    """Own municipality and up to 3 others; or the own county; or a county plus 1–2 others."""
    u = rng.random()
    if u < 0.5:
        others = rng.choice(names, size=int(rng.integers(0, 4)), replace=False, p=weights)
        return tuple(sorted({own, *map(str, others)}))
    if u < 0.8:
        return (own[:2],)
    others = rng.choice(names, size=int(rng.integers(1, 3)), replace=False, p=weights)
    return tuple(sorted({own[:2], *map(str, others)}))


def make_specs(towns: synthetic.Towns, n: int, users: int, sites: Places) -> list[Spec]:
    rng = np.random.default_rng(DATA_SEED + 7)
    centres = make_places(towns, n, DATA_SEED + 3)
    names, weights = municipality_weights(towns)
    areas = rng.choice(len(AREA_KINDS), size=n, p=AREA_P)
    specs = []
    for i in range(n):
        user = i % users + 1
        org = (user - 1) // USERS_PER_ORG + 1
        lon, lat = float(centres.lon[i]), float(centres.lat[i])
        area: dict[str, Any] = {"area_kind": AREA_KINDS[int(areas[i])]}
        if area["area_kind"] == "circle":
            area["radius_km"] = float(rng.integers(RADIUS_KM[0], RADIUS_KM[1] + 1))
            if rng.random() < SITE_CIRCLE_SHARE:
                area["site_id"] = org
            else:
                area["center_lon"], area["center_lat"] = round(lon, 5), round(lat, 5)
        elif area["area_kind"] == "polygon":
            area["polygon_geojson"] = polygon_geojson(rng, lon, lat)
        else:
            own = sites.municipality[org - 1] if rng.random() < 0.7 else centres.municipality[i]
            area["region_codes"] = pick_regions(rng, own, names, weights)
        kinds = KIND_FILTERS[int(rng.choice(len(KIND_FILTERS), p=KIND_P))]
        categories = () if rng.random() < NO_CATEGORY_SHARE else pick_categories(rng, kinds)
        ewc = pick_ewc(rng, categories) if rng.random() < EWC_SHARE else ""
        keywords = ""
        if rng.random() < KEYWORD_SHARE:
            keywords = " ".join(rng.choice(KEYWORDS, size=int(rng.integers(1, 3)), replace=False))
        data = SubscriptionInput(
            name=f"Bevakning {i + 1}",
            directions=DIRECTIONS[int(rng.choice(len(DIRECTIONS), p=DIRECTIONS_P))],
            kinds=kinds,
            categories=categories,
            ewc=ewc,
            keywords=keywords,
            cadence=str(rng.choice(CADENCES, p=CADENCE_P)),
            **area,
        )
        specs.append(Spec(user, bool(rng.random() < PAUSED_SHARE), data))
    return specs


def concat_places(a: Places, b: Places) -> Places:
    return Places(
        np.concatenate([a.lon, b.lon]), np.concatenate([a.lat, b.lat]),
        np.concatenate([a.x, b.x]), np.concatenate([a.y, b.y]), a.municipality + b.municipality,
    )  # fmt: skip


def make_world(towns: synthetic.Towns, n: int, queries: int) -> World:
    rng = np.random.default_rng(DATA_SEED + n)
    users = max(1, n // SUBSCRIPTIONS_PER_USER)
    orgs = -(-users // USERS_PER_ORG)
    home = make_places(towns, orgs, DATA_SEED + 1)
    new = make_places(towns, queries, QUERY_SEED)
    sites = concat_places(home, new)
    org_ids = np.arange(1, orgs + 1, dtype=np.int64)
    per_org = np.repeat(org_ids, COUNTERPARTS_PER_ORG)
    counterpart_places = Places(
        home.lon[per_org - 1], home.lat[per_org - 1], home.x[per_org - 1], home.y[per_org - 1],
        [home.municipality[o - 1] for o in per_org.tolist()],
    )  # fmt: skip
    counterparts = make_listings(rng, counterpart_places, per_org, per_org, 1)
    owners = rng.integers(1, orgs + 1, queries).astype(np.int64)
    query_sites = np.arange(orgs + 1, orgs + queries + 1, dtype=np.int64)
    new_listings = make_listings(rng, new, owners, query_sites, len(per_org) + 1)
    specs = make_specs(towns, n, users, home)
    return World(orgs, users, sites, counterparts, new_listings, specs)


# --- loading -------------------------------------------------------------------------------

SITE_COLUMNS = (
    "id", "organisation_id", "name", "municipality_code", "county_code", "lat", "lon", "x", "y",
    "may_receive_hazardous", "has_waste_permit", "created_at",
)  # fmt: skip
LISTING_COLUMNS = (*synthetic.LISTING_COLUMNS[:-3], "fanout_due", *synthetic.LISTING_COLUMNS[-3:])


def site_rows(world: World) -> Iterator[tuple[Any, ...]]:
    now, s = datetime.now(UTC), world.sites
    owners = [*range(1, world.orgs + 1), *world.queries.org.tolist()]
    for k, org in enumerate(owners):
        code = s.municipality[k]
        yield (
            k + 1, org, f"Site {k + 1}", code, code[:2], float(s.lat[k]), float(s.lon[k]),
            float(s.x[k]), float(s.y[k]), False, False, now,
        )  # fmt: skip


def user_rows(world: World) -> Iterator[tuple[Any, ...]]:
    now = datetime.now(UTC)
    for u in range(1, world.users + 1):
        yield synthetic.user_row(u, world.org_of_user(u), u % USERS_PER_ORG == 1, now)


def listing_rows(items: Listings, today: date) -> Iterator[tuple[Any, ...]]:
    now = datetime.now(UTC).replace(microsecond=0)
    p = items.places
    for i, listing_id in enumerate(items.ids):
        info, code = synthetic.STREAMS[int(items.stream[i])], items.ewc[i]
        hazardous, mirror = synthetic.code_flags(code)
        direction = "offer" if items.offer[i] else "want"
        label = CATEGORY_BY_KEY[info.category].label("en")
        title = f"{label} ({direction}) {listing_id}"
        description = DESCRIPTIONS[int(items.description[i])]
        quantity = Decimal(int(items.quantity[i]))
        search = f"{title} {description} {label} {info.category}".casefold()
        mun = p.municipality[i]
        yield (
            listing_id, int(items.org[i]), int(items.site[i]), direction, info.kind,
            info.category, code, hazardous, mirror,
            title, description, quantity, "t" if info.kind == "material" else "MWh", "once",
            today + timedelta(days=90), quantity, "negotiable", "public", "published",
            float(p.lat[i]), float(p.lon[i]), float(p.x[i]), float(p.y[i]),
            cell_of(p.x[i], p.y[i]), mun, mun[:2], search, False, now, now, now,
        )  # fmt: skip


def load(engine: Engine, world: World, today: date) -> tuple[float, float]:
    """Reference rows, firms, sites, users and listings in bulk, then every subscription through
    `create_subscription`; (bulk seconds, subscription seconds)."""
    started = time.perf_counter()
    orgs = synthetic.organisation_rows(world.orgs, datetime.now(UTC))
    with engine.begin() as conn:
        conn.execute(insert(EwcCode), synthetic.ewc_code_rows())
        conn.execute(insert(Organisation), orgs)
        databases.bulk_write(conn, Site, SITE_COLUMNS, site_rows(world))
        databases.bulk_write(conn, User, synthetic.USER_COLUMNS, user_rows(world))
        databases.bulk_write(
            conn, Listing, LISTING_COLUMNS, listing_rows(world.counterparts, today)
        )
        databases.bulk_write(conn, Listing, LISTING_COLUMNS, listing_rows(world.queries, today))
    with Session(engine) as session:
        load_defaults(session)  # the factor set, so `fan_out` attaches estimates as in production
        session.commit()
    bulk = time.perf_counter() - started
    started = time.perf_counter()
    with Session(engine) as session:
        users = {u.id: u for u in session.scalars(select(User))}
        for spec in world.specs:
            sub = create_subscription(session, actor=users[spec.user_id], data=spec.data)
            sub.paused = spec.paused
        session.commit()
    databases.analyze(engine)
    return bulk, time.perf_counter() - started


# --- brute force ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Membership:
    """A filter over all subscriptions: empty means any, else one of the listed values."""

    empty: synthetic.BoolArray
    rows: dict[str, synthetic.IntArray]

    @classmethod
    def of(cls, values: list[list[str]]) -> Membership:
        index: dict[str, list[int]] = defaultdict(list)
        for i, listed in enumerate(values):
            for value in listed:
                index[value].append(i)
        empty = np.array([not listed for listed in values], dtype=bool)
        return cls(empty, {k: np.array(v, dtype=np.int64) for k, v in index.items()})

    def accepts(self, value: str | None) -> synthetic.BoolArray:
        ok = self.empty.copy()
        rows = self.rows.get(value or "")
        if rows is not None:
            ok[rows] = True
        return ok


@dataclass(frozen=True)
class Reference:
    """Every active subscription as arrays, read from the table with plain SQL (not through
    `compile_subscription`); the rules of `catches` restated over them."""

    ids: synthetic.IntArray
    directions: Membership
    kinds: Membership
    categories: Membership
    ewc: Membership  # by prefix; a listing's code offers its 2-, 4- and 6-digit prefixes
    keyword_rows: synthetic.IntArray
    keywords: list[list[str]]
    circles: synthetic.IntArray
    lon: synthetic.FloatArray
    lat: synthetic.FloatArray
    radius_m: synthetic.FloatArray
    polygons: synthetic.IntArray
    geometry: NDArray[np.object_]
    regions: Membership  # `empty` unused: an area must name at least one region

    def __len__(self) -> int:
        return len(self.ids)


def build_reference(engine: Engine) -> Reference:
    s = AlertSubscription
    columns = (
        s.id, s.area_kind, s.center_lon, s.center_lat, s.radius_m, s.polygon_geojson,
        s.region_codes, s.directions, s.kinds, s.categories, s.ewc_prefixes, s.keywords,
    )  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).where(s.paused.is_(False)).order_by(s.id)).all()
    n = len(rows)
    lon, lat, radius = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    geometry = np.full(n, None, dtype=object)
    for i, row in enumerate(rows):
        if row.area_kind == "circle":
            lon[i], lat[i], radius[i] = row.center_lon, row.center_lat, row.radius_m
        elif row.area_kind == "polygon":
            geometry[i] = geometry_to_sweref(shapely.from_geojson(row.polygon_geojson))
    polygons = np.flatnonzero([r.area_kind == "polygon" for r in rows])
    shapely.prepare(geometry[polygons])
    words = [[w.casefold() for w in (r.keywords or "").split()] for r in rows]
    keyword_rows = np.array([i for i, w in enumerate(words) if w], dtype=np.int64)
    prefixes = [(r.ewc_prefixes or "").split() for r in rows]
    return Reference(
        ids=np.array([r.id for r in rows], dtype=np.int64),
        directions=Membership.of([(r.directions or "").split() for r in rows]),
        kinds=Membership.of([(r.kinds or "").split() for r in rows]),
        categories=Membership.of([(r.categories or "").split() for r in rows]),
        ewc=Membership.of(prefixes),
        keyword_rows=keyword_rows,
        keywords=[words[i] for i in keyword_rows.tolist()],
        circles=np.flatnonzero([r.area_kind == "circle" for r in rows]),
        lon=lon, lat=lat, radius_m=radius, polygons=polygons, geometry=geometry,
        regions=Membership.of([(r.region_codes or "").split() for r in rows]),
    )  # fmt: skip


def brute_force(ref: Reference, f: Facts) -> list[int]:
    """Ids of the active subscriptions the listing satisfies, by testing every one of them."""
    ok = ref.directions.accepts(f.direction) & ref.kinds.accepts(f.kind)
    ok &= ref.categories.accepts(f.category)
    code_ok = ref.ewc.empty.copy()
    for prefix in {f.ewc_code[:2], f.ewc_code[:4], f.ewc_code} if f.ewc_code else ():
        rows = ref.ewc.rows.get(prefix)
        if rows is not None:
            code_ok[rows] = True
    ok &= code_ok
    if ref.keyword_rows.size:
        text = f.search_text.casefold()
        ok[ref.keyword_rows] &= [any(w in text for w in words) for words in ref.keywords]
    inside = np.zeros(len(ref), dtype=bool)
    circles = ref.circles[ok[ref.circles]]
    if circles.size:
        _, _, metres = synthetic.GEOD.inv(
            np.full(circles.size, f.lon), np.full(circles.size, f.lat), ref.lon[circles],
            ref.lat[circles],
        )  # fmt: skip
        inside[circles] = np.asarray(metres) <= ref.radius_m[circles]
    polygons = ref.polygons[ok[ref.polygons]]
    if polygons.size:
        inside[polygons] = shapely.intersects_xy(ref.geometry[polygons], f.x, f.y)
    for code in (f.municipality_code, f.county_code):
        rows = ref.regions.rows.get(code or "")
        if rows is not None:
            inside[rows] = True
    return sorted(ref.ids[ok & inside].tolist())


# --- timing --------------------------------------------------------------------------------


def facts_of(engine: Engine, ids: list[int]) -> list[Facts]:
    with Session(engine) as session:
        return [Facts.of(session.get(Listing, i)) for i in ids]


@contextmanager
def listing_session(engine: Engine, listing_id: int) -> Iterator[tuple[Session, Listing]]:
    """A fresh session (as a fan-out job has) with the listing loaded before the clock."""
    with Session(engine) as session:
        listing = session.get(Listing, listing_id)
        assert listing is not None
        yield session, listing


def cache_key(engine: Engine) -> str:
    return str(engine.url)


def service_query(engine: Engine, listing_id: int) -> tuple[float, list[int]]:
    with listing_session(engine, listing_id) as (session, listing):
        started = time.perf_counter()
        hits = index_for(session).hits(Facts.of(listing))
        return clock.elapsed_ms(started), [hit.subscription.id for hit in hits]


def time_service(engine: Engine, ids: list[int]) -> tuple[list[float], list[list[int]]]:
    return clock.time_each(lambda listing_id: service_query(engine, listing_id), ids, WARMUP)


def time_cache_check(engine: Engine, ids: list[int]) -> list[float]:
    """`index_for(session)` alone with the index cached: the query that tells whether any
    subscription changed, in the same kind of fresh session."""
    ms = []
    for listing_id in [*ids[:WARMUP], *ids]:
        with listing_session(engine, listing_id) as (session, _):
            started = time.perf_counter()
            index_for(session)
            ms.append(clock.elapsed_ms(started))
    return ms[WARMUP:]


def timed_index_for(engine: Engine) -> float:
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        started = time.perf_counter()
        index_for(session)
        return (time.perf_counter() - started) * 1000.0


def cold_builds(engine: Engine, repeats: int = 3) -> list[float]:
    """`index_for` with an empty cache (the first call in a process): load and compile every
    active subscription, build the index."""
    ms = []
    for _ in range(repeats):
        index._cache.clear()
        gc.collect()
        ms.append(timed_index_for(engine))
    return ms


def updates_after_change(engine: Engine, spec_ids: list[int], rounds: int = 2) -> list[float]:
    """`index_for` right after one subscription was paused, and after it was resumed, through
    `subscriptions.set_paused` and a commit (the data ends as it began)."""
    index_for_ms = []
    for sub_id in spec_ids[:rounds]:
        for paused in (True, False):
            with Session(engine) as session:
                sub = session.get(AlertSubscription, sub_id)
                assert sub is not None
                actor = session.get(User, sub.user_id)
                subscriptions.set_paused(
                    session, actor=actor, subscription_id=sub_id, paused=paused
                )
                session.commit()
            gc.collect()
            index_for_ms.append(timed_index_for(engine))
    return index_for_ms


def sql_prefilter(engine: Engine, listing_id: int) -> tuple[float, list[int]]:
    """Baseline without a cache: the subscriptions whose stored bounding box holds the point or
    whose regions name its municipality/county, in SQL; then compile each and `catches`."""
    s = AlertSubscription
    with listing_session(engine, listing_id) as (session, listing):
        started = time.perf_counter()
        f = Facts.of(listing)
        regions = [
            (" " + s.region_codes + " ").like(f"% {code} %")
            for code in (f.municipality_code, f.county_code)
            if code
        ]
        box = (s.min_x <= f.x) & (s.max_x >= f.x) & (s.min_y <= f.y) & (s.max_y >= f.y)
        stmt = select(s).where(s.paused.is_(False), or_(box, *regions))
        found = [
            compiled.id
            for compiled in map(compile_subscription, session.scalars(stmt))
            if catches(compiled, f)[0]
        ]
        return (time.perf_counter() - started) * 1000.0, found


def compile_all(engine: Engine) -> tuple[float, list[criteria.Compiled]]:
    """What a brute force does first: load and compile every active subscription."""
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        started = time.perf_counter()
        stmt = select(AlertSubscription).where(AlertSubscription.paused.is_(False))
        compiled = [compile_subscription(sub) for sub in session.scalars(stmt)]
        return (time.perf_counter() - started) * 1000.0, compiled


def scan(compiled: list[criteria.Compiled], f: Facts) -> list[int]:
    return [c.id for c in compiled if catches(c, f)[0]]


@dataclass(frozen=True)
class FanoutRow:
    listing_id: int
    hits: int
    notified: int
    instant: int
    ms: float


def run_fan_out(engine: Engine, listing_id: int, today: date) -> FanoutRow:
    """One `fan_out` as the job runs it, on a listing marked due; rolled back afterwards."""
    ctx = MailContext(base_url="https://symbios.example", secret=SECRET, domain="symbios.example")
    with Session(engine, expire_on_commit=False) as session:
        session.execute(update(Listing).where(Listing.id == listing_id).values(fanout_due=True))
        session.flush()
        session.expire_all()
        listing = session.get(Listing, listing_id)
        assert listing is not None
        hits = len({hit.subscription.id for hit in index_for(session).hits(Facts.of(listing))})
        session.expire_all()
        started = time.perf_counter()
        outbox_ids = fan_out(session, ctx, listing_id, today=today)
        elapsed = (time.perf_counter() - started) * 1000.0
        notified = session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.listing_id == listing_id)
        )
        session.rollback()
    return FanoutRow(listing_id, hits, int(notified or 0), len(outbox_ids), elapsed)


# --- orchestration -------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    backend: str
    n: int
    ms: list[float]
    lookup_ms: list[float]
    check_ms: list[float]
    sql_ms: list[float]
    cold_ms: list[float]
    update_ms: list[float]
    candidates: list[int]
    hits: list[int]


@dataclass(frozen=True)
class Baseline:
    n: int
    brute_ms: list[float]
    scan_ms: list[float]
    compile_ms: float


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    baselines: dict[int, Baseline] = field(default_factory=dict)
    fanouts: list[tuple[str, int, FanoutRow]] = field(default_factory=list)
    queries: int = 0
    mismatches: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    load_s: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)
    data: dict[int, str] = field(default_factory=dict)
    machine: reporting.Machine = field(default_factory=reporting.Machine)


def check(
    label: str, ids: list[int], answers: list[list[int]], expected: list[list[int]], r: Results
) -> None:
    for listing_id, got, want in zip(ids, answers, expected, strict=True):
        r.queries += 1
        if sorted(set(got)) != want:
            extra, missing = set(got) - set(want), set(want) - set(got)
            r.mismatches.append(
                f"{label} listing {listing_id}: {len(extra)} extra {sorted(extra)[:5]}, "
                f"{len(missing)} missing {sorted(missing)[:5]}"
            )
        elif len(got) != len(set(got)):
            twice = sorted(i for i, c in Counter(got).items() if c > 1)
            r.duplicates.append(f"{label} listing {listing_id}: subscriptions {twice[:5]} twice")


def run_backend(
    backend: str,
    args: argparse.Namespace,
    world: World,
    expected: dict[int, list[int]] | None,
    results: Results,
) -> dict[int, list[int]]:
    n, today, ids = len(world.specs), args.today, world.queries.ids
    with databases.migrated(backend, args.pg_url, results.machine.versions) as db:
        engine = db.engine
        bulk_s, subs_s = load(engine, world, today)
        results.load_s[(backend, n)] = (bulk_s, subs_s)
        print(f"  {backend}: loaded in {bulk_s:.1f} s, {n:,} subscriptions in {subs_s:.1f} s")
        facts = facts_of(engine, ids)
        if expected is None:  # the in-memory baselines, once per size (same data everywhere)
            ref = build_reference(engine)
            brute_ms, answers = clock.time_calls(
                lambda i: brute_force(ref, facts[i]), len(ids), WARMUP
            )
            expected = dict(zip(ids, answers, strict=True))
            compile_ms, compiled = compile_all(engine)
            slow = ids[: args.slow_queries]
            scan_ms, scanned = clock.time_calls(
                lambda i: scan(compiled, facts[i]), len(slow), WARMUP
            )
            check(f"catches scan N={n}", slow, scanned, answers[: len(slow)], results)
            results.baselines[n] = Baseline(n, brute_ms, scan_ms, compile_ms)
            print(f"  brute force p50 {pct(brute_ms, 50):.2f} ms, scan p50 {pct(scan_ms, 50):.2f}")
        want = [expected[i] for i in ids]
        cold_ms = cold_builds(engine)
        active = [i + 1 for i, spec in enumerate(world.specs) if not spec.paused]  # ids 1..N
        update_ms = updates_after_change(engine, active)
        ms, answers = time_service(engine, ids)
        check(f"{backend} N={n} service", ids, answers, want, results)
        with Session(engine) as session:
            cached = index_for(session)
        lookup_ms, looked = clock.time_calls(
            lambda i: [h.subscription.id for h in cached.hits(facts[i])], len(ids), WARMUP
        )
        check(f"{backend} N={n} index", ids, looked, want, results)
        check_ms = time_cache_check(engine, ids)
        sql_ids = ids[: args.slow_queries]
        sql_ms, sql_answers = clock.time_each(lambda i: sql_prefilter(engine, i), sql_ids, WARMUP)
        check(f"{backend} N={n} SQL prefilter", sql_ids, sql_answers, want[: len(sql_ids)], results)
        candidates = [len(cached.candidates(f)) for f in facts]
        results.rows.append(
            Row(backend, n, ms, lookup_ms, check_ms, sql_ms, cold_ms, update_ms, candidates,
                [len(expected[i]) for i in ids])
        )  # fmt: skip
        print(f"  {backend}: p50 {pct(ms, 50):.2f} ms, p95 {pct(ms, 95):.2f} ms")
        busiest = sorted(ids, key=lambda i: (-len(expected[i]), i))
        run_fan_out(engine, busiest[FANOUT_LISTINGS], today)  # warm-up: templates, matching
        for listing_id in busiest[:FANOUT_LISTINGS]:
            row = run_fan_out(engine, listing_id, today)
            results.fanouts.append((backend, n, row))
            print(f"  {backend}: fan_out listing {listing_id}: {row.notified} notified, "
                  f"{row.instant} instant, {row.ms:.0f} ms")  # fmt: skip
        if args.profile:
            clock.profile(lambda: time_service(engine, ids), f"{backend} N={n} service lookups")
            clock.profile(
                lambda: run_fan_out(engine, busiest[0], today), f"{backend} N={n} fan_out"
            )
        index._cache.pop(cache_key(engine), None)
    return expected


def describe(world: World) -> str:
    specs = world.specs
    count = Counter(s.data.area_kind for s in specs)
    around_site = sum(s.data.site_id is not None for s in specs) / max(count["circle"], 1)
    polygons = [json.loads(s.data.polygon_geojson or "{}") for s in specs]
    vertices = [len(p["coordinates"][0]) - 1 for p in polygons if p]

    def share(pred: Callable[[Spec], bool]) -> str:
        return f"{sum(1 for s in specs if pred(s)) / len(specs):.0%}"

    cadences = ", ".join(f"{c} {share(lambda s, c=c: s.data.cadence == c)}" for c in CADENCES)
    return (
        f"{len(specs):,} subscriptions of {world.users:,} users at {world.orgs:,} firms: "
        f"{count['circle']:,} circles ({RADIUS_KM[0]}–{RADIUS_KM[1]} km, {around_site:.0%} "
        f"around an own site), {count['polygon']:,} polygons ({POLYGON_KM[0]:.0f}–"
        f"{POLYGON_KM[1]:.0f} km across, {min(vertices, default=0)}–{max(vertices, default=0)} "
        f"vertices, mean {np.mean(vertices) if vertices else 0:.1f}), {count['regions']:,} "
        f"municipality/county sets; filters: {share(lambda s: s.data.directions != ('offer',))} "
        f"not offers only, {share(lambda s: bool(s.data.kinds))} a kind, "
        f"{share(lambda s: bool(s.data.categories))} categories, "
        f"{share(lambda s: bool(s.data.ewc))} EWC codes/chapters, "
        f"{share(lambda s: bool(s.data.keywords))} keywords; cadences {cadences}; "
        f"{sum(s.paused for s in specs)} paused. Plus {len(world.counterparts.org):,} existing "
        f"listings ({COUNTERPARTS_PER_ORG} per firm) and the default factor set, for the "
        "estimates `fan_out` attaches"
    )


def run(args: argparse.Namespace) -> Results:
    towns, results = synthetic.load_towns(), Results()
    for n in args.sizes:
        print(f"N = {n:,}")
        world = make_world(towns, n, args.queries)
        results.data[n] = describe(world)
        expected = None
        for backend in args.backends:
            expected = run_backend(backend, args, world, expected, results)
    return results


# --- report --------------------------------------------------------------------------------


def ratio_cells(ms: list[float], base: list[float]) -> list[str]:
    if not ms or not base:
        return ["–", "–"]
    return [fmt(pct(ms, 50) / pct(base, 50), 2), fmt(pct(ms, 95) / pct(base, 95), 2)]


def table_rows(results: Results) -> Iterator[list[str]]:
    for row in results.rows:
        base = results.baselines[row.n]
        entries: list[tuple[str, str, list[float], float | None]] = [
            (row.backend, "**service**: `index_for(session).hits(Facts.of(listing))`", row.ms,
             TARGET_MS),
            (row.backend, "… of which `index_for(session)` (the cache check)", row.check_ms,
             None),
            (row.backend, "… of which the lookup in the cached index (`.hits`)", row.lookup_ms,
             None),
            (row.backend, f"baseline: SQL bbox/region prefilter + compile + `catches` "
             f"(first {len(row.sql_ms)} listings)", row.sql_ms, None),
        ]  # fmt: skip
        if row is next(r for r in results.rows if r.n == row.n):
            entries += [
                ("in memory", "baseline: `catches` over all compiled subscriptions (first "
                 f"{len(base.scan_ms)} listings)", base.scan_ms, None),
                ("in memory", "baseline: brute force in numpy (all subscriptions)", base.brute_ms,
                 None),
            ]  # fmt: skip
        for backend, what, ms, target in entries:
            cells = [backend, f"{row.n:,}", what, fmt(pct(ms, 50)), fmt(pct(ms, 95))]
            cells += reporting.target_cells(pct(ms, 95), target)
            same = row.ms[: len(ms)]  # the same listings as the baseline's
            cells += ["1" if ms is row.ms else c for c in ratio_cells(same, ms)]
            yield cells


def index_table_rows(results: Results) -> Iterator[list[str]]:
    for row in results.rows:
        base = results.baselines[row.n]
        cells = [row.backend, f"{row.n:,}", fmt(row.cold_ms[0], 0),
                 fmt(float(np.median(row.cold_ms[1:])), 0),
                 fmt(float(np.median(row.update_ms)), 1), fmt(base.compile_ms, 0),
                 f"{np.mean(row.candidates):,.0f}", f"{np.mean(row.hits):,.1f}",
                 f"{max(row.hits):,}", f"{sum(h == 0 for h in row.hits)}"]  # fmt: skip
        yield cells


def fanout_table_rows(results: Results) -> Iterator[list[str]]:
    for backend, n, row in results.fanouts:
        per = row.ms / row.notified if row.notified else None
        cells = [backend, f"{n:,}", str(row.listing_id), f"{row.hits:,}", f"{row.notified:,}",
                 f"{row.instant:,}", fmt(row.ms, 0), fmt(per, 2)]  # fmt: skip
        yield cells


def report(results: Results, args: argparse.Namespace, command: str) -> list[str]:
    loads = ", ".join(
        f"{b} {n:,}: {bulk:.1f} s bulk + {subs:.1f} s `create_subscription`"
        for (b, n), (bulk, subs) in results.load_s.items()
    )
    changed = service_digest() != SERVICE_DIGEST
    return [
        *reporting.machine_lines(results.machine),
        *(f"- data: {text}" for text in results.data.values()),
        f"- queries: {args.queries} new listings (+{WARMUP} warm-up) at population-weighted "
        "points, offers and wants of every stream, some with EWC codes; each timed in a fresh "
        "session with the listing loaded before the clock starts, the index already cached "
        "(as in a running worker); same listings for every backend",
        "",
        *reporting.markdown_table(
            "backend | N> | what | p50 ms> | p95 ms> | target p95 ms> | met | "
            "service ÷ this, p50> | service ÷ this, p95>",
            table_rows(results),
        ),
        "",
        *reporting.markdown_table(
            "backend | N> | cold build ms (first)> | cold build ms (median of next 2)> | "
            "update after one change ms (median of 4)> | brute-force load + compile ms> | "
            "mean candidates> | mean hits> | max hits> | listings without hits>",
            index_table_rows(results),
        ),
        "",
        f"- verified: {results.queries} answers (service, cached index, SQL prefilter and "
        f"`catches` scan against the numpy brute force), {len(results.mismatches)} mismatches "
        f"in the set of subscription ids; {len(results.duplicates)} answers held a "
        "subscription twice",
        "- service: the whole `index_for(session).hits(...)` as `fan_out` calls it: the cache "
        "check (`index_for`, one query to learn whether subscriptions changed) and the lookup "
        "in the index (bounding-box tree and region codes, then the exact tests of the "
        "candidates). Both parts are also timed alone, in separate passes",
        "- baselines (same run, same data): the numpy brute force restates `catches` over arrays "
        "of all active subscriptions read with plain SQL (membership masks for the filters, "
        "pyproj geodesic distances for circles, shapely `intersects_xy` for polygons); the "
        "`catches` scan tests every compiled subscription (after the load + compile shown "
        "above); the SQL prefilter selects by stored bounding box or region code (LIKE) and "
        "compiles and tests the rows found, per listing",
        "- cold build: `index_for` with an empty cache (the first call in a process); update "
        "after one change: `index_for` right after one subscription was paused or resumed "
        "with `subscriptions.set_paused` and committed (2 of each)",
        "",
        *reporting.markdown_table(
            "backend | N> | listing> | hits> | users notified> | instant emails queued> | "
            "`fan_out` ms> | ms per notification>",
            fanout_table_rows(results),
        ),
        "",
        "- `fan_out(session, ctx, listing_id, today=…)` for the listings with the most hits, "
        "after one warm-up call; index cached; includes the claim, recipients, nearest sites, "
        "estimates (`find_matches` + `estimate_pair`), notifications and instant alert emails "
        "rendered into the outbox, up to the flush; the commit is not included and every call "
        "is rolled back",
        f"- target (QUALITY.md): ≤ {TARGET_MS:g} ms per listing at 10k subscriptions "
        "(taken as p95 of the service call)",
        f"- code measured: `marketplace/services/{{{','.join(MEASURED)}}}` sha256 "
        f"{SERVICE_DIGEST}, as imported at the start"
        + (" (**the files changed on disk during the run**)" if changed else ""),
        f"- load: {loads}",
        f"- command: `{command}`",
    ]


# --- CLI -----------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    queries = (500, "new listings per size")
    parser = cli.parser_for(__doc__, [10_000], sizes_help="subscriptions", queries=queries)
    parser.add_argument(
        "--slow-queries", type=int, default=60, help="listings for the slow baselines"
    )
    cli.backend_arguments(parser, "postgresql://postgres@127.0.0.1:5432/bench_alerts")
    parser.add_argument("--profile", action="store_true", help="print cProfile summaries")
    parser.add_argument("--write", type=Path, help="replace the fan-out section of this file")
    args = cli.parse_checked(parser, argv)
    if args.queries <= FANOUT_LISTINGS or min(args.sizes, default=0) < 10:
        parser.error(f"--queries must be above {FANOUT_LISTINGS} and every size at least 10")
    args.today = swedish_today()
    return args


def notes(results: Results) -> cli.Notes:
    notes, failed = cli.flagged("MISMATCH", results.mismatches, 20)
    return notes + [f"DUPLICATE {d}" for d in results.duplicates[:10]], failed


if __name__ == "__main__":
    sys.exit(cli.main(sys.modules[__name__]))
