"""The listings of the matching benchmark: streams, directions, EWC codes, amounts,
transport distances, availability windows and statuses at population-weighted sites."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert
from support import databases, synthetic

from geo.grid import cell_of
from models import EwcCode, Listing, Organisation, Site

DATA_SEED, QUERY_SEED = 20_261_127, 8_150
LISTINGS_PER_SITE, SITES_PER_ORG = 4, 5  # so one organisation per 20 listings
PERMIT_SHARE = 0.1  # sites that may receive hazardous waste
MAX_KM, MAX_KM_P = (0, 50, 100, 200), (0.4, 0.2, 0.2, 0.2)  # 0: no maximum stated
STATUSES, STATUS_P = (
    ("published", "reserved", "closed", "draft", "expired"),
    (
        0.88,
        0.04,
        0.04,
        0.02,
        0.02,
    ),
)
FROM_SHARE, UNTIL_SHARE = 0.25, 0.3
KINDS = ("material", "energy")
UNITS = {"material": (("t", "m3", "kg"), (0.7, 0.2, 0.1)), "energy": (("MWh", "kW"), (0.9, 0.1))}
UNIT_CODES = {u: i for i, u in enumerate(("t", "m3", "kg", "MWh", "kW"))}
EWC_CODES = {code: i for i, code in enumerate(sorted(synthetic.EWC))}


# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sites(synthetic.Points):
    permit: synthetic.BoolArray  # may_receive_hazardous


@dataclass(frozen=True)
class Population:
    """N listings (listing id i + 1 at index i); listing i sits at site i // LISTINGS_PER_SITE."""

    sites: Sites
    offer: synthetic.BoolArray
    stream: synthetic.IntArray
    ewc: list[str | None]
    unit: list[str]
    quantity: list[Decimal]
    remaining: list[Decimal]
    density: list[Decimal | None]
    max_km: synthetic.IntArray  # 0: none
    start: synthetic.IntArray  # available_from as an ordinal, 0: none
    end: synthetic.IntArray  # available_until as an ordinal, 0: none
    status: list[str]

    @property
    def site(self) -> synthetic.IntArray:
        return np.arange(len(self.offer), dtype=np.int64) // LISTINGS_PER_SITE

    @property
    def org(self) -> synthetic.IntArray:
        return self.site // SITES_PER_ORG + 1


def make_sites(towns: synthetic.Towns, count: int) -> Sites:
    p = synthetic.Points.at(*synthetic.clustered_lonlat(towns, count, DATA_SEED + count))
    permit = np.random.default_rng(DATA_SEED + 1).random(count) < PERMIT_SHARE
    return Sites(p.lon, p.lat, p.x, p.y, permit)


def draw_amounts(
    rng: np.random.Generator, stream: synthetic.IntArray
) -> tuple[list[str], list[Decimal], list[Decimal], list[Decimal | None]]:
    """Unit, quantity, remaining quantity and (for some m³ listings) density."""
    units, quantities, remaining, densities = [], [], [], []
    size = np.round(rng.lognormal(4.0, 1.5, len(stream)), 3) + 0.001
    share = np.where(rng.random(len(stream)) < 0.8, 1.0, rng.random(len(stream)))
    density = np.round(rng.uniform(0.2, 1.5, len(stream)), 3)
    has_density = rng.random(len(stream)) < 0.7
    pick = rng.random(len(stream))
    for i, s in enumerate(stream.tolist()):
        choices, p = UNITS[synthetic.STREAMS[s].kind]
        unit = choices[int(np.searchsorted(np.cumsum(p), pick[i]))]
        quantity = Decimal(f"{size[i]:.3f}")
        units.append(unit)
        quantities.append(quantity)
        remaining.append(Decimal(f"{float(quantity) * share[i]:.3f}"))
        densities.append(Decimal(f"{density[i]:.3f}") if unit == "m3" and has_density[i] else None)
    return units, quantities, remaining, densities


def draw_terms(
    rng: np.random.Generator, n: int, today: date
) -> tuple[synthetic.IntArray, synthetic.IntArray, synthetic.IntArray, list[str]]:
    """Maximum transport distance, availability window and status."""
    max_km = rng.choice(np.array(MAX_KM, dtype=np.int64), size=n, p=MAX_KM_P)
    t = today.toordinal()
    start = np.where(rng.random(n) < FROM_SHARE, t + rng.integers(-90, 181, n), 0)
    end = np.where(start > 0, start, t) + rng.integers(-30, 366, n)
    end = np.where(start > 0, np.maximum(end, start + 7), end)
    end = np.where(rng.random(n) < UNTIL_SHARE, end, 0)
    status = [str(s) for s in rng.choice(STATUSES, size=n, p=STATUS_P)]
    return max_km.astype(np.int64), start.astype(np.int64), end.astype(np.int64), status


def make_population(towns: synthetic.Towns, n: int, today: date) -> Population:
    rng = np.random.default_rng(DATA_SEED + n)
    sites = make_sites(towns, -(-n // LISTINGS_PER_SITE))
    offer, stream = synthetic.draw_streams(rng, n)
    codes = synthetic.draw_codes(rng, offer, stream)
    units, quantities, remaining, densities = draw_amounts(rng, stream)
    max_km, start, end, status = draw_terms(rng, n, today)
    return Population(
        sites, offer, stream, codes, units, quantities, remaining, densities, max_km, start, end,
        status,
    )  # fmt: skip


# --- loading -------------------------------------------------------------------------------

LISTING_COLUMNS = (
    "id", "organisation_id", "site_id", "direction", "kind", "category", "ewc_code",
    "is_hazardous", "needs_assessment", "title", "description", "quantity", "unit",
    "density_t_per_m3", "recurrence", "available_from", "available_until", "remaining_quantity",
    "price_model", "max_distance_km", "visibility", "status", "lat", "lon", "x", "y", "cell",
    "search_text", "published_at", "created_at", "updated_at",
)  # fmt: skip


def from_ordinal(value: int) -> date | None:
    return date.fromordinal(value) if value else None


def listing_rows(pop: Population) -> Iterator[tuple[Any, ...]]:
    now = datetime.now(UTC).replace(microsecond=0)
    s, site, org = pop.sites, pop.site.tolist(), pop.org.tolist()
    for i, st in enumerate(pop.stream.tolist()):
        info, code, k = synthetic.STREAMS[st], pop.ewc[i], site[i]
        hazardous, mirror = synthetic.code_flags(code)
        direction = "offer" if pop.offer[i] else "want"
        title = f"{info.category.replace('_', ' ').capitalize()} {direction} {i + 1}"
        published = None if pop.status[i] == "draft" else now
        yield (
            i + 1, org[i], k + 1, direction, info.kind, info.category, code,
            hazardous, mirror, title,
            "Benchmark listing.", pop.quantity[i], pop.unit[i], pop.density[i], "once",
            from_ordinal(int(pop.start[i])), from_ordinal(int(pop.end[i])), pop.remaining[i],
            "negotiable", int(pop.max_km[i]) or None, "public", pop.status[i], float(s.lat[k]),
            float(s.lon[k]), float(s.x[k]), float(s.y[k]), cell_of(s.x[k], s.y[k]),
            f"{title} benchmark listing. {info.category}".casefold(), published, now, now,
        )  # fmt: skip


def site_rows(sites: Sites) -> Iterator[tuple[Any, ...]]:
    now = datetime.now(UTC)
    for k in range(len(sites.lon)):
        permit = bool(sites.permit[k])
        yield (
            k + 1, k // SITES_PER_ORG + 1, f"Site {k + 1}", float(sites.lat[k]),
            float(sites.lon[k]), float(sites.x[k]), float(sites.y[k]), permit, permit, now,
        )  # fmt: skip


def load(engine: Engine, pop: Population) -> float:
    """Codes, organisations, sites and listings, then ANALYZE; returns seconds taken."""
    started = time.perf_counter()
    orgs = synthetic.organisation_rows(-(-len(pop.sites.lon) // SITES_PER_ORG), datetime.now(UTC))
    with engine.begin() as conn:
        conn.execute(insert(EwcCode), synthetic.ewc_code_rows())
        conn.execute(insert(Organisation), orgs)
        databases.bulk_write(conn, Site, synthetic.SITE_COLUMNS, site_rows(pop.sites))
        databases.bulk_write(conn, Listing, LISTING_COLUMNS, listing_rows(pop))
    databases.analyze(engine)
    return time.perf_counter() - started
