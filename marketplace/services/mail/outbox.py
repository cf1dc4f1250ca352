"""The outbox: queue rendered emails as rows, claim them atomically, deliver, retry, count.

Delivery is at-least-once with at most one duplicate per crash: a row is claimed (status
`sending`, with a lease) before its email goes out and marked `sent` right after the server
accepted it, in its own commit. A worker killed between the two leaves one row `sending`; when the
lease runs out, the sweep hands it to another worker, which sends it again: that is the duplicate.

Each function here does one step in the caller's transaction; the delivery loop and its commits
(the claim, then every outcome on its own) are the job's (`workers.jobs.mail.deliver`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Table, bindparam, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from marketplace.services.mail.compose import Rendered
from marketplace.services.mail.transport import (
    DeliveryError,
    Mailer,
    OutgoingEmail,
)
from models.accounts import User
from models.base import utcnow
from models.outbox import OutboxEmail

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a claim older than this is presumed dead (worker killed)
MAX_ATTEMPTS = 8
BATCH = 200


def retry_delay(attempts: int) -> timedelta:
    """Backoff after a temporary failure: 1, 4, 16, 64 minutes … capped at 6 hours."""
    return timedelta(minutes=min(4 ** max(attempts - 1, 0), 360))


def message_id(key: str, domain: str) -> str:
    """The same Message-ID for every attempt at the same email."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


@dataclass(frozen=True)
class Envelope:
    key: str
    to: str
    purpose: str
    locale: str
    rendered: Rendered
    user_id: int | None = None
    headers: dict[str, str] | None = None


def _insert(session: Session) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(OutboxEmail)


def _values(envelope: Envelope, domain: str, now: datetime) -> dict[str, object]:
    return {
        "key": envelope.key,
        "user_id": envelope.user_id,
        "to_address": envelope.to,
        "purpose": envelope.purpose,
        "locale": envelope.locale,
        "subject": envelope.rendered.subject,
        "text": envelope.rendered.text,
        "html": envelope.rendered.html,
        "headers": json.dumps(envelope.headers or {}),
        "message_id": message_id(envelope.key, domain),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def queue_many(
    session: Session, envelopes: list[Envelope], *, domain: str, now: datetime | None = None
) -> dict[str, int]:
    """Add the emails whose keys are new, in one statement; {key: new id} for those added.

    Nothing is queued for a deactivated or deleted account (by its id or its address)."""
    envelopes = _without_inactive(session, envelopes)
    if not envelopes:
        return {}
    now = now or utcnow()
    stmt = (
        _insert(session)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxEmail.key, OutboxEmail.id)
    )
    rows = session.execute(stmt, [_values(e, domain, now) for e in envelopes]).all()
    return {key: email_id for key, email_id in rows}


def _without_inactive(session: Session, envelopes: list[Envelope]) -> list[Envelope]:
    if not envelopes:
        return envelopes
    ids = {e.user_id for e in envelopes if e.user_id is not None}
    addresses = {e.to.strip().lower() for e in envelopes}
    blocked = session.execute(
        select(User.id, User.email).where(
            User.active.is_(False), or_(User.id.in_(ids), User.email.in_(addresses))
        )
    ).all()
    if not blocked:
        return envelopes
    blocked_ids = {row.id for row in blocked}
    blocked_addresses = {row.email for row in blocked}
    return [
        e
        for e in envelopes
        if e.user_id not in blocked_ids and e.to.strip().lower() not in blocked_addresses
    ]


def queue(
    session: Session, envelope: Envelope, *, domain: str, now: datetime | None = None
) -> int | None:
    """Add the email unless one with the same key exists; the new row's id, else None."""
    return queue_many(session, [envelope], domain=domain, now=now).get(envelope.key)


def _claimable(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    return or_(
        (OutboxEmail.status == "pending") & (OutboxEmail.next_attempt_at <= now),
        (OutboxEmail.status == "sending") & (OutboxEmail.claimed_at < now - lease),
    )


def claim(
    session: Session, ids: Iterable[int], *, now: datetime, lease: timedelta = LEASE
) -> list[int]:
    """Mark the given rows `sending` if nobody else holds them; the ids this caller now owns."""
    wanted = list(ids)
    if not wanted:
        return []
    stmt = (
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(wanted), _claimable(now, lease))
        .values(status="sending", claimed_at=now, attempts=OutboxEmail.attempts + 1)
        .returning(OutboxEmail.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.execute(stmt).scalars())


def due_ids(
    session: Session, *, now: datetime, lease: timedelta = LEASE, limit: int = 10_000
) -> list[int]:
    """Rows that should be (re)sent now: pending and due, or claimed by a worker presumed dead."""
    stmt = select(OutboxEmail.id).where(_claimable(now, lease)).order_by(OutboxEmail.id)
    return list(session.scalars(stmt.limit(limit)))


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0


def claim_batch(
    session: Session, ids: Iterable[int], *, now: datetime, lease: timedelta = LEASE
) -> list[OutboxEmail]:
    """Claim the given rows (`claim`) and load the ones this caller now owns, in id order.

    The caller commits the claim before sending any of them (workers.jobs.mail.deliver)."""
    owned = claim(session, ids, now=now, lease=lease)
    stmt = select(OutboxEmail).where(OutboxEmail.id.in_(owned)).order_by(OutboxEmail.id)
    return list(session.scalars(stmt)) if owned else []


def outgoing(row: OutboxEmail) -> OutgoingEmail:
    """The email an outbox row stands for, as the mailer takes it."""
    return OutgoingEmail(
        to=row.to_address,
        subject=row.subject,
        text=row.text,
        html=row.html,
        purpose=row.purpose,
        message_id=row.message_id,
        headers=json.loads(row.headers or "{}"),
    )


def send_claimed(mailer: Mailer, row: OutboxEmail) -> DeliveryError | None:
    """Hand one claimed row to the mail server; the error, None when it was accepted."""
    email = outgoing(row)
    try:
        mailer.send(email)
    except DeliveryError as error:
        return error
    return None


# Built once: constructing the statement cost more than executing it, per email.
_OUTBOX = cast(Table, OutboxEmail.__table__)
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(status="sent", sent_at=bindparam("at"), last_error=None)
)


def record_result(
    session: Session,
    row: OutboxEmail,
    error: DeliveryError | None,
    *,
    now: datetime,
    report: DeliveryReport,
) -> None:
    """Write what the server said about one row (sent, retry later, failed); one UPDATE.

    The caller commits it at once, on its own, so a crash loses at most this one outcome."""
    if error is not None:
        _record_failure(session, row, error, now, report)
        return
    if session.get_bind().dialect.name == "postgresql":
        # No flush to disk for this mark: a database *server* crash could lose the last
        # few marks (so those emails go out again); a worker crash cannot, the commit has
        # reached the server. Delivery is at-least-once either way.
        session.execute(text("SET LOCAL synchronous_commit = off"))
    session.execute(_MARK_SENT, {"row_id": row.id, "at": now})
    report.sent += 1


def _record_failure(
    session: Session, row: OutboxEmail, error: DeliveryError, now: datetime, report: DeliveryReport
) -> None:
    give_up = error.permanent or row.attempts >= MAX_ATTEMPTS
    values: dict[str, object] = {"last_error": str(error)[:2000]}
    if give_up:
        values["status"] = "failed"
        report.failed += 1
        log.warning("email %s failed for good (%s): %s", row.id, row.purpose, error)
    else:
        values["status"] = "pending"
        values["next_attempt_at"] = now + retry_delay(row.attempts)
        report.retrying += 1
        log.info("email %s will be retried (attempt %s): %s", row.id, row.attempts, error)
    session.execute(update(OutboxEmail).where(OutboxEmail.id == row.id).values(**values))


def status_counts(session: Session) -> dict[str, int]:
    """How many emails are in each state (for staff)."""
    rows = session.execute(
        select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
    ).all()
    counts = {status: 0 for status in ("pending", "sending", "sent", "failed")}
    counts.update({status: int(n) for status, n in rows})
    return counts


def recent_failures(session: Session, limit: int = 50) -> list[OutboxEmail]:
    stmt = (
        select(OutboxEmail)
        .where(OutboxEmail.status == "failed")
        .order_by(OutboxEmail.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def retry_failed(session: Session, email_id: int, *, now: datetime) -> bool:
    """Staff: give a failed email another go (e.g. after the recipient fixed their mailbox)."""
    result = session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.status == "failed")
        .values(status="pending", next_attempt_at=now, attempts=0)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
