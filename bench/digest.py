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
import cProfile
import json
import os
import pstats
import secrets
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from redis import Redis
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker
from support import ROOT, cli, databases, reporting, synthetic
from support.reporting import fmt

from geo.areas import Circle
from geo.grid import cell_of
from marketplace.services.alerts import digests, notify
from marketplace.services.mail import outbox
from marketplace.services.mail.context import MailContext
from marketplace.services.mail.transport import (
    Mailer,
    MailSettings,
    OutgoingEmail,
    compose,
)
from models import EwcCode, Listing, Organisation, Site, User
from models.alerts import AlertSubscription, Notification
from models.base import swedish_today
from models.outbox import OutboxEmail
from models.taxonomy import CATEGORY_BY_KEY
from workers.jobs.alerts import send_digests
from workers.queues import ALERTS, MAIL, RQDispatcher

SECTION, TITLE = "digest", "## Digest delivery (`bench/digest.py`)"  # what --write replaces
TARGET_PER_S = 200.0  # QUALITY.md: digest run, 10k recipients, one worker, SMTP on loopback
DATA_SEED = 20_261_129
USERS_PER_ORG = 2
SELLER_ORGS = 200  # firms whose listings the notifications point at
LISTINGS = 2_000
NOTES_PER_USER = (1, 5)
SENDER = "Symbios <no-reply@symbios.example>"
MEASURED = (digests, notify, outbox)
POLL_S = 0.5  # how often the database is asked whether the run is over
TIMEOUT_S = 1_800.0


def service_digest() -> str:
    return reporting.code_digest(*MEASURED)


# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    users: int
    orgs: int  # user firms 1..orgs, then SELLER_ORGS seller firms
    notes: list[tuple[int, int]]  # (user id, listing id)
    at: synthetic.Points  # site k + 1 (one per firm)

    @property
    def sites(self) -> int:
        return self.orgs + SELLER_ORGS


def make_data(users: int) -> Data:
    orgs = -(-users // USERS_PER_ORG)
    at = synthetic.clustered_points(synthetic.load_towns(), orgs + SELLER_ORGS, DATA_SEED)
    rng = np.random.default_rng(DATA_SEED + users)
    counts = rng.integers(NOTES_PER_USER[0], NOTES_PER_USER[1] + 1, users)
    notes = []
    for u, k in enumerate(counts.tolist(), start=1):
        for listing_id in sorted(rng.choice(LISTINGS, size=k, replace=False).tolist()):
            notes.append((u, listing_id + 1))
    return Data(users, orgs, notes, at)


SUBSCRIPTION_COLUMNS = (
    "id", "user_id", "name", "area_kind", "site_id", "center_lon", "center_lat", "radius_m",
    "min_x", "min_y", "max_x", "max_y", "region_codes", "directions", "kinds", "categories",
    "ewc_prefixes", "keywords", "cadence", "paused", "created_at", "updated_at",
)  # fmt: skip
NOTIFICATION_COLUMNS = (
    "id", "user_id", "listing_id", "subscription_id", "cadence", "state", "distance_m", "co2e_kg",
    "sek", "created_at",
)  # fmt: skip


def rows(data: Data, today: date) -> dict[str, list[tuple[Any, ...]]]:
    now = datetime.now(UTC).replace(microsecond=0)
    rng, p = np.random.default_rng(DATA_SEED), data.at
    sites = [
        (k + 1, k + 1, f"Site {k + 1}", float(p.lat[k]), float(p.lon[k]), float(p.x[k]),
         float(p.y[k]), False, False, now)
        for k in range(data.sites)
    ]  # fmt: skip
    users, subscriptions = [], []
    for u in range(1, data.users + 1):
        org = (u - 1) // USERS_PER_ORG + 1
        users.append(synthetic.user_row(u, org, u % USERS_PER_ORG == 1, now))
        circle = Circle(float(p.lon[org - 1]), float(p.lat[org - 1]), 50_000.0)
        subscriptions.append(
            (u, u, "Sågspån och bark i närheten", "circle", org, circle.lon, circle.lat,
             circle.radius_m, *circle.bbox(), "", "offer", "material", "bark sawdust", "", "",
             "daily", False, now, now)
        )  # fmt: skip
    streams = [s for s in synthetic.STREAMS if s.kind == "material"]
    listings = []
    for i in range(LISTINGS):
        org = data.orgs + 1 + i % SELLER_ORGS
        info = streams[i % len(streams)]
        code = info.codes[0] if info.codes else None
        label = CATEGORY_BY_KEY[info.category].label("sv")
        title = f"{label}, parti {i + 1}"
        description = "Torrt material från sågverket, lagras under tak."
        quantity = Decimal(int(rng.integers(5, 500)))
        k = org - 1
        listings.append(
            (i + 1, org, org, "offer", "material", info.category, code, *synthetic.code_flags(code),
             title, description, quantity, "t", "once", today + timedelta(days=60), quantity,
             "negotiable", "public", "published", float(p.lat[k]), float(p.lon[k]),
             float(p.x[k]), float(p.y[k]), cell_of(p.x[k], p.y[k]), "2080", "20",
             f"{title} {description}".casefold(), now, now, now)
        )  # fmt: skip
    distance = rng.uniform(1_000, 50_000, len(data.notes))
    estimated = rng.random(len(data.notes)) < 0.5
    notes = [
        (n + 1, u, listing_id, u, "daily", "pending", float(distance[n]),
         float(distance[n] / 100) if estimated[n] else None,
         float(distance[n] / 20) if estimated[n] else None, now)
        for n, (u, listing_id) in enumerate(data.notes)
    ]  # fmt: skip
    return {"sites": sites, "users": users, "subscriptions": subscriptions,
            "listings": listings, "notifications": notes}  # fmt: skip


def load(engine: Engine, data: Data, today: date) -> float:
    started = time.perf_counter()
    orgs = synthetic.organisation_rows(data.orgs + SELLER_ORGS, datetime.now(UTC))
    table = rows(data, today)
    with engine.begin() as conn:
        conn.execute(insert(EwcCode), synthetic.ewc_code_rows())
        conn.execute(insert(Organisation), orgs)
        databases.bulk_write(conn, Site, synthetic.SITE_COLUMNS, table["sites"])
        databases.bulk_write(conn, User, synthetic.USER_COLUMNS, table["users"])
        databases.bulk_write(conn, AlertSubscription, SUBSCRIPTION_COLUMNS, table["subscriptions"])
        databases.bulk_write(conn, Listing, synthetic.LISTING_COLUMNS, table["listings"])
        databases.bulk_write(conn, Notification, NOTIFICATION_COLUMNS, table["notifications"])
        databases.move_sequences(
            conn, ("users", "alert_subscriptions", "listings", "notifications")
        )
    databases.analyze(engine)
    return time.perf_counter() - started


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_sink(log_path: Path) -> Iterator[int]:
    """aiosmtpd's Sink handler (accepts and discards) in its own process; yields the port."""
    port = free_port()
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
               "-c", "aiosmtpd.handlers.Sink"]  # fmt: skip
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=2) as smtp:
                    smtp.noop()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(
                        f"the SMTP sink did not start: {log_path.read_text()}"
                    ) from None
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def worker_env(args: argparse.Namespace, database_url: str, port: int, instance: Path) -> dict:
    env = dict(os.environ)
    env.update(
        MARKETPLACE_ENV="production",
        DATABASE_URL=database_url,
        REDIS_URL=args.redis_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(port),
        MAIL_DEFAULT_SENDER=SENDER,
        SECRET_KEY=args.secret,
        BASE_URL="https://symbios.example",
        INSTANCE_PATH=str(instance),
    )
    return env


@dataclass
class Run:
    enqueue_s: float = 0.0
    done_s: float | None = None  # enqueue -> the last digest's sent_at
    worker_exit_s: float | None = None
    build_job_s: float | None = None  # send_digests job, started -> ended (RQ)
    start_delay_s: float | None = None  # enqueue -> send_digests job started (worker start-up)
    send_s: float | None = None  # first send_emails job started -> last ended (RQ)
    mail_jobs: int = 0
    failed_jobs: int = 0
    worker_rc: int | None = None


def count_sent(engine: Engine) -> int:
    with engine.connect() as conn:
        stmt = select(func.count()).where(
            OutboxEmail.purpose == "digest", OutboxEmail.status == "sent"
        )
        return int(conn.scalar(stmt) or 0)


def last_sent_s(engine: Engine, enqueued_at: datetime) -> float | None:
    """Seconds from the enqueue to the newest `sent_at` (the worker's own clock stamp)."""
    with engine.connect() as conn:
        stmt = select(func.max(OutboxEmail.sent_at)).where(OutboxEmail.purpose == "digest")
        last = as_utc(conn.scalar(stmt))
    return (last - enqueued_at).total_seconds() if last else None


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def job_times(redis: Redis, run: Run, enqueued_at: datetime) -> None:
    """Build and send phases from the jobs' own start and end stamps (RQ registries)."""
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for queue in (ALERTS, MAIL):
        registry = FinishedJobRegistry(queue, connection=redis, serializer=JSONSerializer)
        jobs = Job.fetch_many(registry.get_job_ids(), connection=redis, serializer=JSONSerializer)
        spans[queue] = [
            (as_utc(j.started_at), as_utc(j.ended_at))  # type: ignore[misc]
            for j in jobs
            if j is not None and j.started_at and j.ended_at
        ]
        failed = FailedJobRegistry(queue, connection=redis, serializer=JSONSerializer)
        run.failed_jobs += len(failed.get_job_ids())
    if spans[ALERTS]:
        start, end = spans[ALERTS][0]
        run.build_job_s = (end - start).total_seconds()
        run.start_delay_s = (start - enqueued_at).total_seconds()
    if spans[MAIL]:
        run.mail_jobs = len(spans[MAIL])
        first = min(s for s, _ in spans[MAIL])
        last = max(e for _, e in spans[MAIL])
        run.send_s = (last - first).total_seconds()


def run_worker(
    args: argparse.Namespace, engine: Engine, database_url: str, port: int, tmp: Path, users: int
) -> Run:
    """Enqueue `send_digests('daily')`, start one burst worker, wait for every digest `sent`."""
    redis = Redis.from_url(args.redis_url)
    redis.flushdb()  # db 14 only (the URL is checked in parse_args)
    dispatcher = RQDispatcher(args.redis_url)
    env = worker_env(args, database_url, port, tmp / "instance")
    log = (tmp / "worker.log").open("wb")
    run = Run()
    enqueued_at = datetime.now(UTC)
    started = time.perf_counter()
    dispatcher.enqueue(send_digests, "daily", queue=ALERTS)
    run.enqueue_s = time.perf_counter() - started
    command = [sys.executable, "-m", "workers", "worker", "--burst"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        while True:
            sent = count_sent(engine)
            elapsed = time.perf_counter() - started
            if sent >= users:
                run.done_s = last_sent_s(engine, enqueued_at)
                break
            if proc.poll() is not None:
                if run.worker_exit_s is None:
                    run.worker_exit_s = elapsed
                    continue  # one more look at the database
                break
            if elapsed > TIMEOUT_S:
                break
            time.sleep(POLL_S)
        run.worker_rc = proc.wait(TIMEOUT_S)
        if run.worker_exit_s is None:
            run.worker_exit_s = time.perf_counter() - started
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait()
        log.close()
    job_times(redis, run, enqueued_at)
    redis.flushdb()
    redis.close()
    return run


# --- baseline ------------------------------------------------------------------------------


def outgoing(engine: Engine) -> list[OutgoingEmail]:
    """The digests the worker sent, as the mailer gets them."""
    with Session(engine) as session:
        stmt = select(OutboxEmail).where(OutboxEmail.purpose == "digest").order_by(OutboxEmail.id)
        return [
            OutgoingEmail(
                to=r.to_address,
                subject=r.subject,
                text=r.text,
                html=r.html,
                purpose=r.purpose,
                message_id=r.message_id,
                headers=json.loads(r.headers or "{}"),
            )
            for r in session.scalars(stmt)
        ]


def raw_smtp_s(port: int, emails: list[OutgoingEmail]) -> float:
    """smtplib `sendmail` of pre-built message bytes over one connection."""
    prebuilt = [(email.to, compose(email, SENDER)[0]) for email in emails]
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        started = time.perf_counter()
        for to, data in prebuilt:
            smtp.sendmail("no-reply@symbios.example", [to], data)
        return time.perf_counter() - started


def mailer_s(port: int, emails: list[OutgoingEmail]) -> float:
    """The project's `Mailer.send` (build the MIME message, send) over one connection, without
    any database work: what delivery costs before claims and commits."""
    settings = MailSettings(
        backend="smtp", sender=SENDER, directory=Path(), server="127.0.0.1", port=port
    )
    started = time.perf_counter()
    with Mailer(settings) as mailer:
        for email in emails:
            mailer.send(email)
    return time.perf_counter() - started


# --- checks and profile --------------------------------------------------------------------


def verify(engine: Engine, users: int) -> list[str]:
    problems = []
    with engine.connect() as conn:
        rows = conn.execute(
            select(OutboxEmail.user_id, OutboxEmail.status, func.count())
            .where(OutboxEmail.purpose == "digest")
            .group_by(OutboxEmail.user_id, OutboxEmail.status)
        ).all()
        pending = conn.scalar(
            select(func.count()).select_from(Notification).where(Notification.state == "pending")
        )
    per_user: dict[int, int] = {}
    unsent = 0
    for user_id, status, n in rows:
        per_user[user_id] = per_user.get(user_id, 0) + int(n)
        if status != "sent":
            unsent += int(n)
    total = sum(per_user.values())
    if total != users:
        problems.append(f"{total} digest rows for {users} users")
    if len(per_user) != users or any(n != 1 for n in per_user.values()):
        twice = sum(1 for n in per_user.values() if n > 1)
        problems.append(f"{len(per_user)} users got a digest, {twice} more than one")
    if unsent:
        problems.append(f"{unsent} digest rows not 'sent'")
    if pending:
        problems.append(f"{pending} notifications still pending")
    return problems


def reset(engine: Engine) -> None:
    """Back to 'every notification pending, no digest' (for the in-process profile)."""
    with engine.begin() as conn:
        conn.execute(update(Notification).values(state="pending", outbox_id=None))
        conn.execute(OutboxEmail.__table__.delete())


def profile_in_process(args: argparse.Namespace, engine: Engine, port: int) -> None:
    """The same work in this process (no RQ), under cProfile: where the time goes."""
    reset(engine)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    ctx = MailContext(base_url="https://symbios.example", secret=args.secret, domain="x.example")
    settings = MailSettings(
        backend="smtp", sender=SENDER, directory=Path(), server="127.0.0.1", port=port
    )
    now = datetime.now(UTC)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    ids = digests.build_digests(sessions, ctx, "daily", now=now, today=now.date())
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"\n--- profile: build_digests in-process, {len(ids) / elapsed:.0f} emails/s ---")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for i in range(0, len(ids), outbox.BATCH):
        outbox.deliver(sessions, ids[i : i + outbox.BATCH], settings)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"\n--- profile: deliver in-process, {len(ids) / elapsed:.0f} emails/s ---")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


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
