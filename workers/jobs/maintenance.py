"""The sweep: whatever the database says is owed but no queue holds (Redis lost it, a worker
died, an enqueue after commit never happened) is enqueued again."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from marketplace.services.accounts.retention import purge
from marketplace.services.alerts.fanout import due_listing_ids
from marketplace.services.impact.potentials import refresh_all
from marketplace.services.listings.lifecycle import expire_listings
from marketplace.services.listings.tallies import rebuild_tallies
from marketplace.services.mail.outbox import due_ids, queue_many
from marketplace.services.matching import stored
from marketplace.services.staff.facilitation import follow_up_envelopes
from workers.context import current
from workers.jobs.alerts import fan_out_listing
from workers.jobs.mail import enqueue_delivery
from workers.jobs.matching import mark_started, refresh_matches
from workers.queues import ALERTS, MAINTENANCE

GRACE = timedelta(minutes=2)  # leave freshly enqueued work to the job already on its way


def sweep(grace_seconds: int = int(GRACE.total_seconds())) -> dict[str, Any]:
    ctx = current()
    now = ctx.now()
    grace = timedelta(seconds=grace_seconds)
    with ctx.sessions() as session:
        listings = due_listing_ids(session, updated_before=now - grace)
        emails = due_ids(session, now=now - grace, lease=ctx.lease)
        matches = stored.due_ids(session, updated_before=now - grace)
    for listing_id in listings:
        ctx.dispatcher.enqueue(fan_out_listing, listing_id, queue=ALERTS)
    enqueue_delivery(ctx, emails)
    if matches:
        ctx.dispatcher.enqueue(refresh_matches, matches, queue=MAINTENANCE)
    return {"listings": len(listings), "emails": len(emails), "matches": len(matches)}


def expire() -> int:
    """Close listings whose end date has passed (hourly); then the match lists take in those,
    and the listings whose start date has come."""
    ctx = current()
    with ctx.sessions() as session:
        count = expire_listings(session, today=ctx.today())
        session.commit()
    mark_started()
    with ctx.sessions() as session:
        due = stored.due_ids(session)
    if due:
        ctx.dispatcher.enqueue(refresh_matches, due, queue=MAINTENANCE)
    return count


def rebuild_market() -> int:
    """Nightly: recompute the firms' tallies from scratch (as `flask market rebuild`), so a
    write that bypassed the services cannot leave the home totals wrong for more than a day."""
    ctx = current()
    with ctx.sessions() as session:
        firms = rebuild_tallies(session)
        session.commit()
    return firms


def refresh_potentials() -> int:
    """Recompute every published listing's best match (nightly); how many have one."""
    ctx = current()
    with ctx.sessions() as session:
        count = refresh_all(session, today=ctx.today())
        session.commit()
    return count


def send_follow_ups() -> int:
    """Remind staff of their follow-ups due today (once per note); how many emails."""
    ctx = current()
    with ctx.sessions() as session:
        envelopes, notes = follow_up_envelopes(session, ctx.notify, today=ctx.today())
        added = queue_many(session, envelopes, domain=ctx.notify.domain, now=ctx.now())
        for note in notes:
            note.reminded_at = ctx.now()
        session.commit()
    enqueue_delivery(ctx, sorted(added.values()))
    return len(added)


def purge_expired() -> dict[str, int]:
    """Nightly: blank old sent emails, delete old notifications and sign-ins (retention)."""
    ctx = current()
    with ctx.sessions() as session:
        report = purge(session, ctx.settings.retention_periods(), now=ctx.now())
        session.commit()
    return asdict(report)
