"""Staff dashboard benchmark: the statistics page and the opportunities page at 100k listings.

A market of N listings (default 100,000) at the sites of a few thousand firms, clustered like
the region's population around the 41 municipalities' main towns, published over three years,
with 20,000 deals (1–4 deliveries each once delivering), about 1,000 conversations a year and
the best match (`MatchPotential`) of about 40 % of the published listings. The rows are written
directly with SQLAlchemy Core bulk inserts, not through the services. Then, on SQLite and on
PostgreSQL, one dashboard computation (`stats.figures` + `by_month` + `by_category` +
`by_municipality`, in a fresh session like a request) is timed for a set of realistic filters,
and so are the opportunities page's `lonely` (offers and wants, 50 km), `untaken_matches` and
`network`. Baselines in the same run: `SELECT 1` and `SELECT count(*) FROM listings`.
Usage: see bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from dashboard_parts.common import (
    CANDIDATE_INDEXES,
    DEFAULT_PG_URL,
    MEASURED,
    PROPOSED,
    SQLITE_DIR,
    WARMUP,
    YEARS,
    Sizes,
)
from dashboard_parts.market import Market, make_market
from dashboard_parts.measure import (
    BASELINES,
    baseline_once,
    dashboard_once,
    named_filters,
    opportunities_once,
    page_once,
    profile,
    staff_client,
    timed_series,
)
from dashboard_parts.reading import (
    data_lines,
    filter_lines,
    page_profile_lines,
    summary_lines,
    verdict_lines,
)
from dashboard_parts.results import BackendResult, Results
from dashboard_parts.store import candidate_indexes, prepare, read_meta, sqlite_path
from dashboard_parts.tables import (
    baseline_table_rows,
    dashboard_table,
    http_table_rows,
    pages_table_rows,
    statements_lines,
    trials_table,
)
from sqlalchemy import Engine
from support import ROOT, cli, databases, reporting
from support.clock import pct

from marketplace.services.staff import stats
from models.base import swedish_today

SECTION, TITLE = "dashboard", "## Staff dashboard (`bench/dashboard.py`)"  # what --write replaces

# --- orchestration -------------------------------------------------------------------------


def key_figures(fig: stats.Figures) -> dict[str, Any]:
    return {
        "listings": sum(sum(kinds.values()) for kinds in fig.listings.values()),
        "inquiries": fig.inquiries,
        "deals agreed": fig.deals_agreed,
        "deals completed": fig.deals_completed,
        "deliveries": fig.realised.count,
        "matches": fig.matches,
        "active firms": fig.active_firms,
        "realised t CO2e": round(fig.realised.co2e_kg / 1000.0, 1),
    }


def measure(backend: str, engine: Engine, args: argparse.Namespace, out: BackendResult) -> None:
    filters = named_filters(args.today)
    for label, sql in BASELINES.items():
        out.baselines[label] = timed_series(partial(baseline_once, engine, sql), args.runs, WARMUP)
    for label, f in filters:
        kept: list[Any] = []
        dashboard_once(engine, f, kept)
        out.figures[label] = key_figures(kept[0])
        out.dashboard[label] = timed_series(partial(dashboard_once, engine, f), args.runs, WARMUP)
        print(f"  {backend}: dashboard {label}: p50 {pct(out.dashboard[label].total, 50):.0f} "
              f"ms, p95 {pct(out.dashboard[label].total, 95):.0f} ms")  # fmt: skip
    client = staff_client(engine)
    for label, f in filters:
        out.http[label] = timed_series(partial(page_once, client, f), args.runs, WARMUP)
        print(f"  {backend}: GET /staff {label}: p95 {pct(out.http[label].total, 95):.0f} ms")
    for label, f in filters:
        out.pages[label] = timed_series(
            partial(opportunities_once, engine, f, args.today), args.page_runs, WARMUP
        )
        print(f"  {backend}: opportunities {label}: p95 {pct(out.pages[label].total, 95):.0f} ms")
    slowest = max(filters, key=lambda lf: pct(out.dashboard[lf[0]].total, 95))
    out.slowest = slowest[0]
    out.statements[f"slowest filter ({slowest[0]})"] = profile(
        engine, lambda: dashboard_once(engine, slowest[1]), args.explain
    )
    out.page_profile[slowest_page(out)] = profile_page(engine, args, out)
    if args.try_indexes:
        trials = [(name, [name], args.trial_runs) for name in args.try_indexes]
        proposed = [n for n in PROPOSED if n in args.try_indexes]
        if len(proposed) > 1:
            trials.append(("proposed together", proposed, args.runs))
        for name, names, runs in trials:
            with candidate_indexes(engine, names):
                out.trials[name] = {
                    label: timed_series(partial(dashboard_once, engine, f), runs, WARMUP)
                    for label, f in filters
                }
                if name == "proposed together":
                    out.statements[f"{slowest[0]}, with the proposed indexes"] = profile(
                        engine, lambda: dashboard_once(engine, slowest[1]), args.explain
                    )
            worst = max(pct(s.total, 95) for s in out.trials[name].values())
            print(f"  {backend}: with {name}: worst dashboard p95 {worst:.0f} ms")


def slowest_page(out: BackendResult) -> str:
    return max(out.pages, key=lambda label: pct(out.pages[label].total, 95))


def profile_page(engine: Engine, args: argparse.Namespace, out: BackendResult) -> list[str]:
    """cProfile of one opportunities page for its slowest filter: the project's functions (and
    shapely's STRtree query) with the most cumulative time."""
    f = dict(named_filters(args.today))[slowest_page(out)]
    profiler = cProfile.Profile()
    profiler.enable()
    opportunities_once(engine, f, args.today)
    profiler.disable()
    entries = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = max(ct for (_cc, _nc, _tt, ct, _callers) in entries.values())
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in entries.items():
        mine = str(ROOT / "marketplace") in filename or filename.endswith("strtree.py")
        if mine and name not in ("<lambda>", "opportunities_once"):
            short = filename.split("/site-packages/")[-1].replace(str(ROOT) + "/", "")
            what = f"`{short}:{line}({name})` {calls:,} calls"
            rows.append((cumtime, f"{what}, {cumtime * 1000:.0f} ms cumulative, "
                                  f"{tottime * 1000:.0f} ms own"))  # fmt: skip
    rows.sort(key=lambda r: -r[0])
    return [f"one page in {total * 1000:.0f} ms"] + [text_ for _, text_ in rows[:8]]


def run_backend(
    backend: str, args: argparse.Namespace, market: Callable[[], Market], results: Results
) -> None:
    started = time.perf_counter()
    with databases.bench_database(
        backend, args.pg_url, sqlite_path=sqlite_path(args), keep=args.keep
    ) as db:
        engine = db.engine
        prepared = prepare(backend, engine, db.fresh, args, market)
        databases.server_version(engine, results.machine.versions)
        meta = read_meta(engine) or {}
        results.data.setdefault("counts", meta.get("counts", {}))
        out = BackendResult(backend, prepared)
        measure(backend, engine, args, out)
        out.elapsed_s = time.perf_counter() - started
        results.rows.append(out)


def run(args: argparse.Namespace) -> Results:
    results = Results(code=reporting.code_digest(*MEASURED))
    cache: list[Market] = []

    def market() -> Market:  # generated at most once per run, shared by the backends
        if not cache:
            started = time.perf_counter()
            cache.append(make_market(args.sizes))
            results.data["generate_s"] = time.perf_counter() - started
            print(f"  generated the market in memory in {results.data['generate_s']:.1f} s")
        return cache[0]

    for backend in args.backends:
        run_backend(backend, args, market, results)
    check(results)
    results.load_average_end = os.getloadavg()
    results.elapsed_s = time.perf_counter() - results.started
    if reporting.code_digest(*MEASURED) != results.code:
        results.code += f" → {reporting.code_digest(*MEASURED)}"
    return results


def check(results: Results) -> None:
    """The dashboard must count something, and the backends must agree on what it counts when
    they hold the same data (same generation)."""
    for row in results.rows:
        region = row.figures.get("region, last 12 months", {})
        for key in ("listings", "deals agreed", "deliveries", "matches", "inquiries"):
            if not region.get(key):
                results.problems.append(f"{row.backend}: region, last 12 months: no {key}")
    if len(results.rows) == 2 and len({r.prepared.generated_at for r in results.rows}) == 1:
        a, b = results.rows
        for label, figs in a.figures.items():
            other = b.figures.get(label, {})
            for key, value in figs.items():
                if key != "realised t CO2e" and other.get(key) != value:
                    results.problems.append(
                        f"{label}: {key} {a.backend} {value} ≠ {b.backend} {other.get(key)}"
                    )


def report(results: Results, args: argparse.Namespace, command: str) -> list[str]:
    end = ", ".join(f"{v:.2f}" for v in results.load_average_end or ())
    lines = [
        *reporting.machine_lines(results.machine),
        f"- load average at the end: {end} (other work on the machine shows up here)",
        *data_lines(results, args),
        *filter_lines(args),
        "",
        "Staff dashboard (one whole computation, and the median of each part in the same runs; "
        "the parts run two at a time on connections of their own, so they add up to more than "
        "the whole):",
        "",
        *dashboard_table(results),
        "",
        "The whole page (`GET /staff` with the filter's parameters through the Flask test client "
        "in the same process, signed in as staff: the computation above, follow-ups, open "
        "reports, the SVG charts and the template; no network, no gunicorn), "
        f"{args.runs} timed runs after {WARMUP} warm-up:",
        "",
        *reporting.markdown_table(
            "backend | filter | p50 ms> | p95 ms> | max ms> | target p95 ms> | met | "
            "page p95 − `stats.dashboard` p95 ms>",
            http_table_rows(results),
        ),
        "",
        *reporting.markdown_table(
            "backend | baseline | p50 ms> | p95 ms> | max ms>",
            baseline_table_rows(results),
        ),
        "",
        "Opportunities page (a separate page):",
        "",
        *reporting.markdown_table(
            "backend | filter | lonely offers + wants p50 / p95 / max ms> | "
            "untaken_matches p50 / p95 / max ms> | network p50 / p95 ms> | page p50 / p95 ms> | "
            "page p95 ÷ `count(*)` p95>",
            pages_table_rows(results),
        ),
        "",
        *verdict_lines(results),
        "- where the time goes (one further dashboard run per backend for its slowest filter, "
        "every statement captured and then run alone):",
        *statements_lines(results, args.explain),
        *trials_table(results, args),
        *summary_lines(results),
        *page_profile_lines(results),
        "",
        "- key figures of the region, last 12 months: "
        + "; ".join(
            f"{r.backend}: "
            + ", ".join(
                f"{k} {v:,}" for k, v in r.figures.get("region, last 12 months", {}).items()
            )
            for r in results.rows
        ),
        f"- checks: {len(results.problems)} problems (every backend counts listings, deals, "
        "deliveries, matches and inquiries; both backends give the same counts when they hold "
        "the same generated data)",
        f"- code measured: `marketplace/services/{{stats,stats_sql,opportunities}}.py` sha256 "
        f"{results.code}",
        "- run time: "
        + ", ".join(f"{r.backend} {r.elapsed_s / 60:.1f} min" for r in results.rows)
        + f"; whole run {results.elapsed_s / 60:.1f} min",
        f"- command: `{command}`",
    ]
    return lines


# --- docs and CLI --------------------------------------------------------------------------


def index_list(raw: str) -> list[str]:
    if raw in ("", "none"):
        return []
    names = list(CANDIDATE_INDEXES) if raw == "all" else cli.str_list(raw)
    unknown = set(names) - set(CANDIDATE_INDEXES)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown candidate indexes: {', '.join(sorted(unknown))}")
    return names


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = cli.parser_for(__doc__)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--firms", type=int, help="default: listings ÷ 33, at least 20")
    parser.add_argument("--conversations-per-year", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=30, help="timed runs per filter")
    parser.add_argument("--page-runs", type=int, help="timed runs of the opportunities page "
                        "per filter (default: --runs)")  # fmt: skip
    cli.backend_arguments(parser, DEFAULT_PG_URL)
    parser.add_argument("--sqlite-dir", type=Path, default=SQLITE_DIR)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the databases and reuse them when they hold the same sizes",
    )
    parser.add_argument("--explain", type=int, default=5, help="slowest statements to explain")
    parser.add_argument(
        "--try-indexes",
        type=index_list,
        default=[],
        help=f"'all' or some of: {', '.join(CANDIDATE_INDEXES)}",
    )
    parser.add_argument(
        "--trial-runs", type=int, default=10, help="timed runs per filter for each index alone"
    )
    parser.add_argument(
        "--write",
        type=Path,
        nargs="?",
        const=ROOT / "docs" / "performance.md",
        help="replace the dashboard section of this file (docs/performance.md)",
    )
    args = cli.parse_checked(parser, argv)
    if args.listings < 200 or args.deals < 1 or args.runs < 1:
        parser.error("give at least 200 listings, 1 deal and 1 run")
    args.firms = args.firms or max(20, args.listings // 33)
    args.page_runs = args.page_runs or args.runs
    args.sizes = Sizes(
        listings=args.listings, deals=args.deals, firms=args.firms,
        conversations=max(1, round(args.conversations_per_year * YEARS)),
    )  # fmt: skip
    args.today = swedish_today()
    return args


if __name__ == "__main__":
    sys.exit(cli.main(sys.modules[__name__]))
