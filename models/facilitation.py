"""What regional staff record about firms and listings: reports on listings, and notes on
firms with follow-ups."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.accounts import User
    from models.listings import Listing
    from models.organisations import Organisation


class ListingReport(Base):
    """A member's report that a listing is wrong, misleading or unlawful."""

    __tablename__ = "listing_reports"
    __table_args__ = (UniqueConstraint("listing_id", "reporter_id"),)  # one report per member

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    listing: Mapped[Listing] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])


class FirmNote(Base):
    """Staff's own note on a firm (never shown to the firm), optionally with a follow-up date."""

    __tablename__ = "firm_notes"
    __table_args__ = (Index("ix_firm_notes_follow_up", "follow_up_on", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship()
