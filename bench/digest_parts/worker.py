"""The processes of a digest run (an SMTP sink, one RQ burst worker), its clock, and the
smtplib and `Mailer` baselines."""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from redis import Redis
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from support import ROOT

from digest_parts.recipients import SENDER
from marketplace.services.mail import outbox
from marketplace.services.mail.transport import (
    Mailer,
    MailSettings,
    OutgoingEmail,
    compose,
)
from models.outbox import OutboxEmail
from workers.jobs.alerts import send_digests
from workers.queues import ALERTS, MAIL, RQDispatcher

POLL_S = 0.5  # how often the database is asked whether the run is over
TIMEOUT_S = 1_800.0


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
        return [outbox.outgoing(r) for r in session.scalars(stmt)]


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
