"""Alert subscriptions (an area plus filters plus a cadence) and the notifications they raise."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.accounts import User
from models.base import Base, UTCDateTime, utcnow
from models.sites import Site

AREA_KINDS = ("circle", "polygon", "regions")
CADENCES = ("instant", "daily", "weekly")
NOTIFICATION_STATES = ("pending", "emailed", "dropped")


class AlertSubscription(Base):
    """'Tell me about offers of sawdust within 30 km of our Borlänge site, once a day.'"""

    __tablename__ = "alert_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    area_kind: Mapped[str] = mapped_column(String(8))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    # Circle: centre (WGS84) and geodesic radius. Polygon: GeoJSON geometry in WGS84.
    center_lon: Mapped[float | None] = mapped_column(Float)
    center_lat: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    polygon_geojson: Mapped[str | None] = mapped_column(Text)
    # Bounding box in SWEREF 99 TM metres (circles and polygons), for the prefilter.
    min_x: Mapped[float | None] = mapped_column(Float)
    min_y: Mapped[float | None] = mapped_column(Float)
    max_x: Mapped[float | None] = mapped_column(Float)
    max_y: Mapped[float | None] = mapped_column(Float)
    # Regions: municipality (4-digit) and county (2-digit) codes, space separated.
    region_codes: Mapped[str] = mapped_column(String(400), default="")
    # Filters; an empty one means "any". Space-separated lists of codes.
    directions: Mapped[str] = mapped_column(String(12), default="offer")
    kinds: Mapped[str] = mapped_column(String(40), default="")
    categories: Mapped[str] = mapped_column(Text, default="")
    ewc_prefixes: Mapped[str] = mapped_column(String(400), default="")
    keywords: Mapped[str] = mapped_column(String(200), default="")
    cadence: Mapped[str] = mapped_column(String(7), default="instant")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, index=True
    )

    user: Mapped[User] = relationship()
    site: Mapped[Site | None] = relationship()

    @staticmethod
    def split(value: str | None) -> list[str]:
        return [part for part in (value or "").split() if part]


class Notification(Base):
    """One listing brought to one user's attention; never two for the same pair."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "listing_id"),
        Index("ix_notifications_digest", "state", "cadence", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="SET NULL"), index=True
    )
    cadence: Mapped[str] = mapped_column(String(7))
    state: Mapped[str] = mapped_column(String(8), default="pending")
    distance_m: Mapped[float | None] = mapped_column(Float)
    co2e_kg: Mapped[float | None] = mapped_column(Float)
    sek: Mapped[float | None] = mapped_column(Float)
    estimate_per: Mapped[str | None] = mapped_column(String(4))  # "year" or "once"
    factor_set_version: Mapped[int | None] = mapped_column(Integer)
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    subscription: Mapped[AlertSubscription | None] = relationship()


class AlertIndexState(Base):
    """One row: a token that changes with every subscription change (see alert_index)."""

    __tablename__ = "alert_index_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
