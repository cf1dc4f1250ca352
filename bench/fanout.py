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
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from fanout_parts.probes import (
    FanoutRow,
    cache_key,
    cold_builds,
    compile_all,
    facts_of,
    run_fan_out,
    scan,
    sql_prefilter,
    time_cache_check,
    time_service,
    updates_after_change,
)
from fanout_parts.reference import brute_force, build_reference
from fanout_parts.world import (
    CADENCES,
    COUNTERPARTS_PER_ORG,
    FANOUT_LISTINGS,
    MEASURED,
    POLYGON_KM,
    RADIUS_KM,
    TARGET_MS,
    WARMUP,
    Spec,
    World,
    load,
    make_world,
)
from sqlalchemy.orm import Session
from support import cli, clock, databases, reporting, synthetic
from support.clock import pct
from support.reporting import fmt

from marketplace.services.alerts import criteria, fanout, index, subscriptions
from marketplace.services.alerts.index import index_for
from models.base import swedish_today

SECTION, TITLE = "fanout", "## Alert fan-out (`bench/fanout.py`)"  # what --write replaces


def service_digest() -> str:
    return reporting.code_digest(index, subscriptions, criteria, fanout)


SERVICE_DIGEST = service_digest()  # as imported; compared again when the report is written


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
