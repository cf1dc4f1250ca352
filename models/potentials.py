"""Match potentials for the statistics: each live listing's best counterpart, and the pairs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Float,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    pass


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
