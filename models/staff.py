"""What regional staff work with: match potentials for the statistics, reports on listings,
notes on firms with follow-ups, and export jobs."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.accounts import User
    from models.listings import Listing
    from models.organisations import Organisation


class MatchPotential(Base):
    """A live listing's best match and its default estimate: what "potential" sums.

    Kept by the fan-out job when a listing is published and by the nightly refresh; the
    statistics count a row only while both listings are still published."""

    __tablename__ = "match_potentials"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    counterpart_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    distance_km: Mapped[float] = mapped_column(Float)
    tonnes: Mapped[float | None] = mapped_column(Float)  # what could change hands (None: not mass)
    mwh: Mapped[float | None] = mapped_column(Float)  # the same for heat
    co2e_kg: Mapped[float | None] = mapped_column(Float)
    sek: Mapped[float | None] = mapped_column(Float)
    factor_set_id: Mapped[int | None] = mapped_column(ForeignKey("factor_sets.id"))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PotentialPair(Base):
    """One offer/want pair of the regional potential and what it is allocated, per year.

    The best matches are allocated greedily by saving per tonne (or MWh) so that no want
    receives more than it asked for and no offer gives more than it has (IMPACT.md); only pairs
    whose estimate saves CO2e are kept. `MatchPotential.tonnes`, `mwh`, `co2e_kg` and `sek` of a
    listing are the sums of its pairs, which the statistics add up on the offers' side.
    """

    __tablename__ = "potential_pairs"

    offer_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    want_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    unit: Mapped[str] = mapped_column(String(3))  # "t" or "MWh"
    allocated: Mapped[float] = mapped_column(Float)  # per year
    co2e_kg: Mapped[float] = mapped_column(Float)  # of the allocated amount
    sek: Mapped[float] = mapped_column(Float)
    factor_set_id: Mapped[int | None] = mapped_column(ForeignKey("factor_sets.id"))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


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


class ExportJob(Base):
    """A large export written in the background; the page shows its progress and the file."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    table: Mapped[str] = mapped_column(String(30))
    fmt: Mapped[str] = mapped_column(String(4))
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(7), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    rows: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
