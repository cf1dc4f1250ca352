"""Radius search benchmark: first page (50 nearest) of `search_listings` on 10k/100k listings.

Listings are clustered like the region's population (SCB tätorter 2020). For every query the
result is checked against a brute-force geodesic search over the generated points, and where
PostGIS is available the same data is searched with `ST_DWithin` + `<->` ordering as a baseline
measured in the same run. Usage: see bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from geo_search_parts.world import ids_of, load, make_points
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from support import cli, clock, databases, reporting, synthetic
from support.clock import pct
from support.reporting import fmt, table_row

from geo.areas import Circle
from geo.crs import to_sweref_arrays
from marketplace.services.listings.search import ListingFilters, search_listings
from models.base import swedish_today

SECTION, TITLE = "geo_search", "## Radius search (`bench/geo_search.py`)"  # what --write replaces
RADII_KM = (5, 10, 25, 50)
PER_PAGE = 50
WARMUP = 5
QUERY_SEED = 4_711
TARGET_P95_MS = {5: 5.0, 10: 5.0, 50: 20.0}  # QUALITY.md; 25 km has no target of its own
MAX_RATIO = 2.0

PAGE_SQL = text(
    "SELECT id FROM listings WHERE status = 'published'"
    " AND ST_DWithin(geom, ST_SetSRID(ST_MakePoint(:x, :y), 3006), :r)"
    " ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:x, :y), 3006), id LIMIT 50"
)
COUNT_SQL = text(
    "SELECT count(*) FROM listings WHERE status = 'published'"
    " AND ST_DWithin(geom, ST_SetSRID(ST_MakePoint(:x, :y), 3006), :r)"
)


# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    first: tuple[int, ...]
    total: int


def brute_force(points: synthetic.Points, lon: float, lat: float) -> dict[int, Expected]:
    """Exact answers for every radius: ids within r by (geodesic distance, id), and the count."""
    n = len(points.lon)
    _, _, dist = synthetic.GEOD.inv(np.full(n, lon), np.full(n, lat), points.lon, points.lat)
    dist = np.asarray(dist, dtype=np.float64)
    ids = ids_of(points)
    order = np.lexsort((ids, dist))
    sorted_dist = dist[order]
    answers = {}
    for radius_km in RADII_KM:
        total = int(np.searchsorted(sorted_dist, radius_km * 1000.0, side="right"))
        first = tuple(int(i) for i in ids[order[: min(total, PER_PAGE)]])
        answers[radius_km] = Expected(first, total)
    return answers


def query_centres(towns: synthetic.Towns, count: int) -> list[tuple[float, float]]:
    lon, lat = synthetic.clustered_lonlat(towns, count, QUERY_SEED)
    return [(float(a), float(b)) for a, b in zip(lon, lat, strict=True)]


@dataclass
class Checks:
    queries: int = 0
    mismatches: list[str] = field(default_factory=list)
    postgis_queries: int = 0
    postgis_first_differs: int = 0  # planar PostGIS vs geodesic-exact brute force
    postgis_total_differs: int = 0


def time_service(
    engine: Engine, centres: list[tuple[float, float]], expected: list[dict[int, Expected]]
) -> tuple[dict[int, list[float]], Checks]:
    checks, timings, today = Checks(), {}, swedish_today()
    with Session(engine) as session:
        for radius_km in RADII_KM:
            circles = [Circle(lon, lat, radius_km * 1000.0) for lon, lat in centres]

            def call(i: int, circles: list[Circle] = circles) -> Expected:
                filters = ListingFilters(near=circles[i])
                page = search_listings(session, filters, today=today, page=1, per_page=PER_PAGE)
                # Keep only ids: no Listing stays referenced, so the session's (weak) identity
                # map starts empty for every query, as in a request's fresh session.
                return Expected(tuple(item.id for item in page.items), page.total)

            timings[radius_km], answers = clock.time_calls(call, len(centres), WARMUP)
            for i, got in enumerate(answers):
                checks.queries += 1
                if got != expected[i][radius_km]:
                    checks.mismatches.append(f"{engine.dialect.name} r={radius_km} q={i}")
    return timings, checks


def enable_postgis(engine: Engine) -> str | None:
    """PostGIS version after adding `geom` with a GiST index, or None when unavailable."""
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            version = conn.scalar(text("SELECT postgis_lib_version()"))
            conn.execute(text("ALTER TABLE listings ADD COLUMN geom geometry(Point, 3006)"))
            conn.execute(text("UPDATE listings SET geom = ST_SetSRID(ST_MakePoint(x, y), 3006)"))
            conn.execute(text("CREATE INDEX ix_listings_geom ON listings USING gist (geom)"))
    except Exception as exc:
        print(f"PostGIS not available: {str(exc).splitlines()[0]}")
        return None
    databases.analyze(engine)
    return str(version)


def time_postgis(
    engine: Engine, centres: list[tuple[float, float]], expected: list[dict[int, Expected]]
) -> tuple[dict[int, list[float]], Checks]:
    """First page + total with ST_DWithin and KNN order (planar SWEREF 99 TM distances)."""
    checks, timings = Checks(), {}
    x, y = to_sweref_arrays([c[0] for c in centres], [c[1] for c in centres])
    with engine.connect() as conn:
        for radius_km in RADII_KM:

            def call(i: int, r: float = radius_km * 1000.0) -> Expected:
                params = {"x": float(x[i]), "y": float(y[i]), "r": r}
                ids = tuple(conn.execute(PAGE_SQL, params).scalars())
                return Expected(ids, int(conn.execute(COUNT_SQL, params).scalar_one()))

            timings[radius_km], results = clock.time_calls(call, len(centres), WARMUP)
            wanted = [expected[i][radius_km] for i in range(len(results))]
            checks.postgis_queries += len(results)
            checks.postgis_first_differs += sum(
                a.first != b.first for a, b in zip(results, wanted, strict=True)
            )
            checks.postgis_total_differs += sum(
                a.total != b.total for a, b in zip(results, wanted, strict=True)
            )
    return timings, checks


# --- orchestration -------------------------------------------------------------------------


@dataclass
class Results:
    service: dict[tuple[str, int, int], list[float]] = field(default_factory=dict)
    postgis: dict[tuple[int, int], list[float]] = field(default_factory=dict)
    load_s: dict[tuple[str, int], float] = field(default_factory=dict)
    checks: Checks = field(default_factory=Checks)
    machine: reporting.Machine = field(default_factory=reporting.Machine)


def merge(into: Checks, other: Checks) -> None:
    into.queries += other.queries
    into.mismatches += other.mismatches
    into.postgis_queries += other.postgis_queries
    into.postgis_first_differs += other.postgis_first_differs
    into.postgis_total_differs += other.postgis_total_differs


def run_backend(
    backend: str,
    args: argparse.Namespace,
    points: synthetic.Points,
    plan: QueryPlan,
    results: Results,
) -> None:
    n = len(points.lon)
    with databases.migrated(backend, args.pg_url, results.machine.versions) as db:
        engine = db.engine
        results.load_s[(backend, n)] = seconds = load(engine, points)
        print(f"  {backend}: loaded {n:,} listings in {seconds:.1f} s")
        timings, checks = time_service(engine, plan.centres, plan.expected)
        merge(results.checks, checks)
        for radius_km, ms in timings.items():
            results.service[(backend, n, radius_km)] = ms
        if backend == "postgresql":
            run_postgis(engine, n, plan, results)


def run_postgis(engine: Engine, n: int, plan: QueryPlan, results: Results) -> None:
    version = enable_postgis(engine)
    if version is None:
        results.machine.versions["PostGIS"] = "not available"
        return
    results.machine.versions["PostGIS"] = version
    timings, checks = time_postgis(engine, plan.centres, plan.expected)
    merge(results.checks, checks)
    for radius_km, ms in timings.items():
        results.postgis[(n, radius_km)] = ms


@dataclass(frozen=True)
class QueryPlan:
    centres: list[tuple[float, float]]
    expected: list[dict[int, Expected]]


def plan_queries(towns: synthetic.Towns, points: synthetic.Points, count: int) -> QueryPlan:
    started = time.perf_counter()
    centres = query_centres(towns, count)
    expected = [brute_force(points, lon, lat) for lon, lat in centres]
    print(f"  brute force for {count} centres: {time.perf_counter() - started:.1f} s")
    return QueryPlan(centres, expected)


def run(args: argparse.Namespace) -> Results:
    towns, results = synthetic.load_towns(), Results()
    for n in args.sizes:
        print(f"N = {n:,}")
        points = make_points(towns, n)
        plan = plan_queries(towns, points, args.queries)
        for backend in args.backends:
            run_backend(backend, args, points, plan, results)
    return results


# --- report --------------------------------------------------------------------------------


def service_row(results: Results, key: tuple[str, int, int]) -> str:
    backend, n, radius_km = key
    ms = results.service[key]
    p50, p95 = pct(ms, 50), pct(ms, 95)
    target = TARGET_P95_MS.get(radius_km)
    base = results.postgis.get((n, radius_km))
    g50, g95 = (pct(base, 50), pct(base, 95)) if base else (None, None)
    r50 = p50 / g50 if g50 else None
    r95 = p95 / g95 if g95 else None
    cells = [backend, f"{n:,}", str(radius_km), fmt(p50), fmt(p95)]
    cells += reporting.target_cells(p95, target)
    cells += [fmt(g50), fmt(g95), fmt(r50), fmt(r95), reporting.verdict(r95, MAX_RATIO)]
    return table_row(cells)


def table(results: Results) -> list[str]:
    header = [
        "| backend | N | r km | p50 ms | p95 ms | target p95 ms | met | PostGIS p50 ms "
        "| PostGIS p95 ms | ratio p50 | ratio p95 | ratio p95 ≤ 2 |",
        "|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|---|",
    ]
    return header + [service_row(results, key) for key in results.service]


def report(results: Results, args: argparse.Namespace, command: str) -> list[str]:
    checks = results.checks
    lines = [
        *reporting.machine_lines(results.machine),
        f"- sizes: {', '.join(f'{n:,}' for n in args.sizes)} listings; {args.queries} query "
        f"centres per radius (+{WARMUP} warm-up), first page of {PER_PAGE}, same centres "
        "for every backend and for PostGIS",
        "",
        *table(results),
        "",
        f"- verified against brute force: {checks.queries} queries, "
        f"{len(checks.mismatches)} mismatches",
    ]
    lines += postgis_notes(results)
    loads = reporting.loads_text(results.load_s)
    lines += [f"- load (insert + ANALYZE): {loads}", f"- command: `{command}`"]
    return lines


def postgis_notes(results: Results) -> list[str]:
    checks, version = results.checks, results.machine.versions.get("PostGIS")
    if not results.postgis:
        return ["- PostGIS not available: no baseline, no ratios"]
    return [
        f"- PostGIS {version}: `ST_DWithin` + `ORDER BY geom <-> p, id "
        'LIMIT 50` plus `count(*)`, timed together as one "first page + total", on a '
        "`geometry(Point, 3006)` column with a GiST index. PostGIS uses planar SWEREF 99 TM "
        "distances, ours are geodesic-exact (GRS80): of its "
        f"{checks.postgis_queries} answers, {checks.postgis_first_differs} had a different "
        f"first page and {checks.postgis_total_differs} a different total (points within tens "
        "of metres of the rim) than the geodesic brute force.",
        "- ratio = ours / PostGIS in the same run (p50 and p95), target ≤ 2; the SQLite rows "
        "are compared with the same PostGIS figures (same data and centres, PostgreSQL).",
    ]


# --- CLI -----------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = cli.parser_for(__doc__, [10_000, 100_000], queries=(200, "query centres per radius"))
    cli.backend_arguments(parser, "postgresql://postgres@127.0.0.1:5432/bench_geo")
    parser.add_argument("--write", type=Path, help="replace the geo_search section of this file")
    return cli.parse_checked(parser, argv)


def notes(results: Results) -> cli.Notes:
    return cli.flagged("MISMATCH", results.checks.mismatches, 20)


if __name__ == "__main__":
    sys.exit(cli.main(sys.modules[__name__]))
