"""Daily and weekly digests: one email per user and period with everything new since the last.

A digest's outbox key is `digest:<cadence>:<period>:<user>`, so a second sweep in the same
period, or two sweeps at once, create nothing more: the losing insert does nothing and leaves the
notifications for the next period.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.services.alerts.notify import digest_envelope, item
from marketplace.services.listings.liveness import is_live
from marketplace.services.mail import outbox
from marketplace.services.mail.context import MailContext
from models.accounts import User
from models.alerts import AlertSubscription, Notification
from models.listings import Listing

CHUNK = 500


def pending_user_ids(session: Session, cadence: str) -> list[int]:
    stmt = (
        select(Notification.user_id)
        .where(Notification.state == "pending", Notification.cadence == cadence)
        .distinct()
        .order_by(Notification.user_id)
    )
    return list(session.scalars(stmt))


def build_chunk(
    session: Session,
    ctx: MailContext,
    cadence: str,
    period: str,
    user_ids: list[int],
    *,
    now: datetime,
    today: date,
) -> list[int]:
    """Queue `period`'s digests for these people (at most `CHUNK` of `pending_user_ids`) in the
    caller's transaction and mark their notifications emailed (or dropped); the new outbox ids.
    The caller commits each chunk (workers.jobs.alerts.build_digests)."""
    rows = session.execute(
        select(Notification, Listing, AlertSubscription.name, AlertSubscription.paused)
        .join(Listing, Listing.id == Notification.listing_id)
        .outerjoin(AlertSubscription, AlertSubscription.id == Notification.subscription_id)
        .where(
            Notification.user_id.in_(user_ids),
            Notification.state == "pending",
            Notification.cadence == cadence,
        )
        .order_by(Notification.user_id, Notification.id)
    ).all()
    users = {
        u.id: u
        for u in session.scalars(select(User).where(User.id.in_(user_ids)))
        if u.active and not u.alerts_muted and u.email_verified_at is not None
    }
    by_user: dict[int, list[Any]] = defaultdict(list)
    dropped: list[int] = []
    for note, listing, name, paused in rows:
        # Deleted or paused since: the user no longer wants these; closed listings are gone.
        wanted = name is not None and not paused
        if wanted and note.user_id in users and is_live(listing, today):
            by_user[note.user_id].append((note, listing, name))
        else:
            dropped.append(note.id)
    if dropped:
        session.execute(
            update(Notification).where(Notification.id.in_(dropped)).values(state="dropped"),
            execution_options={"synchronize_session": False},
        )
    envelopes = {
        user_id: _digest(ctx, users[user_id], cadence, period, entries)
        for user_id, entries in by_user.items()
    }
    added = outbox.queue_many(session, list(envelopes.values()), domain=ctx.domain, now=now)
    created, emailed = [], []
    for user_id, entries in by_user.items():
        email_id = added.get(envelopes[user_id].key)
        if email_id is None:
            continue  # this period's digest exists: these wait for the next one
        created.append(email_id)
        emailed += [{"id": n.id, "state": "emailed", "outbox_id": email_id} for n, _, _ in entries]
    if emailed:
        session.expunge_all()  # an UPDATE by primary key for each, in one executemany
        session.execute(update(Notification), emailed)
    return created


def _digest(
    ctx: MailContext, user: User, cadence: str, period: str, entries: list[Any]
) -> outbox.Envelope:
    locale = user.locale or "sv"
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for note, listing, name in entries:
        grouped[name].append(item(ctx, listing, note, locale))
    groups = sorted(grouped.items(), key=lambda pair: pair[0].casefold())
    sub_ids = sorted({note.subscription_id for note, _, _ in entries if note.subscription_id})
    return digest_envelope(ctx, user, cadence, period, groups, sub_ids)
