"""Per-firm tallies of published listings: what the home page's region totals add up."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class FirmTally(Base):
    """One firm's published listings: offers, wants and tonnes offered (material, remaining).

    A maintained aggregate (`marketplace.services.listings.tallies`): recomputed from the firm's
    listings in the transaction that changes them, rebuilt nightly by `flask market rebuild`.
    Listings past their end date count until the expire job marks them; the totals correct
    for those. The row is also what writers lock to serialise a firm's recomputations.
    """

    __tablename__ = "firm_tallies"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    offers: Mapped[int] = mapped_column(Integer, server_default="0")
    wants: Mapped[int] = mapped_column(Integer, server_default="0")
    tonnes_offered: Mapped[float] = mapped_column(Float, server_default="0")
