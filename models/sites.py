"""A firm's physical sites: where streams arise or are received."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.organisations import Organisation


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(6))  # "NNN NN"
    town: Mapped[str | None] = mapped_column(String(100))
    # One of the region's 41 kommunkoder, or NULL for "outside the region".
    municipality_code: Mapped[str | None] = mapped_column(String(4), index=True)
    county_code: Mapped[str | None] = mapped_column(String(2), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # SWEREF 99 TM (EPSG:3006) metres, for distance computations.
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    may_receive_hazardous: Mapped[bool] = mapped_column(Boolean, default=False)
    has_waste_permit: Mapped[bool] = mapped_column(Boolean, default=False)
    permit_notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="sites")
