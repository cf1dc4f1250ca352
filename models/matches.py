"""Stored match lists: each live listing's best counterparts, kept current by a job.

The listing page and the matches API read these rows instead of ranking the market on every
request (`marketplace.services.matching.stored`). A list holds a prefix of the listing's exact
ranking (score, then distance, then id): every fitting pair that is not stored ranks below every
stored one. `complete` says the list holds every fitting pair, so a short list is still exact.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class MatchList(Base):
    """That a listing's stored matches exist, for which day they were ranked, and whether they
    are every fitting pair (`complete`) or only the best `stored.KEEP`."""

    __tablename__ = "match_lists"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    complete: Mapped[bool] = mapped_column(default=False)
    computed_on: Mapped[date] = mapped_column(Date)


class MatchEntry(Base):
    """One counterpart in a listing's list, with the pair's score and distance from that
    listing's point of view (the score's quantity part depends on whose quantity is covered)."""

    __tablename__ = "match_entries"
    __table_args__ = (
        # The read: one listing's entries best first, without touching the table.
        Index("ix_match_entries_rank", "listing_id", "score", "distance_km", "counterpart_id"),
    )

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("match_lists.listing_id", ondelete="CASCADE"), primary_key=True
    )
    counterpart_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    score: Mapped[float] = mapped_column(Float)
    distance_km: Mapped[float] = mapped_column(Float)
