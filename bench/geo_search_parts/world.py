"""The benchmark's market: clustered points, the firms and sites that own them, the listing rows
and their bulk load."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, insert
from support import databases, synthetic

from geo.grid import cell_of
from models import Listing, Organisation, Site

DATA_SEED = 20_260_101  # the same market every run


def ids_of(points: synthetic.Points) -> NDArray[np.int64]:
    """The listing with id i sits at index i - 1."""
    return np.arange(1, len(points.lon) + 1, dtype=np.int64)


def make_points(towns: synthetic.Towns, n: int) -> synthetic.Points:
    return synthetic.clustered_points(towns, n, DATA_SEED + n)


LISTING_COLUMNS = (
    "id", "organisation_id", "site_id", "direction", "kind", "category", "is_hazardous",
    "needs_assessment", "title", "description", "quantity", "unit", "recurrence",
    "available_until", "remaining_quantity", "price_model", "visibility", "status", "lat", "lon",
    "x", "y", "cell", "search_text", "published_at", "created_at", "updated_at",
)  # fmt: skip
CATEGORIES = (("sawdust", "Sawdust lot"), ("bark", "Bark lot"), ("wood_offcuts", "Off-cuts lot"))


def listing_rows(points: synthetic.Points, sites: int) -> Iterator[tuple[Any, ...]]:
    """One published, open-ended listing per point, in `LISTING_COLUMNS` order."""
    now = datetime.now(UTC).replace(microsecond=0)
    rng = np.random.default_rng(DATA_SEED)
    ages = rng.integers(0, 90 * 24 * 3600, size=len(points.lon))
    quantity = Decimal("100.000")
    for i in range(len(points.lon)):
        category, label = CATEGORIES[i % len(CATEGORIES)]
        title = f"{label} {i + 1}"
        description = "Dry material from the mill, stored under roof."
        published = now - timedelta(seconds=int(ages[i]))
        yield (
            i + 1, 1, 1 + i % sites, ("offer", "want")[i % 2], "material", category, False,
            False, title, description, quantity, "t", "once", None, quantity, "negotiable",
            "public", "published", float(points.lat[i]), float(points.lon[i]),
            float(points.x[i]), float(points.y[i]), cell_of(points.x[i], points.y[i]),
            f"{title} {description}".casefold(),
            published, published, published,
        )  # fmt: skip


def owner_rows(points: synthetic.Points, sites: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One organisation and `sites` sites at the first generated points."""
    now = datetime.now(UTC)
    org = {"id": 1, "name": "Bänkbolaget AB", "org_number": "556000-0001", "created_at": now}
    site_rows = [
        {
            "id": s + 1,
            "organisation_id": 1,
            "name": f"Site {s + 1}",
            "lat": points.lat[s],
            "lon": points.lon[s],
            "x": points.x[s],
            "y": points.y[s],
            "may_receive_hazardous": False,
            "has_waste_permit": False,
            "created_at": now,
        }
        for s in range(sites)
    ]
    return org, site_rows


# --- databases -----------------------------------------------------------------------------


def copy_listings(conn: Connection, points: synthetic.Points, sites: int) -> None:
    raw = conn.connection.driver_connection
    assert raw is not None
    statement = f"COPY listings ({', '.join(LISTING_COLUMNS)}) FROM STDIN"
    with raw.cursor() as cur, cur.copy(statement) as copy:
        for row in listing_rows(points, sites):
            copy.write_row(row)


def insert_listings(conn: Connection, points: synthetic.Points, sites: int) -> None:
    rows = (dict(zip(LISTING_COLUMNS, row, strict=True)) for row in listing_rows(points, sites))
    databases.insert_dicts(conn, Listing, rows)


def load(engine: Engine, points: synthetic.Points, sites: int = 8) -> float:
    """Insert the owner and one listing per point, then ANALYZE; returns seconds taken."""
    started = time.perf_counter()
    org, site_rows = owner_rows(points, sites)
    with engine.begin() as conn:
        conn.execute(insert(Organisation), [org])
        conn.execute(insert(Site), site_rows)
        if engine.dialect.name == "postgresql":
            copy_listings(conn, points, sites)
        else:
            insert_listings(conn, points, sites)
    databases.analyze(engine)
    return time.perf_counter() - started


# --- queries and brute force ---------------------------------------------------------------
