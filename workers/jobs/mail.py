"""Mail jobs: deliver outbox rows in batches over one connection; the daily message summaries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from marketplace.services.deals import message_summaries
from marketplace.services.deals.message_summaries import GRACE
from marketplace.services.mail import outbox
from marketplace.services.mail.context import MailContext
from marketplace.services.mail.outbox import BATCH, LEASE, DeliveryReport
from marketplace.services.mail.periods import period_key
from marketplace.services.mail.transport import Mailer, MailSettings
from models.base import utcnow
from workers.context import JobContext, current
from workers.queues import MAIL


def send_emails(email_ids: list[int]) -> dict[str, Any]:
    """Claim and send these outbox rows (any already claimed or sent are skipped)."""
    ctx = current()
    report = deliver(
        ctx.sessions, [int(i) for i in email_ids], ctx.mail, clock=ctx.now, lease=ctx.lease
    )
    return asdict(report)


def deliver(
    sessions: sessionmaker[Session],
    ids: Iterable[int],
    settings: MailSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
    lease: timedelta = LEASE,
) -> DeliveryReport:
    """Claim and send the given rows over one connection; each outcome committed on its own.

    The claim is committed before the first email goes out and every outcome right after the
    server answered, so a worker killed mid-batch leaves at most one row `sending` (sent again
    when its lease runs out: the one duplicate) and the rest `pending` or marked."""
    report = DeliveryReport()
    wanted = list(ids)
    with _batch_session(sessions) as session:
        rows = outbox.claim_batch(session, wanted, now=clock(), lease=lease)
        session.commit()
        session.expunge_all()  # plain objects from here on; each outcome is one UPDATE
        report.skipped = len(wanted) - len(rows)
        with Mailer(settings) as mailer:
            for row in rows:
                error = outbox.send_claimed(mailer, row)
                outbox.record_result(session, row, error, now=clock(), report=report)
                session.commit()
    return report


@contextmanager
def _batch_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session that keeps one database connection across its commits (one per email).

    With SQLite's NullPool a plain session reconnects after every commit, which cost more than
    sending the email.
    """
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine):  # already a connection (tests bind one)
        with sessions() as session:
            yield session
        return
    with bind.connect() as connection, Session(bind=connection, expire_on_commit=False) as session:
        yield session


def enqueue_delivery(ctx: JobContext, email_ids: list[int]) -> None:
    for start in range(0, len(email_ids), BATCH):
        ctx.dispatcher.enqueue(send_emails, email_ids[start : start + BATCH], queue=MAIL)


def send_message_summaries(grace_seconds: int = int(GRACE.total_seconds())) -> int:
    """The day's summaries of new messages still owed (from 07:00); how many were created.
    Messages newer than `grace_seconds` wait for the next day (they may not be committed yet)."""
    ctx = current()
    grace = timedelta(seconds=grace_seconds)
    email_ids = build_message_summaries(ctx.sessions, ctx.notify, now=ctx.now(), grace=grace)
    enqueue_delivery(ctx, email_ids)
    return len(email_ids)


def build_message_summaries(
    sessions: sessionmaker[Session],
    ctx: MailContext,
    *,
    now: datetime,
    grace: timedelta = GRACE,
    chunk: int = message_summaries.CHUNK,
) -> list[int]:
    """Create the day's summaries that are owed; the new outbox ids. Each chunk of people is
    one commit: its emails queued and their `messages_summarised_until` advanced together."""
    period = period_key("daily", now)
    with sessions() as session:
        user_ids = message_summaries.due_user_ids(session, period)
    created: list[int] = []
    for start in range(0, len(user_ids), chunk):
        with sessions() as session:
            created += message_summaries.build_chunk(
                session, ctx, user_ids[start : start + chunk], period=period, now=now, grace=grace
            )
            session.commit()
    return created
