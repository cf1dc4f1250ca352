"""Keeping the stored match lists current: each listing marked `matches_due` is taken in by
`services.matching.stored.refresh`, one listing per transaction."""

from __future__ import annotations

import logging

from sqlalchemy import select

from marketplace.services.matching.stored import mark_due, refresh, started_ids
from models.listings import Listing
from workers.context import current

log = logging.getLogger(__name__)


def refresh_matches(listing_ids: list[int]) -> int:
    """Take these listings' changes into the match lists; how many were still due."""
    ctx = current()
    done = 0
    for listing_id in listing_ids:
        with ctx.sessions() as session:
            due = session.scalar(select(Listing.matches_due).where(Listing.id == listing_id))
            if not due:
                continue  # taken in already (another job, or the sweep's)
            result = refresh(session, listing_id, today=ctx.today())
            session.commit()
        done += 1
        log.debug("match lists: %s", result)
    return done


def mark_started() -> list[int]:
    """Listings whose start date came since their list was ranked, marked due (hourly)."""
    ctx = current()
    with ctx.sessions() as session:
        ids = started_ids(session, today=ctx.today())
        mark_due(session, ids)
        session.commit()
    return ids
