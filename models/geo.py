"""Imported municipality and county boundaries (reference data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Boundary(Base):
    """One municipality or county polygon, as GeoJSON in WGS84 plus its SWEREF 99 TM bbox."""

    __tablename__ = "boundaries"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # "municipality" or "county"
    code: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(100))
    geojson: Mapped[str] = mapped_column(Text)  # geometry only, WGS84 lon/lat
    min_x: Mapped[float] = mapped_column(Float)
    min_y: Mapped[float] = mapped_column(Float)
    max_x: Mapped[float] = mapped_column(Float)
    max_y: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Postcode(Base):
    """A Swedish postcode with its postal town's coordinates (GeoNames, CC BY 4.0)."""

    __tablename__ = "postcodes"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)  # "NNN NN"
    place: Mapped[str] = mapped_column(String(100))
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
