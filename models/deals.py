"""Deals inside a conversation: the terms both sides agreed, every change with who and when."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.accounts import User
    from models.conversations import Conversation
    from models.deliveries import Delivery
    from models.listings import Listing
    from models.organisations import Organisation
    from models.sites import Site

DEAL_STATUSES = ("proposed", "agreed", "delivering", "completed", "cancelled")
TRANSPORT_BY = ("supplier", "receiver", "third_party")
TRANSPORT_MODES = ("truck", "rail", "pickup")
DEAL_ROUTES = ("landfill", "incineration", "sold", "unknown")  # models.taxonomy CURRENT_ROUTES
DEAL_PRICE_MODELS = ("price", "fee", "free")  # receiver pays / supplier pays / no money


class Deal(Base):
    """The terms under negotiation or agreed; `version` counts proposals (for safe accepts)."""

    __tablename__ = "deals"
    __table_args__ = (
        CheckConstraint(
            "status IN ('proposed', 'agreed', 'delivering', 'completed', 'cancelled')",
            name="status",
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("substitution_ratio >= 0 AND substitution_ratio <= 1", name="ratio"),
        CheckConstraint("supplier_org_id <> receiver_org_id", name="two_firms"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="SET NULL"), index=True
    )
    want_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="SET NULL"), index=True
    )
    supplier_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    receiver_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    supplier_site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL")
    )
    receiver_site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    version: Mapped[int] = mapped_column(Integer, default=1)
    proposed_by_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    # Terms. Quantity in `unit` (the offer's unit), per period when `recurrence` is not "once".
    category: Mapped[str] = mapped_column(String(40), index=True)
    unit: Mapped[str] = mapped_column(String(16))
    density_t_per_m3: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    recurrence: Mapped[str] = mapped_column(String(5), default="once")
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    total_quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3))  # over the whole deal
    price_model: Mapped[str] = mapped_column(String(5), default="price")
    price_sek: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # per unit
    transport_by: Mapped[str] = mapped_column(String(11), default="supplier")
    transport_mode: Mapped[str] = mapped_column(String(6), default="truck")
    baseline_route: Mapped[str] = mapped_column(String(12), default="landfill")
    baseline_distance_km: Mapped[float] = mapped_column(Float, default=0.0)
    substitution_ratio: Mapped[float] = mapped_column(Float, default=1.0)
    # Sold or used today: the substitution ratio of today's use; only s − s_today is credited.
    substitution_today: Mapped[float | None] = mapped_column(Float)
    virgin_price_sek: Mapped[float] = mapped_column(Float, default=0.0)  # displaced input, per t
    displaced_heat_kg_per_mwh: Mapped[float | None] = mapped_column(Float)
    distance_km: Mapped[float] = mapped_column(Float, default=0.0)  # straight line, site to site
    terms_note: Mapped[str] = mapped_column(Text, default="")
    # What agreeing took from the listings' remaining quantities (in each listing's own unit and
    # period), so a cancellation can give back what was not delivered.
    reserved_offer: Mapped[Decimal | None] = mapped_column(Numeric(16, 3))
    reserved_want: Mapped[Decimal | None] = mapped_column(Numeric(16, 3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    conversation: Mapped[Conversation] = relationship(back_populates="deals")
    offer: Mapped[Listing | None] = relationship(foreign_keys=[offer_id])
    want: Mapped[Listing | None] = relationship(foreign_keys=[want_id])
    supplier_org: Mapped[Organisation] = relationship(foreign_keys=[supplier_org_id])
    receiver_org: Mapped[Organisation] = relationship(foreign_keys=[receiver_org_id])
    supplier_site: Mapped[Site | None] = relationship(foreign_keys=[supplier_site_id])
    receiver_site: Mapped[Site | None] = relationship(foreign_keys=[receiver_site_id])
    events: Mapped[list[DealEvent]] = relationship(
        back_populates="deal", order_by="DealEvent.id", cascade="all, delete-orphan"
    )
    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="deal",
        order_by="(Delivery.delivered_on, Delivery.id)",
        cascade="all, delete-orphan",
    )

    @property
    def org_ids(self) -> tuple[int, int]:
        return (self.supplier_org_id, self.receiver_org_id)

    @property
    def is_live(self) -> bool:
        return self.status in ("agreed", "delivering")

    @property
    def delivered_quantity(self) -> Decimal:
        """Logged and not disputed (pending or confirmed): what the agreed total is checked
        against. Realised figures count confirmed deliveries only."""
        return sum((d.quantity for d in self.deliveries if d.status != "disputed"), Decimal(0))


class DealEvent(Base):
    """One change of a deal: proposed, countered, agreed, delivery, completed, cancelled."""

    __tablename__ = "deal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    as_staff: Mapped[bool] = mapped_column(default=False)
    terms_json: Mapped[str | None] = mapped_column(Text)  # the terms proposed, as proposed
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    deal: Mapped[Deal] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
