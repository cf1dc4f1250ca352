"""Alert jobs: fan a new listing out to subscriptions; build daily and weekly digests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from marketplace.services.alerts import digests
from marketplace.services.alerts.fanout import fan_out
from marketplace.services.impact.potentials import refresh_listing
from marketplace.services.mail.context import MailContext
from marketplace.services.mail.periods import period_key
from models.alerts import CADENCES
from workers.context import current
from workers.jobs.mail import enqueue_delivery


def fan_out_listing(listing_id: int) -> int:
    """Notify the subscribers a published listing satisfies; how many instant alerts. Then
    keep the listing's best match for the statistics (its own transaction: alerts first)."""
    ctx = current()
    with ctx.sessions() as session:
        email_ids = fan_out(session, ctx.notify, listing_id, today=ctx.today(), now=ctx.now())
        session.commit()
    enqueue_delivery(ctx, email_ids)
    with ctx.sessions() as session:
        refresh_listing(session, listing_id, today=ctx.today())
        session.commit()
    return len(email_ids)


def send_digests(cadence: str) -> int:
    """This period's digests for `cadence` ('daily' or 'weekly'); how many were created."""
    if cadence not in CADENCES or cadence == "instant":
        raise ValueError(f"no digests for cadence {cadence!r}")
    ctx = current()
    email_ids = build_digests(ctx.sessions, ctx.notify, cadence, now=ctx.now(), today=ctx.today())
    enqueue_delivery(ctx, email_ids)
    return len(email_ids)


def build_digests(
    sessions: sessionmaker[Session],
    ctx: MailContext,
    cadence: str,
    *,
    now: datetime,
    today: date,
    chunk: int = digests.CHUNK,
) -> list[int]:
    """Create this period's digests; the new outbox ids. Each chunk of people is one commit:
    its emails queued and its notifications marked together."""
    period = period_key(cadence, now)
    with sessions() as session:
        user_ids = digests.pending_user_ids(session, cadence)
    created: list[int] = []
    for start in range(0, len(user_ids), chunk):
        with sessions() as session:
            created += digests.build_chunk(
                session, ctx, cadence, period, user_ids[start : start + chunk], now=now, today=today
            )
            session.commit()
    return created
