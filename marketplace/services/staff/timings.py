"""The statistics' SQL: filters, building blocks and the grouped statements the dashboard is
computed from (services.stats assembles them; the definitions are in its docstring).

Each fact statement reads one table's rows for the period once and groups them every way the
page needs (`aggregate.grouping_sets`); the statements are independent, so services.stats runs
them two at a time.
"""

from __future__ import annotations

import statistics
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from marketplace.services.staff.stats_sql import (
    StatsFilter,
    deal_conditions,
    deals_select,
    listing_conditions,
    listings_select,
)
from models.conversations import Conversation
from models.deals import Deal
from models.listings import Listing


def count_deals(session: Session, f: StatsFilter, column: Any) -> int:
    stmt = deals_select(func.count()).where(
        column >= f.start_at, column < f.end_at, *deal_conditions(f)
    )
    return int(session.scalar(stmt) or 0)


def medians(session: Session, f: StatsFilter) -> tuple[float | None, float | None]:
    """Median days from publication to the first inquiry and to the first agreed deal at or
    after it, over the period's listings that got one (one statement from the events' side)."""
    # Listings published in the period can only have firsts after its start.
    since_start = (Conversation.created_at >= f.start_at, Deal.agreed_at >= f.start_at)
    events = union_all(
        select(literal("inquiry").label("kind"), Conversation.listing_id.label("listing_id"),
               Conversation.created_at.label("at")).where(since_start[0]),
        select(literal("deal"), Deal.offer_id, Deal.agreed_at).where(since_start[1]),
        select(literal("deal"), Deal.want_id, Deal.agreed_at).where(since_start[1]),
    ).subquery()  # fmt: skip
    days = _days_between(session, Listing.published_at, func.min(events.c.at))
    stmt = (
        select(events.c.kind, days)
        .select_from(events)
        .join(Listing, Listing.id == events.c.listing_id)
        .where(*listing_conditions(f), events.c.at >= Listing.published_at)
        .group_by(events.c.kind, Listing.id, Listing.published_at)
    )
    waits: dict[str, list[float]] = {"inquiry": [], "deal": []}
    for kind, value in session.execute(stmt):
        waits[kind].append(float(value))
    inquiry, deal = (waits[k] for k in ("inquiry", "deal"))
    return (
        round(statistics.median(inquiry), 1) if inquiry else None,
        round(statistics.median(deal), 1) if deal else None,
    )


def _days_between(session: Session, start: Any, end: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 86400
    return func.julianday(end) - func.julianday(start)


def count_inquiries(session: Session, f: StatsFilter) -> int:
    stmt = (
        listings_select(f, func.count(Conversation.id), published_in_period=False)
        .join(Conversation, Conversation.listing_id == Listing.id)
        .where(Conversation.created_at >= f.start_at, Conversation.created_at < f.end_at)
    )
    return int(session.scalar(stmt) or 0)
