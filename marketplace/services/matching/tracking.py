"""Marking listings whose change the stored match lists must take in (`stored.refresh`).

Every ORM flush that adds, changes or deletes what matching reads sets `Listing.matches_due`,
so no service has to remember it; the few Core updates of listings (deals.stock) set the flag
themselves. Whoever commits hands the due listings to the job afterwards (the web layer after
each state-changing request, the jobs that change listings); the sweep catches any left over.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event, inspect, select, update
from sqlalchemy.orm import Mapper

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


# Mapper events on Listing and Site, not a listener on every Session (the transaction rule,
# tests/services/test_transaction_rule.py): they run inside each flush, on its connection.


@event.listens_for(Listing, "before_insert")
def _inserted(_mapper: Mapper[Any], _connection: Connection, target: Listing) -> None:
    if target.status != "draft":
        target.matches_due = True


@event.listens_for(Listing, "before_update")
def _updated(_mapper: Mapper[Any], _connection: Connection, target: Listing) -> None:
    if _changed(target, WATCHED):
        target.matches_due = True  # written by this same UPDATE


@event.listens_for(Listing, "before_delete")
def _deleted(_mapper: Mapper[Any], connection: Connection, target: Listing) -> None:
    """Its rows leave every list by cascade; the lists that held it may now be too short."""
    holders = select(MatchEntry.listing_id).where(MatchEntry.counterpart_id == target.id)
    connection.execute(
        update(Listing)
        .where(Listing.id.in_(holders), Listing.id != target.id)
        .values(matches_due=True)  # a new updated_at: a job running now leaves it due
    )


@event.listens_for(Site, "after_update")
def _site_updated(_mapper: Mapper[Any], connection: Connection, target: Site) -> None:
    """A receiving site's permit decides which hazardous offers fit its wants."""
    if _changed(target, frozenset({"may_receive_hazardous"})):
        connection.execute(
            update(Listing)
            .where(Listing.site_id == target.id, Listing.status == "published")
            .values(matches_due=True)
        )
