"""Offers and wants: the marketplace's listings."""

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.taxonomy import CATEGORY_BY_KEY, PER_YEAR, Category, tonnes

if TYPE_CHECKING:
    from models.organisations import Organisation
    from models.sites import Site
    from models.taxonomy import EwcCode


STATS_COLUMNS = (
    "published_at", "status", "organisation_id", "direction", "kind", "unit", "recurrence",
    "quantity", "density_t_per_m3", "category", "municipality_code", "county_code",
)  # fmt: skip


# Full-text search over `search_text` is built by each database its own way (migration
# b5c7d9e1f3a2): on PostgreSQL a generated tsvector column with a GIN index and the text search
# configuration TS_CONFIG, on SQLite an FTS5 table kept in step by triggers. The ORM never maps
# them (no query loads the vector; SQLite has no such column), so autogenerate must not propose
# dropping them: `include_in_autogenerate` tells it, for `alembic check` and the migration tests.
TS_CONFIG = "swedish_unaccent"
SEARCH_VECTOR = "search_vector"
FTS_TABLE = "listings_fts"
FULLTEXT_OBJECTS = {
    ("column", SEARCH_VECTOR),
    ("index", "ix_listings_search_vector"),
    *(("table", FTS_TABLE + suffix) for suffix in ("", "_data", "_idx", "_docsize", "_config")),
}


def include_in_autogenerate(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's `include_object`: everything but the full-text objects of the database."""
    return not (reflected and compare_to is None and (type_, name) in FULLTEXT_OBJECTS)


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint("direction IN ('offer', 'want')", name="direction"),
        CheckConstraint("kind IN ('material', 'energy', 'capacity')", name="kind"),
        CheckConstraint(
            "status IN ('draft', 'published', 'reserved', 'closed', 'expired')", name="status"
        ),
        CheckConstraint("visibility IN ('public', 'anonymous')", name="visibility"),
        CheckConstraint(
            "current_route IS NULL"
            " OR current_route IN ('landfill', 'incineration', 'sold', 'unknown')",
            name="current_route",
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("remaining_quantity >= 0", name="remaining_non_negative"),
        # Browse, newest first: (published_at, id) is the whole ordering, so a keyset page
        # ("after this published_at and id") is one range of this index.
        Index("ix_listings_newest", "status", "published_at", "id"),
        # Radius search: equality on status, a short list of grid cells; everything the search
        # reads is in the index too, so counting and ordering by distance never touch the table.
        Index("ix_listings_geo", "status", "cell", "x", "y", "available_until", "lon", "lat", "id"),
        # Staff statistics: a period's listings with every column they group and sum, so the
        # dashboard reads the index, not the table (docs/performance.md, staff dashboard).
        Index("ix_listings_period", *STATS_COLUMNS),
        # Home totals: published listings past their end date that the expire job has not yet
        # marked, subtracted from the firms' tallies (services.listings.tallies).
        Index("ix_listings_status_until", "status", "available_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    direction: Mapped[str] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(40), index=True)
    ewc_code: Mapped[str | None] = mapped_column(ForeignKey("ewc_codes.code"), index=True)
    is_hazardous: Mapped[bool] = mapped_column(default=False)
    needs_assessment: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    composition: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[str] = mapped_column(String(16))
    density_t_per_m3: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    recurrence: Mapped[str] = mapped_column(String(5), default="once")
    available_from: Mapped[date | None] = mapped_column(Date)
    available_until: Mapped[date | None] = mapped_column(Date)
    remaining_quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    price_model: Mapped[str] = mapped_column(String(10), default="negotiable")
    price_sek: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    max_distance_km: Mapped[int | None] = mapped_column(Integer)
    # What happens to an offered stream today, as the seller stated it (models.taxonomy
    # CURRENT_ROUTES); None: not stated, so estimates assume the category's usual Swedish fate and
    # say so. `current_route_km` is the road haul to today's disposal site or user, if known.
    current_route: Mapped[str | None] = mapped_column(String(12))
    current_route_km: Mapped[float | None] = mapped_column(Float)
    visibility: Mapped[str] = mapped_column(String(9), default="public")
    status: Mapped[str] = mapped_column(String(9), default="draft")
    temperature_c: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    seasonality: Mapped[str | None] = mapped_column(String(16))
    capacity_type: Mapped[str | None] = mapped_column(String(16))
    # Where the listing is found and shown: the site itself, or for anonymous listings a coarse
    # point (geo.coarsen) that reveals no more than the municipality. Kept in step by services.
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    cell: Mapped[int] = mapped_column(Integer)  # geo.grid.cell_of(x, y)
    municipality_code: Mapped[str | None] = mapped_column(String(4), index=True)
    county_code: Mapped[str | None] = mapped_column(String(2), index=True)
    # Case-folded title, description, category and code labels; the databases index it for
    # full-text search (see FULLTEXT_OBJECTS).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Set when a publication (or a move/recategorisation while published) still has to be
    # checked against alert subscriptions; cleared by the fan-out job, re-queued by the sweep.
    fanout_due: Mapped[bool] = mapped_column(default=False, index=True)
    # Set (by services.matching.tracking, on every flush that changes what matching reads) while
    # the stored match lists (models.matches) still have to take this listing's change in.
    matches_due: Mapped[bool] = mapped_column(default=False, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when regional staff unpublished the listing; the firm sees the reason.
    moderation_reason: Mapped[str | None] = mapped_column(Text)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    site: Mapped[Site] = relationship()
    ewc: Mapped[EwcCode | None] = relationship()

    @property
    def category_info(self) -> Category | None:
        return CATEGORY_BY_KEY.get(self.category)

    @property
    def is_anonymous(self) -> bool:
        return self.visibility == "anonymous"

    @property
    def quantity_tonnes(self) -> float | None:
        density = float(self.density_t_per_m3) if self.density_t_per_m3 is not None else None
        return tonnes(float(self.quantity), self.unit, density)

    def amount(self, *, remaining: bool = True) -> float | None:
        """Tonnes (MWh for energy) per listed period, None when neither a mass nor energy.

        `remaining`: what is still available or still wanted; a listing with nothing left (fully
        reserved) falls back to its listed quantity, so an estimate never shows 0 t.
        """
        left = self.remaining_quantity if remaining else None
        quantity = float(left if left is not None and left > 0 else self.quantity)
        if self.unit == "MWh":
            return quantity
        density = float(self.density_t_per_m3) if self.density_t_per_m3 is not None else None
        return tonnes(quantity, self.unit, density)

    def amount_per_year(self, *, remaining: bool = True) -> float | None:
        """`amount` converted to a year: a weekly stream ×52, a monthly one ×12, a one-off once."""
        amount = self.amount(remaining=remaining)
        return None if amount is None else amount * PER_YEAR.get(self.recurrence, 1)

    @property
    def per(self) -> str:
        """ "year" for a recurring stream, "once" for a one-off lot: what every figure says."""
        return "once" if self.recurrence == "once" else "year"
