"""The generated world of the fan-out benchmark: firms, users, sites, listings and alert
subscriptions, and how they are written to the database."""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session
from support import databases, synthetic

from geo.gazetteer import MUNICIPALITY_BY_CODE
from geo.grid import cell_of
from marketplace.services.alerts.subscriptions import (
    SubscriptionInput,
    create_subscription,
)
from marketplace.services.impact.factors import load_defaults
from models import EwcCode, Listing, Organisation, Site, User
from models.taxonomy import CATEGORY_BY_KEY

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
