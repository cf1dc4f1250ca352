"""Retention: personal data the service no longer needs is removed after a set period.

- Sent emails keep their row (key, purpose, subject, dates, status: the delivery record, and the
  key that stops the same email being sent twice), but lose their bodies, extra headers and
  recipient address; the row's `user_id` still says whose it was. Waiting and failed emails are
  left alone: they are not done yet (staff may send a failed one again).
- Notifications (a listing brought to a person's attention) are deleted once emailed or
  dropped; pending ones still belong in a digest and are kept.
- Sign-in records are deleted.

Each runs as one statement per table, so a run is all or nothing and a second run finds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlalchemy.orm import Session

from models.accounts import SignIn
from models.alerts import Notification
from models.outbox import OutboxEmail

PURGED_BODY = ""


@dataclass(frozen=True)
class RetentionPeriods:
    """Days to keep each kind of record (from the `*_RETENTION_DAYS` settings)."""

    outbox_days: int
    notification_days: int
    sign_in_days: int


@dataclass(frozen=True)
class PurgeReport:
    emails_blanked: int
    notifications_deleted: int
    sign_ins_deleted: int


def _count(result: Any) -> int:
    return int(result.rowcount or 0)


def blank_sent_emails(session: Session, *, before: datetime) -> int:
    """Sent before `before`: bodies, headers and address blanked; how many rows changed."""
    sent_at = func.coalesce(OutboxEmail.sent_at, OutboxEmail.created_at)
    stmt = (
        update(OutboxEmail)
        .where(
            OutboxEmail.status == "sent",
            sent_at < before,
            or_(
                OutboxEmail.text != PURGED_BODY,
                OutboxEmail.html != PURGED_BODY,
                OutboxEmail.to_address != "",
                OutboxEmail.headers != "{}",
            ),
        )
        .values(text=PURGED_BODY, html=PURGED_BODY, to_address="", headers="{}")
        .execution_options(synchronize_session=False)
    )
    return _count(session.execute(stmt))


def delete_old_notifications(session: Session, *, before: datetime) -> int:
    stmt = (
        delete(Notification)
        .where(Notification.state != "pending", Notification.created_at < before)
        .execution_options(synchronize_session=False)
    )
    return _count(session.execute(stmt))


def delete_old_sign_ins(session: Session, *, before: datetime) -> int:
    stmt = delete(SignIn).where(SignIn.at < before).execution_options(synchronize_session=False)
    return _count(session.execute(stmt))


def purge(session: Session, periods: RetentionPeriods, *, now: datetime) -> PurgeReport:
    """Everything past its retention period, in the caller's transaction."""
    return PurgeReport(
        emails_blanked=blank_sent_emails(session, before=now - timedelta(days=periods.outbox_days)),
        notifications_deleted=delete_old_notifications(
            session, before=now - timedelta(days=periods.notification_days)
        ),
        sign_ins_deleted=delete_old_sign_ins(
            session, before=now - timedelta(days=periods.sign_in_days)
        ),
    )
