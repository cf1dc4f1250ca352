"""Conversations between two firms: opened by an inquiry on a listing (or by staff introducing
two firms), their messages, who has read what, and who muted a conversation's emails."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.accounts import User
    from models.deals import Deal
    from models.listings import Listing
    from models.organisations import Organisation


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
