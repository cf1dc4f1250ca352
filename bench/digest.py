"""Digest benchmark: a daily digest run for 10k recipients, one RQ worker, SMTP on loopback.

N verified users each have a daily subscription and 1–5 pending daily notifications about live
listings. `workers.jobs.alerts.send_digests("daily")` is enqueued with the project's RQ
dispatcher (Redis db 14) and ONE worker process (`python -m workers worker --burst`) builds the
digests and delivers them to an aiosmtpd sink in a separate process; the clock runs from the
enqueue until every digest row in the outbox is `sent`. Baseline in the same run: sending the
same emails, pre-built, with smtplib over one connection to the same sink. Every user must get
exactly one digest, or the exit code is 1. Usage: see bench/README.md.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from digest_parts.checks import profile_in_process, verify
from digest_parts.recipients import (
    LISTINGS,
    NOTES_PER_USER,
    SELLER_ORGS,
    Data,
    load,
    make_data,
)
from digest_parts.worker import POLL_S, Run, mailer_s, outgoing, raw_smtp_s, run_worker, smtp_sink
from support import cli, databases, reporting
from support.reporting import fmt

from marketplace.services.alerts import digests, notify
from marketplace.services.mail import outbox
from models.base import swedish_today

SECTION, TITLE = "digest", "## Digest delivery (`bench/digest.py`)"  # what --write replaces
TARGET_PER_S = 200.0  # QUALITY.md: digest run, 10k recipients, one worker, SMTP on loopback
MEASURED = (digests, notify, outbox)


def service_digest() -> str:
    return reporting.code_digest(*MEASURED)


# --- orchestration -------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    backend: str
    users: int
    notes: int
    run: Run
    raw_s: float
    mailer_s: float
    code: str  # service_digest() when the worker started (-> after, when it changed meanwhile)


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    load_s: dict[tuple[str, int], float] = field(default_factory=dict)
    data: dict[int, int] = field(default_factory=dict)  # users -> notifications
    machine: reporting.Machine = field(default_factory=reporting.Machine)


def run_backend(backend: str, args: argparse.Namespace, data: Data, results: Results) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="bench_digest_") as tmp_name,
        databases.migrated(backend, args.pg_url, results.machine.versions) as db,
    ):
        tmp, engine = Path(tmp_name), db.engine
        results.load_s[(backend, data.users)] = load(engine, data, args.today)
        print(f"  {backend}: loaded {data.users:,} users, {len(data.notes):,} notifications")
        with smtp_sink(tmp / "sink.log") as port:
            before = service_digest()  # the worker imports the code now
            run = run_worker(args, engine, db.url, port, tmp, data.users)
            after = service_digest()
            code = before if after == before else f"{before} → {after}"
            problems = verify(engine, data.users)
            if run.worker_rc != 0:
                problems.append(f"worker exit code {run.worker_rc}")
            if run.failed_jobs:
                problems.append(f"{run.failed_jobs} failed jobs")
            if problems:
                print((tmp / "worker.log").read_text(errors="replace")[-4000:])
            results.problems += [f"{backend} N={data.users}: {p}" for p in problems]
            emails = outgoing(engine)
            raw = raw_smtp_s(port, emails)
            mailer = mailer_s(port, emails)
            if args.profile:
                profile_in_process(args, engine, port)
        results.rows.append(Row(backend, data.users, len(data.notes), run, raw, mailer, code))
        total = run.done_s or float("nan")
        print(f"  {backend}: {data.users / total:.0f} emails/s end to end, smtplib "
              f"{len(emails) / raw:.0f}/s")  # fmt: skip


def run(args: argparse.Namespace) -> Results:
    results = Results()
    for users in args.sizes:
        print(f"N = {users:,}")
        data = make_data(users)
        results.data[users] = len(data.notes)
        for backend in args.backends:
            run_backend(backend, args, data, results)
    return results


# --- report --------------------------------------------------------------------------------


def rate(n: int, seconds: float | None) -> float | None:
    return n / seconds if seconds else None


def table_rows(results: Results) -> Iterator[list[str]]:
    for row in results.rows:
        r, n = row.run, row.users
        total, build, send = rate(n, r.done_s), rate(n, r.build_job_s), rate(n, r.send_s)
        raw, mailer = rate(n, row.raw_s), rate(n, row.mailer_s)
        cells = [row.backend, f"{n:,}", fmt(total, 0), f"≥ {TARGET_PER_S:g}"]
        cells += [
            reporting.verdict(-(total or 0), -TARGET_PER_S),
            fmt(build, 0),
            fmt(send, 0),
            fmt(raw, 0),
        ]
        cells += [fmt(total / raw if total and raw else None, 2)]
        cells += [fmt(send / raw if send and raw else None, 2), fmt(mailer, 0)]
        yield cells


def timing_table_rows(results: Results) -> Iterator[list[str]]:
    for row in results.rows:
        r = row.run
        cells = [row.backend, f"{row.users:,}", fmt(r.done_s, 1), fmt(r.start_delay_s, 1)]
        cells += [fmt(r.build_job_s, 1), str(r.mail_jobs), fmt(r.send_s, 1)]
        cells += [fmt(r.worker_exit_s, 1), fmt(row.raw_s, 1), row.code]
        yield cells


def report(results: Results, args: argparse.Namespace, command: str) -> list[str]:
    sizes = ", ".join(f"{u:,} users ({n:,} notifications)" for u, n in results.data.items())
    return [
        *reporting.machine_lines(results.machine),
        f"- data: {sizes}: verified users (2 per firm, two thirds Swedish, one third "
        f"English), each with one daily subscription and {NOTES_PER_USER[0]}–"
        f"{NOTES_PER_USER[1]} pending daily notifications about "
        f"{LISTINGS:,} live listings of {SELLER_ORGS} other firms, half of them with CO2e and "
        "SEK estimates",
        "- run: `send_digests('daily')` enqueued with `RQDispatcher` (JSON serializer, Redis "
        "db 14), then ONE `python -m workers worker --burst` process started; it builds the "
        "digests (chunks of 500 users, one commit each), enqueues `send_emails` batches of "
        "200 and delivers them to `python -m aiosmtpd -n -c aiosmtpd.handlers.Sink` on "
        "127.0.0.1 (a separate process); the clock runs from the enqueue to the `sent_at` "
        f"stamp of the last digest (the database is polled every {POLL_S:g} s to see the end)",
        "",
        *reporting.markdown_table(
            "backend | users> | end to end emails/s> | target> | met | build emails/s> | "
            "send emails/s> | smtplib baseline emails/s> | end to end ÷ baseline> | "
            "send ÷ baseline> | `Mailer` without database emails/s>",
            table_rows(results),
        ),
        "",
        *reporting.markdown_table(
            "backend | users> | enqueue → all sent s> | worker start-up s> | "
            "`send_digests` job s> | `send_emails` jobs> | first → last send job s> | "
            "worker exited s> | smtplib baseline s> | code",
            timing_table_rows(results),
        ),
        "",
        "- end to end = users ÷ (enqueue → all sent), worker start-up included; build = users ÷ "
        "the `send_digests` job's own run time (RQ's started/ended stamps); send = users ÷ "
        "first `send_emails` job started → last ended",
        "- baseline (same run, same sink, same emails): smtplib `sendmail` of the digests as "
        "pre-built message bytes over one connection; `Mailer` without database: the "
        "project's `Mailer.send` (MIME building included) over one connection, no outbox work",
        f"- verified: every user has exactly one digest row and it is `sent`; no notification "
        f"left pending; no failed job; {len(results.problems)} problems",
        f"- target (QUALITY.md): ≥ {TARGET_PER_S:g} emails/s for a digest run with 10k "
        "recipients and one worker (taken end to end)",
        "- code: the first 12 hex digits of the sha256 of "
        "`marketplace/services/{digests,notify,outbox}.py` as the worker imported them (an "
        "arrow: the files changed on disk while it ran)",
        f"- load (bulk insert + ANALYZE): {reporting.loads_text(results.load_s)}",
        f"- command: `{command}`",
    ]


# --- CLI -----------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = cli.parser_for(__doc__, [10_000], sizes_help="recipients")
    cli.backend_arguments(parser, "postgresql://postgres@127.0.0.1:5432/bench_alerts")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--profile", action="store_true", help="then build and deliver in-process, profiled"
    )
    parser.add_argument("--write", type=Path, help="replace the digest section of this file")
    args = cli.parse_checked(parser, argv)
    if min(args.sizes, default=0) < 1:
        parser.error("every size must be positive")
    redis_db = args.redis_url.rstrip("/").rsplit("/", 1)[-1]
    if redis_db in ("", "0", "15") or not redis_db.isdigit():
        parser.error("give --redis-url a dedicated database number (not 0, not the tests' 15)")
    args.secret = secrets.token_urlsafe(48)
    args.today = swedish_today()
    return args


if __name__ == "__main__":
    sys.exit(cli.main(sys.modules[__name__]))
