"""From a match to a realised exchange: conversations, messages, deals, deliveries.

A conversation is opened by an inquiry from one firm on another firm's listing (or by regional
staff, later). A deal inside it carries the terms both sides agreed, every change with who and
when, and the deliveries logged against it; each delivery keeps its realised CO2e and SEK with
the factor-set version it was computed with.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.accounts import User
    from models.impact import FactorSet
    from models.listings import Listing
    from models.organisations import Organisation
    from models.sites import Site

DEAL_STATUSES = ("proposed", "agreed", "delivering", "completed", "cancelled")
TRANSPORT_BY = ("supplier", "receiver", "third_party")
TRANSPORT_MODES = ("truck", "rail", "pickup")
DEAL_ROUTES = ("landfill", "incineration", "sold", "unknown")  # models.taxonomy CURRENT_ROUTES
# A delivery logged by one firm is pending until the other firm confirms (or disputes) it; only
# confirmed deliveries count as realised.
DELIVERY_STATUSES = ("pending", "confirmed", "disputed")
DEAL_PRICE_MODELS = ("price", "fee", "free")  # receiver pays / supplier pays / no money


class Conversation(Base):
    """Two firms talking about one listing: the listing's firm and the firm that inquired."""

    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("listing_org_id <> inquirer_org_id", name="two_firms"),
        Index("ix_conversations_listing_org_activity", "listing_org_id", "last_activity_at"),
        Index("ix_conversations_inquirer_org_activity", "inquirer_org_id", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    # The inquirer's own listing when the inquiry started from a match (offer for a want, …).
    counterpart_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="SET NULL")
    )
    listing_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    inquirer_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when regional staff introduced the two firms (the conversation opens accepted).
    introduced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    wanted_quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    wanted_from: Mapped[date | None] = mapped_column(Date)
    wanted_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(6), default="open")
    # The listing's firm accepted the inquiry: an anonymous listing's firm and site are shown.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The latest message or deal event, and who caused it: what "unread" compares against.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_activity_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    listing: Mapped[Listing] = relationship(foreign_keys=[listing_id])
    counterpart: Mapped[Listing | None] = relationship(foreign_keys=[counterpart_id])
    listing_org: Mapped[Organisation] = relationship(foreign_keys=[listing_org_id])
    inquirer_org: Mapped[Organisation] = relationship(foreign_keys=[inquirer_org_id])
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )
    deals: Mapped[list[Deal]] = relationship(
        back_populates="conversation", order_by="Deal.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def org_ids(self) -> tuple[int, int]:
        return (self.listing_org_id, self.inquirer_org_id)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_created", "conversation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The author's firm when written (None for regional staff); kept if the person leaves.
    author_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    as_staff: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()


class ConversationRead(Base):
    """Up to when one person has read one conversation."""

    __tablename__ = "conversation_reads"
    __table_args__ = (UniqueConstraint("conversation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConversationMute(Base):
    """One person wants no email about one conversation (the inbox still shows it)."""

    __tablename__ = "conversation_mutes"
    __table_args__ = (UniqueConstraint("conversation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


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


class Delivery(Base):
    """One delivery as logged, with its realised impact computed when it was logged."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("status IN ('pending', 'confirmed', 'disputed')", name="status"),
        # Staff statistics read a period's deliveries from the index alone.
        Index("ix_deliveries_period", "delivered_on", "deal_id", "tonnes", "co2e_kg", "sek",
              "quantity", "status"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))  # in the deal's unit
    delivered_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The firm that logged it; the other firm confirms or disputes it (DELIVERY_STATUSES).
    logged_by_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(9), default="pending")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disputed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    factor_set_id: Mapped[int | None] = mapped_column(ForeignKey("factor_sets.id"))
    co2e_kg: Mapped[float | None] = mapped_column(Float)
    sek: Mapped[float | None] = mapped_column(Float)
    tonnes: Mapped[float | None] = mapped_column(Float)  # mass delivered (None: not a mass)
    impact_json: Mapped[str] = mapped_column(Text, default="{}")  # the API's `impact` object
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    deal: Mapped[Deal] = relationship(back_populates="deliveries")
    factor_set: Mapped[FactorSet | None] = relationship()
    logged_by: Mapped[User | None] = relationship(foreign_keys=[logged_by_id])

    @property
    def is_confirmed(self) -> bool:
        return self.status == "confirmed"
