"""Finding listings: text and filters, exact radius and area search, home-page figures.

Radius search never measures in degrees: SWEREF 99 TM metres for the indexed prefilter and the
planar ordering, geodesic distances on GRS80 for the answer (see docs/decisions.md, "Geography").
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, defer, joinedload

from models.listings import Listing


def is_live(listing: Listing, today: date) -> bool:
    """The Python twin of `live_condition`."""
    return listing.status == "published" and (
        listing.available_until is None or listing.available_until >= today
    )


def live_condition(today: date) -> ColumnElement[bool]:
    """Published and not past its end date."""
    return (Listing.status == "published") & (
        or_(Listing.available_until.is_(None), Listing.available_until >= today)
    )


def load_in_order(session: Session, ids: list[int]) -> list[Listing]:
    """Listings with their site and firm, in the order of `ids`; deleted ones are skipped."""
    if not ids:
        return []
    rows = session.scalars(
        select(Listing)
        .where(Listing.id.in_(ids))
        .options(
            joinedload(Listing.site), joinedload(Listing.organisation), defer(Listing.search_text)
        )
    ).all()
    by_id = {listing.id: listing for listing in rows}
    return [by_id[i] for i in ids if i in by_id]  # a listing deleted meanwhile is skipped
