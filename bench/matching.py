"""Matching benchmark: ranked matches (`find_matches`) for one listing against 10k/100k listings.

`find_matches` reads the listing's stored match list (`services.matching.stored`), built here by
`rebuild_all` after the load (timed); the scan it replaced (`compute_matches`) is timed on the
same listings, and so is the job that takes one listing's change into every list (`refresh`).

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
from datetime import date
from pathlib import Path

import numpy as np
from matching_parts.model import LIMIT, WARMUP, Answer, Model, brute_force, build_model
from matching_parts.population import (
    LISTINGS_PER_SITE,
    QUERY_SEED,
    SITES_PER_ORG,
    Population,
    load,
    make_population,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from support import cli, clock, databases, reporting, synthetic
from support.clock import pct
from support.reporting import fmt

from marketplace.services.matching import candidates, pairs, stored
from marketplace.services.matching.candidates import compute_matches
from marketplace.services.matching.stored import find_matches, rebuild_all, refresh
from models import Listing

TARGET_P95_MS = 25.0  # QUALITY.md: ranked matches for one listing against 100k listings
SECTION, TITLE = "matching", "## Ranked matches (`bench/matching.py`)"  # what --write replaces


def service_digest() -> str:
    return reporting.code_digest(candidates, pairs, stored)


SERVICE_DIGEST = service_digest()  # as imported; compared again when the report is written

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


def service_query(
    engine: Engine, listing_id: int, today: date, func: object = find_matches
) -> tuple[float, Answer]:
    """One `find_matches` (or `compute_matches`) call in a fresh session; the listing is loaded
    before the clock."""
    with Session(engine) as session:
        listing = session.get(Listing, listing_id)
        assert listing is not None
        started = time.perf_counter()
        found = func(session, listing, today=today, limit=LIMIT)  # type: ignore[operator]
        elapsed = (time.perf_counter() - started) * 1000.0
        ids = tuple(match.listing.id for match in found)
        scores = tuple(match.score for match in found)
        return elapsed, Answer(ids, scores, tuple(match.distance_km for match in found))


def time_service(
    engine: Engine, plan: QueryPlan, today: date, func: object = find_matches
) -> tuple[list[float], list[Answer]]:
    return clock.time_each(
        lambda listing_id: service_query(engine, listing_id, today, func), plan.ids, WARMUP
    )


def build_lists(engine: Engine, today: date) -> float:
    """Every live listing's stored list, as after `flask listings rebuild-matches`; seconds."""
    started = time.perf_counter()
    with Session(engine) as session:
        rebuild_all(session, today=today)
        session.commit()
    return time.perf_counter() - started


def time_refresh(engine: Engine, ids: list[int], today: date) -> list[float]:
    """The job's work for one changed listing (its own list afresh, into and out of every other
    list, re-ranking the lists it left short), one transaction each."""
    ms = []
    for listing_id in ids:
        with Session(engine) as session:
            started = time.perf_counter()
            refresh(session, listing_id, today=today)
            session.commit()
            ms.append((time.perf_counter() - started) * 1000.0)
    return ms


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
    scan_ms: list[float]
    refresh_ms: list[float]
    build_s: float


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
        build_s = build_lists(db.engine, today)
        print(f"  {backend}: built the match lists in {build_s:.1f} s")
        ms, answers = time_service(db.engine, plan, today)
        verify(backend, n, plan, answers, results)
        scan_ms, scanned = time_service(db.engine, plan, today, compute_matches)
        verify(backend, n, plan, scanned, results)
        refresh_ms = time_refresh(db.engine, plan.ids[: args.refreshes], today)
        _, after = time_service(db.engine, plan, today)
        verify(backend, n, plan, after, results)  # still exact after the job ran
        candidates = count_candidates(db.engine, plan, today)
    matches = [len(a.ids) for a in answers]
    row = Row(backend, n, ms, plan.brute_ms, candidates, matches, scan_ms, refresh_ms, build_s)
    results.rows.append(row)
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
        *reporting.markdown_table(
            "backend | N> | lists built in s> | scan (`compute_matches`) p50 ms> | scan p95 ms> | "
            "stored ÷ scan, p95> | job per changed listing p50 ms> | job p95 ms> | jobs timed>",
            job_rows(results),
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
        "- service: `find_matches` reads the stored list (`services/matching/stored.py`); scan: "
        "`compute_matches`, the per-request ranking it replaced; job: `refresh(session, id)` for "
        "the first query listings, one commit each, after which every answer is checked again",
        f"- code measured: `marketplace/services/matching/` (candidates, pairs, stored) sha256 "
        f"{SERVICE_DIGEST}"
        + ("" if service_digest() == SERVICE_DIGEST else " (**the file changed during the run**)"),
        f"- load (insert + ANALYZE): {reporting.loads_text(results.load_s)}",
        f"- command: `{command}`",
    ]


def job_rows(results: Results) -> Iterator[list[str]]:
    for row in results.rows:
        cells = [row.backend, f"{row.n:,}", fmt(row.build_s, 1)]
        cells += [fmt(pct(row.scan_ms, 50)), fmt(pct(row.scan_ms, 95))]
        cells.append(fmt(pct(row.ms, 95) / pct(row.scan_ms, 95), 3))
        cells += [fmt(pct(row.refresh_ms, 50)), fmt(pct(row.refresh_ms, 95))]
        cells.append(str(len(row.refresh_ms)))
        yield cells


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
    parser.add_argument(
        "--refreshes", type=int, default=30, help="listings whose job (`refresh`) is timed"
    )
    args = cli.parse_checked(parser, argv)
    if args.queries < 1 or min(args.sizes, default=0) < 2 * LISTINGS_PER_SITE * SITES_PER_ORG:
        parser.error("--queries must be positive and every size at least 40")
    args.today = date.today()
    return args


def notes(results: Results) -> cli.Notes:
    return cli.flagged("MISMATCH", results.mismatches, 20)


if __name__ == "__main__":
    sys.exit(cli.main(sys.modules[__name__]))
