"""Deliveries logged against a deal; each keeps its realised CO2e and SEK with the factor-set
version it was computed with."""

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
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.accounts import User
    from models.deals import Deal
    from models.impact import FactorSet


# A delivery logged by one firm is pending until the other firm confirms (or disputes) it; only
# confirmed deliveries count as realised.
DELIVERY_STATUSES = ("pending", "confirmed", "disputed")


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
