"""Alert jobs: fan a new listing out to subscriptions; build daily and weekly digests."""

from __future__ import annotations

from marketplace.services.alerts.digests import build_digests
from marketplace.services.alerts.fanout import fan_out
from marketplace.services.impact.potentials import refresh_listing
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
