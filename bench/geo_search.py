"""Radius search benchmark: first page (50 nearest) of `search_listings` on 10k/100k listings.

Listings are clustered like the region's population (SCB tätorter 2020). For every query the
result is checked against a brute-force geodesic search over the generated points, and where
PostGIS is available the same data is searched with `ST_DWithin` + `<->` ordering as a baseline
measured in the same run. Usage: see bench/README.md.
"""

# ruff: noqa: E402  (the project root goes onto sys.path before the project imports)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse
import csv
import gc
import hashlib
import os
import platform
import re
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from alembic import command
from alembic.config import Config
from numpy.typing import NDArray
from pyproj import Geod
from sqlalchemy import Connection, Engine, insert, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from geo.areas import Circle
from geo.crs import to_sweref_arrays
from geo.grid import cell_of
from marketplace.config import Settings
from marketplace.services.listings.search import ListingFilters, search_listings
from models import Listing, Organisation, Site
from models.base import swedish_today
from models.engine import make_engine

TATORTER_CSV = ROOT.parent / "shared" / "data" / "norra_mellansverige_tatorter_2020.csv"
RADII_KM = (5, 10, 25, 50)
PER_PAGE = 50
WARMUP = 5
DATA_SEED, QUERY_SEED = 20_260_101, 4_711
BASE_SPREAD_M, SPREAD_PER_SQRT_INHABITANT_M, MAX_SPREAD_M = 3_000.0, 20.0, 40_000.0
TARGET_P95_MS = {5: 5.0, 10: 5.0, 50: 20.0}  # QUALITY.md; 25 km has no target of its own
MAX_RATIO = 2.0
GEOD = Geod(ellps="GRS80")
FloatArray = NDArray[np.float64]

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
class Points:
    """Generated locations; the listing with id i sits at index i - 1."""

    lon: FloatArray
    lat: FloatArray
    x: FloatArray
    y: FloatArray

    @property
    def ids(self) -> NDArray[np.int64]:
        return np.arange(1, len(self.lon) + 1, dtype=np.int64)


@dataclass(frozen=True)
class Towns:
    lon: FloatArray
    lat: FloatArray
    population: FloatArray


def load_towns(path: Path = TATORTER_CSV) -> Towns:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return Towns(
        lon=np.array([float(r["lon"]) for r in rows]),
        lat=np.array([float(r["lat"]) for r in rows]),
        population=np.array([float(r["befolkning_2020"]) for r in rows]),
    )


def clustered_lonlat(towns: Towns, n: int, seed: int) -> tuple[FloatArray, FloatArray]:
    """A town with probability ∝ population, then a random bearing and exponential distance."""
    rng = np.random.default_rng(seed)
    town = rng.choice(len(towns.population), size=n, p=towns.population / towns.population.sum())
    mean_m = BASE_SPREAD_M + SPREAD_PER_SQRT_INHABITANT_M * np.sqrt(towns.population[town])
    dist_m = np.minimum(rng.exponential(mean_m), MAX_SPREAD_M)
    bearing = rng.uniform(0.0, 360.0, size=n)
    lon, lat, _ = GEOD.fwd(towns.lon[town], towns.lat[town], bearing, dist_m)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def make_points(towns: Towns, n: int) -> Points:
    lon, lat = clustered_lonlat(towns, n, DATA_SEED + n)
    x, y = to_sweref_arrays(lon, lat)
    return Points(lon, lat, np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))


LISTING_COLUMNS = (
    "id", "organisation_id", "site_id", "direction", "kind", "category", "is_hazardous",
    "needs_assessment", "title", "description", "quantity", "unit", "recurrence",
    "available_until", "remaining_quantity", "price_model", "visibility", "status", "lat", "lon",
    "x", "y", "cell", "search_text", "published_at", "created_at", "updated_at",
)  # fmt: skip
CATEGORIES = (("sawdust", "Sawdust lot"), ("bark", "Bark lot"), ("wood_offcuts", "Off-cuts lot"))


def listing_rows(points: Points, sites: int) -> Iterator[tuple[Any, ...]]:
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


def owner_rows(points: Points, sites: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
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


def migrate(engine: Engine) -> None:
    with engine.begin() as conn:
        config = Config(str(ROOT / "alembic.ini"))
        config.attributes["connection"] = conn
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")


@contextmanager
def sqlite_database() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="bench_geo_") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_database(url: str) -> Iterator[Engine]:
    """A fresh database named by `url`, created and dropped via the `postgres` database."""
    target = make_url(Settings(database_url=url).sqlalchemy_url)
    name = target.database or ""
    if name == "test" or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"refusing to use database {name!r}: give a dedicated bench database")
    admin = make_engine(
        target.set(database="postgres").render_as_string(False), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        raise SystemExit(f"PostgreSQL not reachable ({exc.orig}); try --backends sqlite") from exc
    engine = make_engine(target.render_as_string(False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def copy_listings(conn: Connection, points: Points, sites: int) -> None:
    raw = conn.connection.driver_connection
    assert raw is not None
    statement = f"COPY listings ({', '.join(LISTING_COLUMNS)}) FROM STDIN"
    with raw.cursor() as cur, cur.copy(statement) as copy:
        for row in listing_rows(points, sites):
            copy.write_row(row)


def insert_listings(conn: Connection, points: Points, sites: int, chunk: int = 5_000) -> None:
    batch: list[dict[str, Any]] = []
    for row in listing_rows(points, sites):
        batch.append(dict(zip(LISTING_COLUMNS, row, strict=True)))
        if len(batch) == chunk:
            conn.execute(insert(Listing), batch)
            batch = []
    if batch:
        conn.execute(insert(Listing), batch)


def load(engine: Engine, points: Points, sites: int = 8) -> float:
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
    analyze(engine)
    return time.perf_counter() - started


def analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


# --- queries and brute force ---------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    first: tuple[int, ...]
    total: int


def brute_force(points: Points, lon: float, lat: float) -> dict[int, Expected]:
    """Exact answers for every radius: ids within r by (geodesic distance, id), and the count."""
    n = len(points.lon)
    _, _, dist = GEOD.inv(np.full(n, lon), np.full(n, lat), points.lon, points.lat)
    dist = np.asarray(dist, dtype=np.float64)
    order = np.lexsort((points.ids, dist))
    sorted_dist = dist[order]
    answers = {}
    for radius_km in RADII_KM:
        total = int(np.searchsorted(sorted_dist, radius_km * 1000.0, side="right"))
        first = tuple(int(i) for i in points.ids[order[: min(total, PER_PAGE)]])
        answers[radius_km] = Expected(first, total)
    return answers


def query_centres(towns: Towns, count: int) -> list[tuple[float, float]]:
    lon, lat = clustered_lonlat(towns, count, QUERY_SEED)
    return [(float(a), float(b)) for a, b in zip(lon, lat, strict=True)]


@dataclass
class Checks:
    queries: int = 0
    mismatches: list[str] = field(default_factory=list)
    postgis_queries: int = 0
    postgis_first_differs: int = 0  # planar PostGIS vs geodesic-exact brute force
    postgis_total_differs: int = 0


def time_calls(call: Callable[[int], Any], count: int) -> tuple[list[float], list[Any]]:
    """Milliseconds per call of `call(i)` for i in range(count), after a short warm-up."""
    for i in range(min(WARMUP, count)):
        call(i)
    gc.collect()
    timings, results = [], []
    for i in range(count):
        started = time.perf_counter()
        result = call(i)
        timings.append((time.perf_counter() - started) * 1000.0)
        results.append(result)
    return timings, results


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

            timings[radius_km], answers = time_calls(call, len(centres))
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
    analyze(engine)
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

            timings[radius_km], results = time_calls(call, len(centres))
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
    versions: dict[str, str] = field(default_factory=dict)
    load_average: tuple[float, float, float] = field(default_factory=os.getloadavg)


def merge(into: Checks, other: Checks) -> None:
    into.queries += other.queries
    into.mismatches += other.mismatches
    into.postgis_queries += other.postgis_queries
    into.postgis_first_differs += other.postgis_first_differs
    into.postgis_total_differs += other.postgis_total_differs


def run_backend(
    backend: str, args: argparse.Namespace, points: Points, plan: QueryPlan, results: Results
) -> None:
    n = len(points.lon)
    databases = {"sqlite": sqlite_database, "postgresql": lambda: postgres_database(args.pg_url)}
    with databases[backend]() as engine:
        migrate(engine)
        results.load_s[(backend, n)] = load(engine, points)
        if backend == "postgresql":
            with engine.connect() as conn:
                results.versions["PostgreSQL"] = str(conn.scalar(text("SHOW server_version")))
        print(f"  {backend}: loaded {n:,} listings in {results.load_s[(backend, n)]:.1f} s")
        timings, checks = time_service(engine, plan.centres, plan.expected)
        merge(results.checks, checks)
        for radius_km, ms in timings.items():
            results.service[(backend, n, radius_km)] = ms
        if backend == "postgresql":
            run_postgis(engine, n, plan, results)


def run_postgis(engine: Engine, n: int, plan: QueryPlan, results: Results) -> None:
    version = enable_postgis(engine)
    if version is None:
        results.versions["PostGIS"] = "not available"
        return
    results.versions["PostGIS"] = version
    timings, checks = time_postgis(engine, plan.centres, plan.expected)
    merge(results.checks, checks)
    for radius_km, ms in timings.items():
        results.postgis[(n, radius_km)] = ms


@dataclass(frozen=True)
class QueryPlan:
    centres: list[tuple[float, float]]
    expected: list[dict[int, Expected]]


def plan_queries(towns: Towns, points: Points, count: int) -> QueryPlan:
    started = time.perf_counter()
    centres = query_centres(towns, count)
    expected = [brute_force(points, lon, lat) for lon, lat in centres]
    print(f"  brute force for {count} centres: {time.perf_counter() - started:.1f} s")
    return QueryPlan(centres, expected)


def run(args: argparse.Namespace) -> Results:
    towns, results = load_towns(), Results()
    for n in args.sizes:
        print(f"N = {n:,}")
        points = make_points(towns, n)
        plan = plan_queries(towns, points, args.queries)
        for backend in args.backends:
            run_backend(backend, args, points, plan, results)
    return results


# --- report --------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def verdict(value: float | None, limit: float | None) -> str:
    if value is None or limit is None:
        return "–"
    return "yes" if value <= limit else "**no**"


def table_row(results: Results, key: tuple[str, int, int]) -> str:
    backend, n, radius_km = key
    ms = results.service[key]
    p50, p95 = pct(ms, 50), pct(ms, 95)
    target = TARGET_P95_MS.get(radius_km)
    base = results.postgis.get((n, radius_km))
    g50, g95 = (pct(base, 50), pct(base, 95)) if base else (None, None)
    r50 = p50 / g50 if g50 else None
    r95 = p95 / g95 if g95 else None
    cells = [backend, f"{n:,}", str(radius_km), fmt(p50), fmt(p95)]
    cells += [f"≤ {target:g}" if target else "–", verdict(p95, target)]
    cells += [fmt(g50), fmt(g95), fmt(r50), fmt(r95), verdict(r95, MAX_RATIO)]
    return "| " + " | ".join(cells) + " |"


def table(results: Results) -> list[str]:
    header = [
        "| backend | N | r km | p50 ms | p95 ms | target p95 ms | met | PostGIS p50 ms "
        "| PostGIS p95 ms | ratio p50 | ratio p95 | ratio p95 ≤ 2 |",
        "|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|---|",
    ]
    return header + [table_row(results, key) for key in results.service]


def machine_lines(results: Results) -> list[str]:
    cpu = "unknown"
    with Path("/proc/cpuinfo").open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {"Python": platform.python_version(), "SQLite": sqlite3.sqlite_version}
    versions.update(results.versions)
    soft = ", ".join(f"{k} {v}" for k, v in versions.items())
    load = ", ".join(f"{v:.2f}" for v in results.load_average)
    return [
        f"- machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()}; {soft}",
        f"- load average at start (1, 5, 15 min): {load}",
    ]


def report(results: Results, args: argparse.Namespace, command_line: str) -> list[str]:
    checks = results.checks
    lines = [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        *machine_lines(results),
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
    loads = ", ".join(f"{b} {n:,}: {s:.1f} s" for (b, n), s in results.load_s.items())
    lines += [f"- load (insert + ANALYZE): {loads}", f"- command: `{command_line}`"]
    return lines


def postgis_notes(results: Results) -> list[str]:
    checks = results.checks
    if not results.postgis:
        return ["- PostGIS not available: no baseline, no ratios"]
    return [
        f"- PostGIS {results.versions.get('PostGIS')}: `ST_DWithin` + `ORDER BY geom <-> p, id "
        'LIMIT 50` plus `count(*)`, timed together as one "first page + total", on a '
        "`geometry(Point, 3006)` column with a GiST index. PostGIS uses planar SWEREF 99 TM "
        "distances, ours are geodesic-exact (GRS80): of its "
        f"{checks.postgis_queries} answers, {checks.postgis_first_differs} had a different "
        f"first page and {checks.postgis_total_differs} a different total (points within tens "
        "of metres of the rim) than the geodesic brute force.",
        "- ratio = ours / PostGIS in the same run (p50 and p95), target ≤ 2; the SQLite rows "
        "are compared with the same PostGIS figures (same data and centres, PostgreSQL).",
    ]


# --- docs and CLI --------------------------------------------------------------------------

DOC_HEADER = """# Performance

All figures below come from the scripts in `bench/`, run on this project's 2-core machine.
Targets are those of QUALITY.md. Every comparison is a ratio against a baseline measured in the
same run (same process, same data), so figures from different runs are never compared.
"""


def finish(
    args: argparse.Namespace, lines: list[str], notes: list[str], *, failed: bool, name: str,
    title: str,
) -> int:  # fmt: skip
    """The end of every bench script's main(): print the report and its problems, write the
    section of docs/performance.md when asked (`--write`); the exit code says whether a check
    failed."""
    print("\n" + "\n".join(lines))
    for note in notes:
        print(note)
    if args.write:
        write_section(args.write, name, title, lines)
        print(f"wrote {args.write}")
    return 1 if failed else 0


def write_section(path: Path, name: str, title: str, lines: list[str]) -> None:
    """Replace the `<!-- name:start -->` … `<!-- name:end -->` section of `path` (every bench
    script writes its own), or append it after everything else."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = "\n".join([start, title, "", *lines, end])
    old = path.read_text(encoding="utf-8") if path.exists() else DOC_HEADER
    if start in old and end in old:
        head, rest = old.split(start, 1)
        new = head + section + rest.split(end, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")


def code_digest(*modules: Any) -> str:
    """Which version of the code is measured: the first 12 hex digits of its files' sha256."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:12]


def str_list(raw: str) -> list[str]:
    return [v.strip() for v in raw.split(",") if v.strip()]


def int_list(raw: str) -> list[int]:
    return [int(v) for v in str_list(raw)]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int_list, default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200, help="query centres per radius")
    parser.add_argument("--backends", type=str_list, default=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/bench_geo")
    parser.add_argument("--write", type=Path, help="replace the geo_search section of this file")
    args = parser.parse_args(argv)
    unknown = set(args.backends) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    results = run(args)
    lines = report(results, args, " ".join([".venv/bin/python bench/geo_search.py", *argv]))
    mismatches = results.checks.mismatches
    return finish(args, lines, [f"MISMATCH {m}" for m in mismatches[:20]], failed=bool(mismatches),
                  name="geo_search", title="## Radius search (`bench/geo_search.py`)")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
