"""The digest benchmark's data: verified users with a daily subscription and pending
notifications about other firms' listings, written in bulk."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert
from support import databases, synthetic

from geo.areas import Circle
from geo.grid import cell_of
from models import EwcCode, Listing, Organisation, Site, User
from models.alerts import AlertSubscription, Notification
from models.taxonomy import CATEGORY_BY_KEY

DATA_SEED = 20_261_129
USERS_PER_ORG = 2
SELLER_ORGS = 200  # firms whose listings the notifications point at
LISTINGS = 2_000
NOTES_PER_USER = (1, 5)
SENDER = "Symbios <no-reply@symbios.example>"
# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    users: int
    orgs: int  # user firms 1..orgs, then SELLER_ORGS seller firms
    notes: list[tuple[int, int]]  # (user id, listing id)
    at: synthetic.Points  # site k + 1 (one per firm)

    @property
    def sites(self) -> int:
        return self.orgs + SELLER_ORGS


def make_data(users: int) -> Data:
    orgs = -(-users // USERS_PER_ORG)
    at = synthetic.clustered_points(synthetic.load_towns(), orgs + SELLER_ORGS, DATA_SEED)
    rng = np.random.default_rng(DATA_SEED + users)
    counts = rng.integers(NOTES_PER_USER[0], NOTES_PER_USER[1] + 1, users)
    notes = []
    for u, k in enumerate(counts.tolist(), start=1):
        for listing_id in sorted(rng.choice(LISTINGS, size=k, replace=False).tolist()):
            notes.append((u, listing_id + 1))
    return Data(users, orgs, notes, at)


SUBSCRIPTION_COLUMNS = (
    "id", "user_id", "name", "area_kind", "site_id", "center_lon", "center_lat", "radius_m",
    "min_x", "min_y", "max_x", "max_y", "region_codes", "directions", "kinds", "categories",
    "ewc_prefixes", "keywords", "cadence", "paused", "created_at", "updated_at",
)  # fmt: skip
NOTIFICATION_COLUMNS = (
    "id", "user_id", "listing_id", "subscription_id", "cadence", "state", "distance_m", "co2e_kg",
    "sek", "created_at",
)  # fmt: skip


def rows(data: Data, today: date) -> dict[str, list[tuple[Any, ...]]]:
    now = datetime.now(UTC).replace(microsecond=0)
    rng, p = np.random.default_rng(DATA_SEED), data.at
    sites = [
        (k + 1, k + 1, f"Site {k + 1}", float(p.lat[k]), float(p.lon[k]), float(p.x[k]),
         float(p.y[k]), False, False, now)
        for k in range(data.sites)
    ]  # fmt: skip
    users, subscriptions = [], []
    for u in range(1, data.users + 1):
        org = (u - 1) // USERS_PER_ORG + 1
        users.append(synthetic.user_row(u, org, u % USERS_PER_ORG == 1, now))
        circle = Circle(float(p.lon[org - 1]), float(p.lat[org - 1]), 50_000.0)
        subscriptions.append(
            (u, u, "Sågspån och bark i närheten", "circle", org, circle.lon, circle.lat,
             circle.radius_m, *circle.bbox(), "", "offer", "material", "bark sawdust", "", "",
             "daily", False, now, now)
        )  # fmt: skip
    streams = [s for s in synthetic.STREAMS if s.kind == "material"]
    listings = []
    for i in range(LISTINGS):
        org = data.orgs + 1 + i % SELLER_ORGS
        info = streams[i % len(streams)]
        code = info.codes[0] if info.codes else None
        label = CATEGORY_BY_KEY[info.category].label("sv")
        title = f"{label}, parti {i + 1}"
        description = "Torrt material från sågverket, lagras under tak."
        quantity = Decimal(int(rng.integers(5, 500)))
        k = org - 1
        listings.append(
            (i + 1, org, org, "offer", "material", info.category, code, *synthetic.code_flags(code),
             title, description, quantity, "t", "once", today + timedelta(days=60), quantity,
             "negotiable", "public", "published", float(p.lat[k]), float(p.lon[k]),
             float(p.x[k]), float(p.y[k]), cell_of(p.x[k], p.y[k]), "2080", "20",
             f"{title} {description}".casefold(), now, now, now)
        )  # fmt: skip
    distance = rng.uniform(1_000, 50_000, len(data.notes))
    estimated = rng.random(len(data.notes)) < 0.5
    notes = [
        (n + 1, u, listing_id, u, "daily", "pending", float(distance[n]),
         float(distance[n] / 100) if estimated[n] else None,
         float(distance[n] / 20) if estimated[n] else None, now)
        for n, (u, listing_id) in enumerate(data.notes)
    ]  # fmt: skip
    return {"sites": sites, "users": users, "subscriptions": subscriptions,
            "listings": listings, "notifications": notes}  # fmt: skip


def load(engine: Engine, data: Data, today: date) -> float:
    started = time.perf_counter()
    orgs = synthetic.organisation_rows(data.orgs + SELLER_ORGS, datetime.now(UTC))
    table = rows(data, today)
    with engine.begin() as conn:
        conn.execute(insert(EwcCode), synthetic.ewc_code_rows())
        conn.execute(insert(Organisation), orgs)
        databases.bulk_write(conn, Site, synthetic.SITE_COLUMNS, table["sites"])
        databases.bulk_write(conn, User, synthetic.USER_COLUMNS, table["users"])
        databases.bulk_write(conn, AlertSubscription, SUBSCRIPTION_COLUMNS, table["subscriptions"])
        databases.bulk_write(conn, Listing, synthetic.LISTING_COLUMNS, table["listings"])
        databases.bulk_write(conn, Notification, NOTIFICATION_COLUMNS, table["notifications"])
        databases.move_sequences(
            conn, ("users", "alert_subscriptions", "listings", "notifications")
        )
    databases.analyze(engine)
    return time.perf_counter() - started
