"""Matching benchmark: ranked matches (`find_matches`) for one listing against 10k/100k listings.

Counterpart listings sit at sites clustered like the region's population (SCB tätorter 2020, via
bench/support/data.py) with a realistic mix of streams, directions, EWC codes, transport distances,
availability windows, statuses and hazardous offers. Every answer is checked against a brute-force
implementation of the same rules over all listings held in memory (numpy; geodesic distances
with pyproj on GRS80), which is also the timing baseline measured in the same run.
Usage: see bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session
from support import cli, clock, databases, reporting, synthetic
from support.clock import pct
from support.reporting import fmt

from geo.grid import cell_of
from marketplace.services.matching import candidates
from marketplace.services.matching.candidates import (
    DEFAULT_RADIUS_KM,
    compatible_categories,
    find_matches,
    supplying_categories,
)
from models import EwcCode, Listing, Organisation, Site
from models.taxonomy import tonnes

TARGET_P95_MS = 25.0  # QUALITY.md: ranked matches for one listing against 100k listings
SECTION, TITLE = "matching", "## Ranked matches (`bench/matching.py`)"  # what --write replaces
LIMIT = 50
WARMUP = 5
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
# Material points of marketplace/services/matching.py (`_material_reason`): same EWC code, same
# category, a compatible category. The brute force restates the service's rules on purpose, so a
# change of the rules shows up here as mismatches until this copy is updated too.
POINTS = {"code": 40.0, "category": 35.0, "compatible": 15.0}
OPEN_END = date.max.toordinal()


def service_digest() -> str:
    return reporting.code_digest(candidates)


SERVICE_DIGEST = service_digest()  # as imported; compared again when the report is written

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


# --- brute force ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """Everything the matching rules read, one array entry per listing (index = id - 1)."""

    ids: synthetic.IntArray
    lon: synthetic.FloatArray
    lat: synthetic.FloatArray
    org: synthetic.IntArray
    offer: synthetic.BoolArray
    kind: synthetic.IntArray
    cat: synthetic.IntArray
    ewc: synthetic.IntArray  # index into EWC_CODES, -1: none
    hazardous: synthetic.BoolArray
    permit: synthetic.BoolArray  # the listing's site may receive hazardous waste
    max_km: synthetic.FloatArray  # 0: none
    start: synthetic.IntArray  # ordinal, 0: none
    end: synthetic.IntArray  # ordinal, OPEN_END: none
    live: synthetic.BoolArray
    amount: (
        synthetic.FloatArray
    )  # tonnes where the unit converts, else the quantity (remaining first)
    massy: (
        synthetic.BoolArray
    )  # the amount is in tonnes (the unit converts with the listing's density)
    unit: synthetic.IntArray


def amounts(pop: Population) -> tuple[synthetic.FloatArray, synthetic.BoolArray]:
    values, massy = [], []
    for unit, remaining, density in zip(pop.unit, pop.remaining, pop.density, strict=True):
        quantity = float(remaining)
        mass = tonnes(quantity, unit, float(density) if density else None)
        values.append(mass if mass is not None else quantity)
        massy.append(mass is not None)  # converted to tonnes with its own density
    return np.array(values, dtype=np.float64), np.array(massy, dtype=bool)


def build_model(pop: Population, today: date) -> Model:
    site, end = pop.site, np.where(pop.end > 0, pop.end, OPEN_END)
    amount, massy = amounts(pop)
    published = np.array([s == "published" for s in pop.status])
    return Model(
        ids=np.arange(1, len(pop.offer) + 1, dtype=np.int64),
        lon=pop.sites.lon[site], lat=pop.sites.lat[site], org=pop.org, offer=pop.offer,
        kind=np.array([KINDS.index(synthetic.STREAMS[s].kind) for s in pop.stream.tolist()]),
        cat=pop.stream, ewc=np.array([EWC_CODES[c] if c else -1 for c in pop.ewc]),
        hazardous=np.array([bool(c and synthetic.EWC[c].hazardous) for c in pop.ewc]),
        permit=pop.sites.permit[site], max_km=pop.max_km.astype(np.float64), start=pop.start,
        end=end, live=published & (end >= today.toordinal()), amount=amount, massy=massy,
        unit=np.array([UNIT_CODES[u] for u in pop.unit]),
    )  # fmt: skip


@dataclass(frozen=True)
class Answer:
    ids: tuple[int, ...]
    scores: tuple[float, ...]
    distances_km: tuple[float, ...]
    total: int = 0  # all matches before the limit (brute force only)


def prefilter(m: Model, q: int) -> synthetic.IntArray:
    """Live counterparts: opposite direction, same kind, material fit, another firm."""
    fits = compatible_categories if m.offer[q] else supplying_categories
    cats = [
        synthetic.STREAM_INDEX[c]
        for c in fits(synthetic.STREAMS[int(m.cat[q])].category)
        if c in synthetic.STREAM_INDEX
    ]
    material = np.isin(m.cat, cats)
    if m.ewc[q] >= 0:
        material |= m.ewc == m.ewc[q]
    mask = m.live & (m.offer != m.offer[q]) & (m.kind == m.kind[q]) & (m.org != m.org[q])
    return np.flatnonzero(mask & material)


def pair_radius(own: float, others: synthetic.FloatArray) -> synthetic.FloatArray:
    """The smaller of both stated maxima, or DEFAULT_RADIUS_KM when neither states one."""
    radius = np.where(others > 0, others, np.inf)
    if own > 0:
        radius = np.minimum(radius, own)
    return np.where(np.isinf(radius), DEFAULT_RADIUS_KM, radius)


def raw_scores(
    m: Model,
    q: int,
    offer: synthetic.IntArray,
    want: synthetic.IntArray,
    km: synthetic.FloatArray,
    radius: synthetic.FloatArray,
    today: int,
) -> synthetic.FloatArray:
    """Distance + material + quantity + timing points, summed in the service's order."""
    distance = 30 * np.maximum(0.0, 1 - km / radius)
    same_code = (m.ewc[offer] >= 0) & (m.ewc[offer] == m.ewc[want])
    same_category = m.cat[offer] == m.cat[want]
    material = np.where(same_code, POINTS["code"], np.where(same_category, POINTS["category"],
                                                            POINTS["compatible"]))  # fmt: skip
    # Quantity: the share of the viewed listing's amount the other side can take or give.
    # Comparable when both amounts are tonnes, or neither is and the units agree.
    comparable = (m.massy[offer] & m.massy[want]) | (
        ~m.massy[offer] & ~m.massy[want] & (m.unit[offer] == m.unit[want])
    )
    viewed = float(m.amount[q])
    share = np.minimum(m.amount[offer], m.amount[want]) / (viewed or 1.0)
    quantity = np.where(comparable & (viewed != 0), 20 * np.minimum(1.0, share), 0.0)
    timing = np.where(np.maximum(m.start[offer], m.start[want]) > today, 5.0, 10.0)
    return distance + material + quantity + timing


def brute_force(m: Model, q: int, today: int) -> Answer:
    """The first LIMIT matches by (-score, distance, id), by scanning every listing."""
    idx = prefilter(m, q)
    if idx.size == 0:
        return Answer((), (), ())
    n, lon, lat = idx.size, m.lon[q], m.lat[q]
    _, _, dist = synthetic.GEOD.inv(np.full(n, lon), np.full(n, lat), m.lon[idx], m.lat[idx])
    km = np.asarray(dist, dtype=np.float64) / 1000
    own = np.full(idx.size, q)
    offer, want = (own, idx) if m.offer[q] else (idx, own)
    radius = pair_radius(float(m.max_km[q]), m.max_km[idx])
    start = np.maximum(m.start[offer], m.start[want])
    keep = (km <= radius) & (start <= np.minimum(m.end[offer], m.end[want]))
    keep &= ~m.hazardous[offer] | m.permit[want]
    idx, km, offer, want, radius = idx[keep], km[keep], offer[keep], want[keep], radius[keep]
    raw = raw_scores(m, q, offer, want, km, radius, today)
    scores = np.array([round(s, 1) for s in raw.tolist()], dtype=np.float64)
    top = np.lexsort((m.ids[idx], km, -scores))[:LIMIT]
    return Answer(
        tuple(m.ids[idx][top].tolist()), tuple(scores[top].tolist()), tuple(km[top].tolist()),
        int(idx.size),
    )  # fmt: skip


# --- timing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryPlan:
    ids: list[int]  # query listing ids
    expected: list[Answer]
    brute_ms: list[float]


def plan_queries(m: Model, count: int, today: date) -> QueryPlan:
    """Live query listings drawn at random (so located and mixed like the population)."""
    rng = np.random.default_rng(QUERY_SEED)
    ids = [int(i) for i in rng.choice(m.ids[m.live], size=count, replace=False)]
    ms, expected = clock.time_calls(
        lambda i: brute_force(m, ids[i] - 1, today.toordinal()), count, WARMUP
    )
    print(f"  brute force: {count} queries, p50 {pct(ms, 50):.2f} ms")
    return QueryPlan(ids, expected, ms)


def service_query(engine: Engine, listing_id: int, today: date) -> tuple[float, Answer]:
    """One `find_matches` call in a fresh session; the listing is loaded before the clock."""
    with Session(engine) as session:
        listing = session.get(Listing, listing_id)
        assert listing is not None
        started = time.perf_counter()
        found = find_matches(session, listing, today=today, limit=LIMIT)
        elapsed = (time.perf_counter() - started) * 1000.0
        ids = tuple(match.listing.id for match in found)
        scores = tuple(match.score for match in found)
        return elapsed, Answer(ids, scores, tuple(match.distance_km for match in found))


def time_service(engine: Engine, plan: QueryPlan, today: date) -> tuple[list[float], list[Answer]]:
    return clock.time_each(
        lambda listing_id: service_query(engine, listing_id, today), plan.ids, WARMUP
    )


def count_candidates(engine: Engine, plan: QueryPlan, today: date) -> list[int]:
    """Rows the service's SQL prefilter hands to Python (a separate, untimed pass)."""
    counts = []
    for listing_id in plan.ids:
        with Session(engine) as session:
            listing = session.get(Listing, listing_id)
            assert listing is not None
            counts.append(len(candidates._candidates(session, listing, today)))
    return counts


def mismatch(got: Answer, expected: Answer) -> str | None:
    if set(got.ids) != set(expected.ids):
        return f"{len(set(got.ids) ^ set(expected.ids))} ids differ"
    keys = [(-s, d, i) for i, s, d in zip(got.ids, got.scores, got.distances_km, strict=True)]
    if keys != sorted(keys):
        return "not ordered by (-score, distance, id)"
    if dict(zip(got.ids, got.scores, strict=True)) != dict(
        zip(expected.ids, expected.scores, strict=True)
    ):
        return "scores differ"
    return None


# --- orchestration -------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    backend: str
    n: int
    ms: list[float]
    brute_ms: list[float]
    candidates: list[int]
    matches: list[int]


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    queries: int = 0
    mismatches: list[str] = field(default_factory=list)
    load_s: dict[tuple[str, int], float] = field(default_factory=dict)
    data: dict[int, str] = field(default_factory=dict)
    totals: dict[int, float] = field(default_factory=dict)
    machine: reporting.Machine = field(default_factory=reporting.Machine)


def verify(backend: str, n: int, plan: QueryPlan, answers: list[Answer], results: Results) -> None:
    for listing_id, got, expected in zip(plan.ids, answers, plan.expected, strict=True):
        results.queries += 1
        problem = mismatch(got, expected)
        if problem:
            results.mismatches.append(f"{backend} N={n} listing {listing_id}: {problem}")


def run_backend(
    backend: str, args: argparse.Namespace, pop: Population, plan: QueryPlan, results: Results
) -> None:
    n, today = len(pop.offer), args.today
    with databases.migrated(backend, args.pg_url, results.machine.versions) as db:
        results.load_s[(backend, n)] = load(db.engine, pop)
        print(f"  {backend}: loaded {n:,} listings in {results.load_s[(backend, n)]:.1f} s")
        ms, answers = time_service(db.engine, plan, today)
        verify(backend, n, plan, answers, results)
        candidates = count_candidates(db.engine, plan, today)
    matches = [len(a.ids) for a in answers]
    results.rows.append(Row(backend, n, ms, plan.brute_ms, candidates, matches))
    print(f"  {backend}: p50 {pct(ms, 50):.1f} ms, p95 {pct(ms, 95):.1f} ms")


def describe(pop: Population, m: Model) -> str:
    material = np.array([synthetic.STREAMS[s].kind == "material" for s in pop.stream.tolist()])
    coded = np.array([c is not None for c in pop.ewc])
    return (
        f"{len(pop.offer):,} listings ({pop.offer.mean():.0%} offers, {m.live.mean():.0%} live, "
        f"{coded[material].mean():.0%} of material listings with an EWC code, "
        f"{int((m.hazardous & m.offer).sum())} hazardous offers, "
        f"{(pop.max_km > 0).mean():.0%} with a maximum transport distance, "
        f"{(pop.start > 0).mean():.0%} with a start and {(pop.end > 0).mean():.0%} with an end "
        f"date), {int(pop.org.max()):,} organisations, {len(pop.sites.lon):,} sites "
        f"({pop.sites.permit.mean():.0%} may receive hazardous waste)"
    )


def run(args: argparse.Namespace) -> Results:
    towns, results = synthetic.load_towns(), Results()
    for n in args.sizes:
        print(f"N = {n:,}")
        pop = make_population(towns, n, args.today)
        model = build_model(pop, args.today)
        results.data[n] = describe(pop, model)
        plan = plan_queries(model, args.queries, args.today)
        results.totals[n] = float(np.mean([a.total for a in plan.expected]))
        for backend in args.backends:
            run_backend(backend, args, pop, plan, results)
    return results


# --- report --------------------------------------------------------------------------------


def report(results: Results, args: argparse.Namespace, command: str) -> list[str]:
    return [
        *reporting.machine_lines(results.machine),
        *(f"- data: {text}" for text in results.data.values()),
        f"- queries: {args.queries} live listings per size drawn at random (offers and wants, "
        f"every stream, at population-weighted sites; +{WARMUP} warm-up), each "
        f"`find_matches(session, listing, today=date.today(), limit={LIMIT})` in a fresh session "
        "with the listing loaded before the clock starts; same listings for every backend",
        "",
        *reporting.markdown_table(
            "backend | N> | p50 ms> | p95 ms> | target p95 ms> | met | brute force p50 ms> | "
            "brute force p95 ms> | ratio p50> | ratio p95> | mean candidates> | mean matches>",
            table_rows(results),
        ),
        "",
        f"- verified against brute force: {results.queries} queries, "
        f"{len(results.mismatches)} mismatches (same set of counterpart ids, order by "
        "(-score, distance, id) on the service's own scores, same scores)",
        "- brute force: the same rules in numpy over all N listings held in memory (attribute "
        "mask, then geodesic distances with pyproj `Geod(ellps='GRS80')` on the survivors, "
        "scores, top 50); ratio = service / brute force, same run, same data and listings",
        "- mean candidates: rows the service's SQL prefilter returns (counted in a separate "
        f"pass); mean matches: returned (≤ {LIMIT}); mean matches before the limit: "
        + totals(results),
        f"- target (QUALITY.md): p95 ≤ {TARGET_P95_MS:g} ms at 100k listings",
        f"- code measured: `marketplace/services/matching.py` sha256 {SERVICE_DIGEST}"
        + ("" if service_digest() == SERVICE_DIGEST else " (**the file changed during the run**)"),
        f"- load (insert + ANALYZE): {reporting.loads_text(results.load_s)}",
        f"- command: `{command}`",
    ]


def totals(results: Results) -> str:
    return ", ".join(f"{n:,}: {t:,.0f}" for n, t in results.totals.items())


def table_rows(results: Results) -> Iterator[list[str]]:
    for row in results.rows:
        p50, p95 = pct(row.ms, 50), pct(row.ms, 95)
        b50, b95 = pct(row.brute_ms, 50), pct(row.brute_ms, 95)
        target = TARGET_P95_MS if row.n >= 100_000 else None
        cells = [row.backend, f"{row.n:,}", fmt(p50), fmt(p95)]
        cells += [*reporting.target_cells(p95, target), fmt(b50), fmt(b95)]
        cells += [fmt(p50 / b50, 1), fmt(p95 / b95, 1), f"{np.mean(row.candidates):,.0f}"]
        cells.append(f"{np.mean(row.matches):.1f}")
        yield cells


# --- CLI -------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = cli.parser_for(__doc__, [10_000, 100_000], queries=(200, "query listings per size"))
    cli.backend_arguments(parser, "postgresql://postgres@127.0.0.1:5432/bench_matching")
    parser.add_argument("--write", type=Path, help="replace the matching section of this file")
    args = cli.parse_checked(parser, argv)
    if args.queries < 1 or min(args.sizes, default=0) < 2 * LISTINGS_PER_SITE * SITES_PER_ORG:
        parser.error("--queries must be positive and every size at least 40")
    args.today = date.today()
    return args


def notes(results: Results) -> cli.Notes:
    return cli.flagged("MISMATCH", results.mismatches, 20)


if __name__ == "__main__":
    sys.exit(cli.main(sys.modules[__name__]))
