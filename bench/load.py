"""Load benchmark: whole pages and API calls through gunicorn under concurrent load (wrk).

Markets of 10k and 100k listings (optionally 1M) clustered like the region's population, with
firms, sites, users, conversations, deals and deliveries, on PostgreSQL and SQLite; reference
data loaded with the app's own commands, derived tables rebuilt with `flask market rebuild`
where the app has it. Then gunicorn (2 sync workers, production settings) serves the database
and wrk drives every page (16 connections, 2 threads, after a warm-up): requests/s, the ratio to
`/healthz` on the same server in the same run, p50/p95/p99, errors and the workers' peak RSS.
Every page is first checked to answer 200 with real content. Usage: see bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from load_parts import pages as P
from load_parts.market import FIRM_EMAIL, OWN_PASSWORD, STAFF_EMAIL, Market, make_market
from load_parts.profile import profile_pages
from load_parts.server import MemoryWatch, Server, get, gunicorn, sign_in
from load_parts.store import Rebuilt, app_environment, load_market, run_rebuild, run_reference
from support import ROOT, cli, databases, reporting
from support.reporting import fmt

from marketplace.services.accounts.security import hash_password
from models.base import swedish_today

SECTION, TITLE = "load", "## Pages under load (`bench/load.py`)"  # what --write replaces
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/bench_load"
RATIO_TARGET = 0.15  # QUALITY.md: ≥ 0.15 × the requests/s of /healthz, PostgreSQL at 100k
RSS_TARGET_MB = 200.0  # web worker ≤ 200 MB RSS at 100k listings


def p95_target(backend: str, n: int, group: str) -> float | None:
    """QUALITY.md: p95 ≤ 200 ms on PostgreSQL and ≤ 300 ms on SQLite at 100k; search pages and
    APIs p95 ≤ 300 ms at 1M."""
    if n >= 1_000_000:
        return 300.0 if group == P.SEARCH else None
    if n == 100_000:
        return 200.0 if backend == "postgresql" else 300.0
    return None


def ratio_target(backend: str, n: int) -> float | None:
    return RATIO_TARGET if backend == "postgresql" and n == 100_000 else None


# --- results -------------------------------------------------------------------------------


@dataclass
class Row:
    backend: str
    n: int
    page: P.Page
    checked: P.Checked
    result: P.WrkResult | None  # None: the check failed or one request was too slow to load


@dataclass
class Run:
    """One backend at one size."""

    backend: str
    n: int
    seconds: dict[str, float] = field(default_factory=dict)  # phase → seconds
    reference: list[str] = field(default_factory=list)
    rebuilt: Rebuilt = field(default_factory=Rebuilt)
    healthz: list[P.WrkResult] = field(default_factory=list)  # before and after the pages
    peak_rss_mb: float = 0.0
    workers_seen: int = 0
    cursor: str = ""
    production: str = ""  # what showed the server runs with production settings
    profile: list[str] = field(default_factory=list)  # --profile: the slowest pages' hot spots
    load_1min: list[float] = field(default_factory=list)  # after each page: other work shows


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    data: dict[int, str] = field(default_factory=dict)
    generate_s: dict[int, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    machine: reporting.Machine = field(default_factory=reporting.Machine)
    started: float = field(default_factory=time.perf_counter)
    load_average_end: tuple[float, ...] = ()


# --- one backend ---------------------------------------------------------------------------


def describe(m: Market) -> str:
    c = m.counts
    live = len(m.live_ids)
    return (
        f"{m.n:,} listings ({live / m.n:.0%} live: {live:,}; {c['direction']['offer'] / m.n:.0%} "
        f"offers; {c['kind']['energy']:,} energy and {c['kind']['capacity']:,} capacity), "
        f"{m.size('organisations'):,} firms, {m.size('sites'):,} sites, {m.size('users'):,} "
        f"users, {m.size('conversations'):,} conversations with {m.size('messages'):,} messages, "
        f"{m.size('deals'):,} deals ({c['deal status']['completed']:,} completed, "
        f"{c['deal status']['delivering']:,} delivering) with {m.size('deliveries'):,} deliveries "
        f"({c['delivery status']['confirmed']:,} confirmed), best matches of "
        f"{m.size('match_potentials'):,} published listings; the firm user's firm "
        f"(id {m.firm_org}) has {m.firm_listings} listings, {m.firm_live} live"
    )


def run_backend(backend: str, m: Market, args: argparse.Namespace, results: Results) -> None:
    run = Run(backend, m.n)
    results.runs.append(run)
    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp, databases.bench_database(
        backend, args.pg_url
    ) as db:  # fmt: skip
        started = time.perf_counter()
        databases.migrate(db.engine)
        databases.server_version(db.engine, results.machine.versions)
        env = app_environment(db.url, Path(tmp), secrets.token_urlsafe(48))
        run.reference = run_reference(env)
        run.seconds["migrate + reference data"] = time.perf_counter() - started
        run.seconds["bulk load + ANALYZE"] = load_market(db.engine, m)
        run.rebuilt = run_rebuild(env)
        if run.rebuilt.done:
            databases.analyze(db.engine)
        run.seconds["rebuild"] = run.rebuilt.seconds
        print(f"  {backend} {m.n:,}: loaded in {run.seconds['bulk load + ANALYZE']:.1f} s "
              f"(reference data {run.seconds['migrate + reference data']:.1f} s); rebuilt: "
              f"{', '.join(run.rebuilt.done) or 'nothing'}; missing: "
              f"{', '.join(run.rebuilt.missing) or 'none'}")  # fmt: skip
        started = time.perf_counter()
        with gunicorn(env, args.workers, Path(tmp)) as server:
            measure(server, run, m, args, results, Path(tmp), env)
        run.seconds["pages under load"] = time.perf_counter() - started


def production_evidence(server: Server) -> str:
    status, headers, body = get(server, "/no-such-page-bench")
    hsts = headers.get("Strict-Transport-Security")
    if status != 404 or not hsts or b"Werkzeug" in body:
        raise SystemExit(f"the server does not look like production: 404 page {status}, "
                         f"HSTS {hsts!r}")  # fmt: skip
    return f"HSTS `{hsts}` and a plain 404 page (no debugger)"


def measure(
    server: Server, run: Run, m: Market, args: argparse.Namespace, results: Results, work: Path,
    env: dict[str, str],
) -> None:  # fmt: skip
    run.production = production_evidence(server)
    cookies = {"": "", "firm": sign_in(server, FIRM_EMAIL, OWN_PASSWORD),
               "staff": sign_in(server, STAFF_EMAIL, OWN_PASSWORD)}  # fmt: skip
    todo = P.pages(m, firm_name=f"Bänkbolag {m.firm_org} AB")
    cursor = P.cursor_page(server)
    run.cursor = "followed" if cursor else "none: browse pages by offset (`page=`)"
    if cursor:
        todo.insert(todo.index(next(p for p in todo if p.name.startswith("deep"))) + 1, cursor)
    if args.pages:
        todo = [p for p in todo if any(s in p.name for s in args.pages)]
    checked = {}
    for page in [P.HEALTHZ, *todo]:
        checked[page.name] = P.check(server, page, cookies[page.auth])
        for problem in checked[page.name].problems:
            results.problems.append(f"{run.backend} {run.n:,} {page.name}: {problem}")
    load = P.Load(args.connections, args.threads, args.duration, args.warmup)
    with MemoryWatch(server) as watch:
        watch.mark()
        run.healthz.append(P.drive(server, P.HEALTHZ, "", load, work))
        run.healthz[0].rss_mb = watch.mark()
        base = run.healthz[0].rps
        print(f"  {run.backend} {run.n:,}: /healthz {base:,.0f} requests/s")
        for page in todo:
            if checked[page.name].problems:
                results.rows.append(Row(run.backend, run.n, page, checked[page.name], None))
                print(f"  {run.backend} {run.n:,}: {page.name}: CHECK FAILED, not loaded")
                continue
            if checked[page.name].single_ms > args.slow_limit * 1000:
                results.rows.append(Row(run.backend, run.n, page, checked[page.name], None))
                print(f"  {run.backend} {run.n:,}: {page.name}: one request takes "
                      f"{checked[page.name].single_ms / 1000:.1f} s, not loaded")  # fmt: skip
                continue
            result = P.drive(server, page, cookies[page.auth], load, work)
            result.rss_mb = watch.mark()
            run.load_1min.append(os.getloadavg()[0])
            results.rows.append(Row(run.backend, run.n, page, checked[page.name], result))
            print(f"  {run.backend} {run.n:,}: {page.name}: {result.rps:,.1f} requests/s, p95 "
                  f"{result.p95_ms:,.0f} ms, errors {result.errors}")  # fmt: skip
            if result.errors:
                results.problems.append(
                    f"{run.backend} {run.n:,} {page.name}: {result.non200} non-200 answers, "
                    f"{result.socket_errors} socket errors ({result.timeouts} timeouts)"
                )
        run.healthz.append(P.drive(server, P.HEALTHZ, "", load, work))
        run.healthz[1].rss_mb = watch.mark()
        run.peak_rss_mb = watch.peak_mb
        run.workers_seen = len(watch.pids)
    if args.profile:
        mine = [r for r in results.rows if (r.backend, r.n) == (run.backend, run.n)]
        mine.sort(key=lambda r: -(r.result.p95_ms if r.result else r.checked.single_ms))
        run.profile = profile_pages(
            env,
            [(r.page.name, r.page.paths[0], cookies[r.page.auth]) for r in mine[: args.profile]],
        )
        print("\n".join(run.profile))


def run(args: argparse.Namespace) -> Results:
    results = Results()
    password_hash = hash_password(OWN_PASSWORD)  # once; every generated user shares it
    for n in args.sizes:
        started = time.perf_counter()
        m = make_market(n, args.today, password_hash)
        results.generate_s[n] = time.perf_counter() - started
        results.data[n] = describe(m)
        print(f"N = {n:,}: generated in {results.generate_s[n]:.1f} s")
        for backend in args.backends:
            run_backend(backend, m, args, results)
    results.load_average_end = os.getloadavg()
    return results


# --- report --------------------------------------------------------------------------------


def table_rows(results: Results) -> list[list[str]]:
    out = []
    runs = {(r.backend, r.n): r for r in results.runs}
    for key, run_ in runs.items():
        base = run_.healthz[0] if run_.healthz else None
        rows = [r for r in results.rows if (r.backend, r.n) == key]
        if base:
            out.append(result_cells(run_, P.HEALTHZ.name + ", before", None, base, base, None))
        for row in rows:
            out.append(result_cells(run_, row.page.name, row, row.result, base,
                                    p95_target(row.backend, row.n, row.page.group)))  # fmt: skip
        if len(run_.healthz) > 1 and base:
            out.append(result_cells(run_, "`/healthz`, after", None, run_.healthz[1], base, None))
    return out


def result_cells(
    run_: Run, name: str, row: Row | None, r: P.WrkResult | None, base: P.WrkResult | None,
    target: float | None,
) -> list[str]:  # fmt: skip
    """Cells: backend, N, page, items, one request ms, requests/s, ratio, ratio met, p50, p95,
    p99, target p95, met, errors, RSS."""
    items = fmt(row.checked.items, 0) if row and row.page.counted else "–"
    single = fmt(row.checked.single_ms, 0) if row else "–"
    lead = [run_.backend, f"{run_.n:,}", name, items, single]
    if r is None:  # not loaded: a failed check, or too slow alone; the single request is p95
        assert row is not None
        why = ("**check failed**: " + "; ".join(row.checked.problems[:2]) if row.checked.problems
               else "**not loaded** (one request > --slow-limit)")  # fmt: skip
        return [*lead, why, "–", "–", "–", "–", "–",
                *reporting.target_cells(row.checked.single_ms, target), "–", "–"]  # fmt: skip
    if r.requests == 0:
        met = [f"≤ {target:g}", "**no**"] if target else ["–", "–"]
        return [*lead, "**no request completed**", "–", "–", "–", "–", "–", *met, str(r.errors),
                fmt(r.rss_mb, 0)]  # fmt: skip
    ratio = r.rps / base.rps if base and base.rps else None
    r_target = ratio_target(run_.backend, run_.n) if row else None
    ratio_met = "–" if r_target is None or ratio is None else (
        "yes" if ratio >= r_target else "**no**")  # fmt: skip
    return [
        *lead, fmt(r.rps, 1), fmt(ratio, 3), ratio_met, fmt(r.p50_ms, 0), fmt(r.p95_ms, 0),
        fmt(r.p99_ms, 0), *reporting.target_cells(r.p95_ms, target), str(r.errors),
        fmt(r.rss_mb, 0),
    ]  # fmt: skip


def verdict_lines(results: Results) -> list[str]:
    lines = []
    for run_ in results.runs:
        rows = [r for r in results.rows if (r.backend, r.n) == (run_.backend, run_.n)]
        base = run_.healthz[0].rps if run_.healthz else 0.0
        r_t = ratio_target(run_.backend, run_.n)
        parts = []  # a page not loaded (or with no request completed) misses every target
        if r_t is not None and base:
            ok = sum(bool(r.result and r.result.rps / base >= r_t) for r in rows)
            parts.append(f"ratio ≥ {r_t:g}: {ok} of {len(rows)} pages")
        with_t = [(r, t) for r in rows if (t := p95_target(r.backend, r.n, r.page.group))]
        if with_t:
            ok = sum(bool(r.result and r.result.requests and r.result.p95_ms <= t)
                     for r, t in with_t)  # fmt: skip
            parts.append(f"p95 target: {ok} of {len(with_t)} pages")
        if run_.n >= 100_000:
            parts.append(f"worker RSS ≤ {RSS_TARGET_MB:g} MB: "
                         + ("yes" if run_.peak_rss_mb <= RSS_TARGET_MB else "**no**"))  # fmt: skip
        drift = ""
        if len(run_.healthz) == 2 and base:
            drift = (
                f"; `/healthz` {base:,.0f} requests/s before the pages and "
                f"{run_.healthz[1].rps:,.0f} after ({run_.healthz[1].rps / base - 1:+.0%})"
            )
        if run_.load_1min:
            drift += (f"; 1-minute load average after the pages {min(run_.load_1min):.1f}–"
                      f"{max(run_.load_1min):.1f} (2 CPUs)")  # fmt: skip
        lines.append(
            f"- {run_.backend} {run_.n:,}: " + ("; ".join(parts) or "no targets at this size")
            + f"; peak web worker RSS {run_.peak_rss_mb:.0f} MB ({run_.workers_seen} worker "
            f"processes seen{', so some were restarted' if run_.workers_seen > 2 else ''})"
            + drift
        )  # fmt: skip
    return lines


def timing_lines(results: Results) -> list[str]:
    lines = ["- generation in memory: " + ", ".join(
        f"{n:,}: {s:.1f} s" for n, s in results.generate_s.items())]  # fmt: skip
    for run_ in results.runs:
        lines.append(f"- {run_.backend} {run_.n:,}: " + ", ".join(
            f"{phase} {s:.1f} s" for phase, s in run_.seconds.items()))  # fmt: skip
    return lines


def rebuild_lines(results: Results) -> list[str]:
    first = results.runs[0] if results.runs else None
    if first is None:
        return []
    lines = [f"- reference data (as `make demo`): {'; '.join(first.reference)}"]
    for run_ in results.runs:
        if run_.rebuilt.missing:
            lines.append(f"- {run_.backend} {run_.n:,}: derived tables **not rebuilt**: the app "
                         f"has no `flask {'`, `flask '.join(run_.rebuilt.missing)}`")  # fmt: skip
        for done in run_.rebuilt.done:
            lines.append(f"- {run_.backend} {run_.n:,}: rebuilt with {done}")
    return lines


def profile_lines(results: Results) -> list[str]:
    lines = []
    for run_ in results.runs:
        if run_.profile:
            lines.append(
                f"- where the time goes, {run_.backend} {run_.n:,} (one request of each of the "
                "slowest pages under cProfile, in the bench's process):"
            )
            lines += run_.profile
    return lines


def report(results: Results, args: argparse.Namespace, command: str) -> list[str]:
    end = ", ".join(f"{v:.2f}" for v in results.load_average_end)
    first = results.runs[0] if results.runs else Run("", 0)
    return [
        *reporting.machine_lines(results.machine),
        f"- load average at the end: {end}",
        *(f"- data: {text}" for text in results.data.values()),
        f"- server: `gunicorn --workers {args.workers} --bind 127.0.0.1:<free port> "
        "'marketplace:create_app()'` (sync workers), `MARKETPLACE_ENV=production`, random "
        "`SECRET_KEY`, `BASE_URL=https://bench.invalid`, `TRUSTED_PROXIES=1`, no `REDIS_URL` (jobs "
        f"inline, rate limits in memory); seen: {first.production}. wrk and gunicorn share the "
        "2 CPUs",
        f"- load: `wrk -t {args.threads} -c {args.connections} -d {args.duration:g}s --timeout "
        f"60s` per page after a {args.warmup:g} s warm-up, every request with `X-Forwarded-Proto: "
        "https` (the proxy's header, so Secure cookies are issued as in production); varied pages "
        f"pick each request's path at random from {P.VARIED:,} live listings (or live "
        "offer/want pairs); My firm and the staff dashboard with the session cookie of a sign-in "
        "through the login form (CSRF token); ratio = requests/s ÷ those of `/healthz` before "
        "the pages; items = listing links or GeoJSON features in the checked answers (mean); "
        "errors = answers other than 200 plus socket errors; RSS = peak of the two web workers "
        "while the page was driven",
        f"- keyset cursor in browse's next link: {first.cursor}",
        "",
        *reporting.markdown_table(
            "backend | N> | page | items> | one request ms> | requests/s> | ratio to /healthz> | "
            f"ratio ≥ {RATIO_TARGET:g} | p50 ms> | p95 ms> | p99 ms> | target p95 ms> | met | "
            "errors> | RSS MB>",
            table_rows(results),
        ),
        "",
        *verdict_lines(results),
        *timing_lines(results),
        *rebuild_lines(results),
        *profile_lines(results),
        f"- checks: {len(results.problems)} problems (every page answered 200 with its content "
        "before it was loaded, and without errors under load)",
        f"- whole run {(time.perf_counter() - results.started) / 60:.1f} min",
        f"- command: `{command}`",
    ]


# --- CLI -----------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = cli.parser_for(__doc__, [10_000, 100_000], sizes_help="listings, e.g. 10000,100000,"
                            "1000000 (default 10000,100000; --quick: 10000)")  # fmt: skip
    cli.backend_arguments(parser, DEFAULT_PG_URL)
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--warmup", type=int, default=2, help="seconds per page, discarded")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--quick", action="store_true",
                        help="10k listings, 3 s per page after 1 s of warm-up")  # fmt: skip
    parser.add_argument("--pages", type=cli.str_list, default=[],
                        help="only the pages whose name contains one of these")  # fmt: skip
    parser.add_argument("--slow-limit", type=float, default=3.0,
                        help="seconds: a page whose single request takes longer is reported, "
                        "not loaded (16 such requests queue for minutes)")  # fmt: skip
    parser.add_argument(
        "--profile", type=int, default=0, metavar="K",
        help="afterwards profile one request of each of the K slowest pages",
    )  # fmt: skip
    parser.add_argument("--write", type=Path, help="replace the load section of this file")
    args = cli.parse_checked(parser, argv)
    if P.wrk_binary() is None:
        parser.error("wrk is not installed: `apt-get install -y wrk` (Debian's wrk 4.1)")
    if args.quick:
        if not any(a.startswith("--sizes") for a in argv):
            args.sizes = [10_000]
        if not any(a.startswith("--duration") for a in argv):
            args.duration = 3
        if not any(a.startswith("--warmup") for a in argv):
            args.warmup = 1
    if min(args.sizes) < 1_000 or args.duration <= 0 or args.connections < 1:
        parser.error("sizes of at least 1000 listings, a positive duration and connections")
    args.today = swedish_today()
    assert ROOT.exists()
    return args


if __name__ == "__main__":
    sys.exit(cli.main(sys.modules[__name__]))
