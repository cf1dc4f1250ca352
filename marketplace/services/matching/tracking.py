"""Marking listings whose change the stored match lists must take in (`stored.refresh`).

Every ORM flush that adds, changes or deletes what matching reads sets `Listing.matches_due`,
so no service has to remember it; the few Core updates of listings (deals.stock) set the flag
themselves. Whoever commits hands the due listings to the job afterwards (the web layer after
each state-changing request, the jobs that change listings); the sweep catches any left over.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from models.listings import Listing
from models.matches import MatchEntry
from models.sites import Site

# What the rules and the score read (pairs.ROW_COLUMNS), and the status that decides liveness.
WATCHED = frozenset(
    {
        "status", "organisation_id", "site_id", "direction", "kind", "lon", "lat", "x", "y",
        "category", "ewc_code", "is_hazardous", "quantity", "remaining_quantity", "unit",
        "density_t_per_m3", "available_from", "available_until", "max_distance_km",
    }
)  # fmt: skip


def _changed(obj: Any, names: frozenset[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "before_flush")
def _mark(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.new:
        if isinstance(obj, Listing) and obj.status != "draft":
            obj.matches_due = True
    for obj in session.dirty:
        if isinstance(obj, Listing) and _changed(obj, WATCHED):
            obj.matches_due = True
    gone = [o.id for o in session.deleted if isinstance(o, Listing) and o.id is not None]
    if gone:
        # Their rows leave every list by cascade; the lists that held them may be too short.
        holders = select(MatchEntry.listing_id).where(MatchEntry.counterpart_id.in_(gone))
        with session.no_autoflush:
            ids = set(session.scalars(holders)) - set(gone)
        if ids:
            session.execute(
                update(Listing)
                .where(Listing.id.in_(ids))
                .values(matches_due=True)  # a new updated_at: a job running now leaves it due
            )


@event.listens_for(Session, "after_flush")
def _permits(session: Session, _context: Any) -> None:
    """A receiving site's permit decides which hazardous offers fit its wants."""
    sites = [
        obj.id
        for obj in session.dirty
        if isinstance(obj, Site) and _changed(obj, frozenset({"may_receive_hazardous"}))
    ]
    if sites:
        session.execute(
            update(Listing)
            .where(Listing.site_id.in_(sites), Listing.status == "published")
            .values(matches_due=True)
        )
