"""Versioned emission and cost factor sets, and estimates stored with the version they used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow


class FactorSet(Base):
    """One published, immutable version of every factor; the highest version is in force."""

    __tablename__ = "factor_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    label: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    factors: Mapped[list[Factor]] = relationship(
        back_populates="factor_set", order_by="Factor.key", cascade="all, delete-orphan"
    )


class Factor(Base):
    __tablename__ = "factors"
    __table_args__ = (UniqueConstraint("factor_set_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(
        ForeignKey("factor_sets.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")

    factor_set: Mapped[FactorSet] = relationship(back_populates="factors")


class StoredEstimate(Base):
    """An estimate kept as computed: its inputs, result and the factor-set version it used."""

    __tablename__ = "estimates"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="SET NULL"))
    want_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="SET NULL"))
    factor_set_id: Mapped[int] = mapped_column(ForeignKey("factor_sets.id"), index=True)
    inputs_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    factor_set: Mapped[FactorSet] = relationship()
