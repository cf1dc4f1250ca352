"""The region's symbiosis statistics for staff: key figures, tables and drill-downs.

Definitions (the dashboard and `GET /api/v1/stats` state the same):
- The period is Swedish local days, both ends included. Flows count what happened in it:
  listings first published, inquiries (conversations opened), deals agreed and completed,
  deliveries (realised). Potential is a state: the best match of each listing published now.
- Where: a listing is in its site's municipality (an anonymous listing too, which reveals no more
  than the municipality); a deal and its deliveries are where the supplier's site is.
- Sector: SNI 2007 section of the listing's firm, of the supplier for deals.
- Amounts are per year: a weekly stream ×52, a monthly one ×12, a one-off lot once; tonnes from
  t, kg, and m³ with a density; heat in MWh; capacity (storage, transport, machine time) per unit
  as listed, never added to tonnes.
- Realised = sums over logged deliveries (each with its stored estimate); potential = sums over
  the stored best match of each published offer (so no exchange is counted twice), never mixed.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, distinct, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from models.deals import Conversation, Deal, Delivery
from models.listings import Listing
from models.organisations import Organisation
from models.sites import Site
from models.staff import MatchPotential

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PER_YEAR = {"week": 52, "month": 12}

# SNI 2007 / NACE Rev. 2 sections by their two-digit divisions (SCB, SNI 2007).
SECTIONS: dict[str, tuple[str, str, range]] = {
    "A": ("Agriculture, forestry and fishing", "Jordbruk, skogsbruk och fiske", range(1, 4)),
    "B": ("Mining and quarrying", "Utvinning av mineral", range(5, 10)),
    "C": ("Manufacturing", "Tillverkning", range(10, 34)),
    "D": ("Energy supply", "Försörjning av el, gas, värme och kyla", range(35, 36)),
    "E": ("Water, sewerage and waste", "Vatten, avlopp och avfall", range(36, 40)),
    "F": ("Construction", "Byggverksamhet", range(41, 44)),
    "G": ("Wholesale and retail trade", "Handel", range(45, 48)),
    "H": ("Transportation and storage", "Transport och magasinering", range(49, 54)),
    "I": ("Accommodation and food service", "Hotell och restaurang", range(55, 57)),
    "J": ("Information and communication", "Information och kommunikation", range(58, 64)),
    "K": ("Finance and insurance", "Finans och försäkring", range(64, 67)),
    "L": ("Real estate", "Fastighetsverksamhet", range(68, 69)),
    "M": (
        "Professional and technical services",
        "Juridik, ekonomi, vetenskap och teknik",
        range(69, 76),
    ),
    "N": ("Administrative and support services", "Uthyrning och stödtjänster", range(77, 83)),
    "O": ("Public administration", "Offentlig förvaltning och försvar", range(84, 85)),
    "P": ("Education", "Utbildning", range(85, 86)),
    "Q": ("Health and social work", "Vård och omsorg", range(86, 89)),
    "R": ("Arts and recreation", "Kultur, nöje och fritid", range(90, 94)),
    "S": ("Other services", "Annan serviceverksamhet", range(94, 97)),
    "T": ("Households as employers", "Hushåll som arbetsgivare", range(97, 99)),
    "U": ("Extraterritorial organisations", "Internationella organisationer", range(99, 100)),
}


def section_of(sni_code: str | None) -> str | None:
    digits = (sni_code or "")[:2]
    if not digits.isdigit():
        return None
    division = int(digits)
    return next((key for key, (_, _, span) in SECTIONS.items() if division in span), None)


@dataclass(frozen=True)
class StatsFilter:
    start: date
    end: date
    county: str | None = None
    municipality: str | None = None
    sector: str | None = None  # SNI section letter
    category: str | None = None

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), STOCKHOLM).astimezone(UTC)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(), STOCKHOLM).astimezone(UTC)

    def as_params(self) -> dict[str, str]:
        params = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        for name in ("county", "municipality", "sector", "category"):
            if getattr(self, name):
                params[name] = getattr(self, name)
        return params


# --- SQL building blocks ------------------------------------------------------------------------


def tonnes_sql(quantity: Any, unit: Any, density: Any) -> Any:
    """Tonnes of a quantity, or NULL when the unit is not a mass."""
    return case(
        (unit == "t", quantity),
        (unit == "kg", quantity / 1000),
        (and_(unit == "m3", density.is_not(None)), quantity * density),
        else_=None,
    )


def _per_year(recurrence: Any) -> Any:
    return case((recurrence == "week", 52), (recurrence == "month", 12), else_=1)


def _sector_divisions(sector: str) -> list[str]:
    span = SECTIONS[sector][2]
    return [f"{d:02d}" for d in span]


def _place(f: StatsFilter, municipality: Any, county: Any) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.municipality:
        where.append(municipality == f.municipality)
    if f.county:
        where.append(county == f.county)
    return where


def _sector(f: StatsFilter, sni: Any) -> list[ColumnElement[bool]]:
    if not f.sector or f.sector not in SECTIONS:
        return []
    return [func.substr(sni, 1, 2).in_(_sector_divisions(f.sector))]


def listing_conditions(f: StatsFilter, *, published_in_period: bool = True) -> list[Any]:
    """Where a listing counts (join Organisation for the sector)."""
    where: list[Any] = [Listing.status != "draft", Listing.published_at.is_not(None)]
    if published_in_period:
        where += [Listing.published_at >= f.start_at, Listing.published_at < f.end_at]
    where += _place(f, Listing.municipality_code, Listing.county_code)
    where += _sector(f, Organisation.sni_code)
    if f.category:
        where.append(Listing.category == f.category)
    return where


def listings_select(f: StatsFilter, *columns: Any, published_in_period: bool = True) -> Any:
    return (
        select(*columns)
        .select_from(Listing)
        .join(Organisation, Organisation.id == Listing.organisation_id)
        .where(*listing_conditions(f, published_in_period=published_in_period))
    )


SupplierSite = aliased(Site)
Supplier = aliased(Organisation)


def deal_conditions(f: StatsFilter) -> list[Any]:
    where: list[Any] = _place(f, SupplierSite.municipality_code, SupplierSite.county_code)
    where += _sector(f, Supplier.sni_code)
    if f.category:
        where.append(Deal.category == f.category)
    return where


def deals_select(*columns: Any) -> Any:
    return (
        select(*columns)
        .select_from(Deal)
        .outerjoin(SupplierSite, SupplierSite.id == Deal.supplier_site_id)
        .join(Supplier, Supplier.id == Deal.supplier_org_id)
    )


def deliveries_select(f: StatsFilter, *columns: Any) -> Any:
    return (
        deals_select(*columns)
        .join(Delivery, Delivery.deal_id == Deal.id)
        .where(
            Delivery.delivered_on >= f.start, Delivery.delivered_on <= f.end, *deal_conditions(f)
        )
    )


def listing_tonnes_per_year() -> Any:
    """Tonnes per year of a material listing; NULL for energy and capacity (transport capacity
    in tonnes is capacity, never material tonnes)."""
    mass = tonnes_sql(Listing.quantity, Listing.unit, Listing.density_t_per_m3)
    return case((Listing.kind == "material", mass * _per_year(Listing.recurrence)), else_=None)


def month_of(session: Session, column: Any, *, is_date: bool = False) -> Any:
    """YYYY-MM of a date, or of a timestamp in Swedish time: PostgreSQL converts it itself,
    SQLite through `stockholm_month`, a function models.engine registers on each connection."""
    if session.get_bind().dialect.name == "postgresql":
        local = column if is_date else func.timezone("Europe/Stockholm", column)
        return func.to_char(local, "YYYY-MM")
    return func.strftime("%Y-%m", column) if is_date else func.stockholm_month(column)


# --- the figures ----------------------------------------------------------------------------------


@dataclass
class Amounts:
    listings: int = 0
    tonnes: float = 0.0
    mwh: float = 0.0
    capacity: dict[str, float] = field(default_factory=dict)


@dataclass
class Outcome:
    """Realised (deliveries) or potential (best matches): never added together."""

    tonnes: float = 0.0
    mwh: float = 0.0
    co2e_kg: float = 0.0
    sek: float = 0.0
    count: int = 0  # deliveries, or listings with a match


@dataclass
class Figures:
    filters: StatsFilter
    active_firms: int
    listings: dict[str, dict[str, int]]  # direction -> kind -> count
    offered: Amounts
    wanted: Amounts
    matches: int
    inquiries: int
    deals_agreed: int
    deals_completed: int
    realised: Outcome
    potential: Outcome
    median_days_to_inquiry: float | None
    median_days_to_deal: float | None


def _amounts(
    session: Session, f: StatsFilter
) -> tuple[dict[str, dict[str, int]], dict[str, Amounts]]:
    rows = session.execute(
        listings_select(
            f,
            Listing.direction,
            Listing.kind,
            Listing.unit,
            func.count(),
            func.sum(listing_tonnes_per_year()),
            func.sum(Listing.quantity * _per_year(Listing.recurrence)),
            func.sum(Listing.quantity),
        ).group_by(Listing.direction, Listing.kind, Listing.unit)
    ).all()
    counts: dict[str, dict[str, int]] = {
        d: {k: 0 for k in ("material", "energy", "capacity")} for d in ("offer", "want")
    }
    amounts = {"offer": Amounts(), "want": Amounts()}
    for direction, kind, unit, n, mass, yearly, plain in rows:
        counts[direction][kind] += n
        target = amounts[direction]
        target.listings += n
        if kind == "capacity":
            target.capacity[unit] = target.capacity.get(unit, 0.0) + float(plain or 0)
        elif unit == "MWh":
            target.mwh += float(yearly or 0)
        else:
            target.tonnes += float(mass or 0)
    return counts, amounts


def realised(session: Session, f: StatsFilter) -> Outcome:
    count, mass, mwh, co2e, sek = session.execute(
        deliveries_select(
            f,
            func.count(Delivery.id),
            func.sum(Delivery.tonnes),
            func.sum(case((Deal.unit == "MWh", Delivery.quantity), else_=0)),
            func.sum(Delivery.co2e_kg),
            func.sum(Delivery.sek),
        )
    ).one()
    return Outcome(float(mass or 0), float(mwh or 0), float(co2e or 0), float(sek or 0), count)


Counterpart = aliased(Listing)


def _potential_rows(f: StatsFilter, *columns: Any) -> Any:
    """Best matches of listings published now (both sides), within the filters."""
    return (
        listings_select(f, *columns, published_in_period=False)
        .join(MatchPotential, MatchPotential.listing_id == Listing.id)
        .join(Counterpart, Counterpart.id == MatchPotential.counterpart_id)
        .where(Listing.status == "published", Counterpart.status == "published")
    )


def potential(session: Session, f: StatsFilter) -> Outcome:
    offers = Listing.direction == "offer"
    matched, mass, mwh, co2e, sek = session.execute(
        _potential_rows(
            f,
            func.count(),
            func.sum(case((offers, MatchPotential.tonnes), else_=0)),
            func.sum(case((offers, MatchPotential.mwh), else_=0)),
            func.sum(case((offers, MatchPotential.co2e_kg), else_=0)),
            func.sum(case((offers, MatchPotential.sek), else_=0)),
        )
    ).one()
    return Outcome(float(mass or 0), float(mwh or 0), float(co2e or 0), float(sek or 0), matched)


def _count_deals(session: Session, f: StatsFilter, column: Any) -> int:
    stmt = deals_select(func.count()).where(
        column >= f.start_at, column < f.end_at, *deal_conditions(f)
    )
    return int(session.scalar(stmt) or 0)


def _medians(session: Session, f: StatsFilter) -> tuple[float | None, float | None]:
    """Median days from publication to the first inquiry and to the first agreed deal, over
    the period's listings that got one."""
    first_inquiry = (
        select(Conversation.listing_id, func.min(Conversation.created_at).label("at"))
        .group_by(Conversation.listing_id)
        .subquery()
    )
    agreed = Deal.agreed_at.is_not(None)
    sides = union_all(
        select(Deal.offer_id.label("listing_id"), Deal.agreed_at.label("at")).where(agreed),
        select(Deal.want_id.label("listing_id"), Deal.agreed_at.label("at")).where(agreed),
    ).subquery()
    first_deal = (
        select(sides.c.listing_id, func.min(sides.c.at).label("at"))
        .where(sides.c.listing_id.is_not(None))
        .group_by(sides.c.listing_id)
        .subquery()
    )
    medians = []
    for first in (first_inquiry, first_deal):
        rows = session.execute(
            listings_select(f, Listing.published_at, first.c.at).join(
                first, first.c.listing_id == Listing.id
            )
        ).all()
        days = [
            (_aware(at) - _aware(published)).total_seconds() / 86400
            for published, at in rows
            if at is not None and _aware(at) >= _aware(published)
        ]
        medians.append(round(statistics.median(days), 1) if days else None)
    return medians[0], medians[1]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _active_firms(session: Session, f: StatsFilter) -> int:
    listing_firms = listings_select(f, Listing.organisation_id.label("org"))
    dealing = [
        *deal_conditions(f),
        or_(
            and_(Deal.agreed_at >= f.start_at, Deal.agreed_at < f.end_at),
            Deal.id.in_(
                select(Delivery.deal_id).where(
                    Delivery.delivered_on >= f.start, Delivery.delivered_on <= f.end
                )
            ),
        ),
    ]
    suppliers = deals_select(Deal.supplier_org_id.label("org")).where(*dealing)
    receivers = deals_select(Deal.receiver_org_id.label("org")).where(*dealing)
    union = listing_firms.union(suppliers, receivers).subquery()
    return int(session.scalar(select(func.count(distinct(union.c.org)))) or 0)


def figures(session: Session, f: StatsFilter) -> Figures:
    counts, amounts = _amounts(session, f)
    inquiries = session.scalar(
        listings_select(f, func.count(Conversation.id), published_in_period=False)
        .join(Conversation, Conversation.listing_id == Listing.id)
        .where(Conversation.created_at >= f.start_at, Conversation.created_at < f.end_at)
    )
    pot = potential(session, f)
    to_inquiry, to_deal = _medians(session, f)
    return Figures(
        filters=f,
        active_firms=_active_firms(session, f),
        listings=counts,
        offered=amounts["offer"],
        wanted=amounts["want"],
        matches=pot.count,
        inquiries=int(inquiries or 0),
        deals_agreed=_count_deals(session, f, Deal.agreed_at),
        deals_completed=_count_deals(session, f, Deal.completed_at),
        realised=realised(session, f),
        potential=pot,
        median_days_to_inquiry=to_inquiry,
        median_days_to_deal=to_deal,
    )


# --- tables ---------------------------------------------------------------------------------------


def months_between(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def by_month(session: Session, f: StatsFilter) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {
        m: {"month": m, "offers": 0, "wants": 0, "deals_agreed": 0, "realised_tonnes": 0.0,
            "realised_co2e_kg": 0.0, "realised_sek": 0.0}
        for m in months_between(f.start, f.end)
    }  # fmt: skip
    month = month_of(session, Listing.published_at)
    for key, direction, n in session.execute(
        listings_select(f, month, Listing.direction, func.count()).group_by(
            month, Listing.direction
        )
    ):
        if key in rows:
            rows[key]["offers" if direction == "offer" else "wants"] += n
    agreed = month_of(session, Deal.agreed_at)
    for key, n in session.execute(
        deals_select(agreed, func.count())
        .where(Deal.agreed_at >= f.start_at, Deal.agreed_at < f.end_at, *deal_conditions(f))
        .group_by(agreed)
    ):
        if key in rows:
            rows[key]["deals_agreed"] += n
    delivered = month_of(session, Delivery.delivered_on, is_date=True)
    for key, mass, co2e, sek in session.execute(
        deliveries_select(
            f, delivered, func.sum(Delivery.tonnes), func.sum(Delivery.co2e_kg),
            func.sum(Delivery.sek),
        ).group_by(delivered)
    ):  # fmt: skip
        if key in rows:
            rows[key].update(
                realised_tonnes=float(mass or 0),
                realised_co2e_kg=float(co2e or 0),
                realised_sek=float(sek or 0),
            )
    return list(rows.values())


def _grouped(
    session: Session, f: StatsFilter, listing_key: Any, deal_key: Any
) -> dict[str, dict[str, Any]]:
    """Offered/wanted per year, realised and potential per group (category or municipality)."""
    table: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"offers": 0, "wants": 0, "offered_tonnes": 0.0, "wanted_tonnes": 0.0,
                 "realised_tonnes": 0.0, "realised_co2e_kg": 0.0, "realised_sek": 0.0,
                 "potential_co2e_kg": 0.0, "potential_sek": 0.0}
    )  # fmt: skip
    mass_per_year = func.sum(listing_tonnes_per_year())
    for key, direction, n, mass in session.execute(
        listings_select(f, listing_key, Listing.direction, func.count(), mass_per_year).group_by(
            listing_key, Listing.direction
        )
    ):
        row = table[key or ""]
        side = "offer" if direction == "offer" else "want"
        row[f"{side}s"] += n
        row[f"{side}ed_tonnes" if side == "want" else "offered_tonnes"] += float(mass or 0)
    for key, mass, co2e, sek in session.execute(
        deliveries_select(
            f, deal_key, func.sum(Delivery.tonnes), func.sum(Delivery.co2e_kg),
            func.sum(Delivery.sek),
        ).group_by(deal_key)
    ):  # fmt: skip
        table[key or ""].update(
            realised_tonnes=float(mass or 0), realised_co2e_kg=float(co2e or 0),
            realised_sek=float(sek or 0),
        )  # fmt: skip
    best = (func.sum(MatchPotential.co2e_kg), func.sum(MatchPotential.sek))
    for key, co2e, sek in session.execute(
        _potential_rows(f, listing_key, *best)
        .where(Listing.direction == "offer")
        .group_by(listing_key)
    ):
        table[key or ""].update(potential_co2e_kg=float(co2e or 0), potential_sek=float(sek or 0))
    return dict(table)


def by_category(session: Session, f: StatsFilter) -> list[dict[str, Any]]:
    table = _grouped(session, f, Listing.category, Deal.category)
    return [{"category": key, **row} for key, row in sorted(table.items())]


def by_municipality(session: Session, f: StatsFilter) -> list[dict[str, Any]]:
    table = _grouped(session, f, Listing.municipality_code, SupplierSite.municipality_code)
    return [{"municipality": key or None, **row} for key, row in sorted(table.items())]


# --- drill-down -----------------------------------------------------------------------------------


def drill_listings(
    session: Session, f: StatsFilter, *, direction: str | None = None, kind: str | None = None,
    limit: int = 500,
) -> list[Listing]:  # fmt: skip
    """The listings a figure counts (published in the period, within the filters)."""
    stmt = listings_select(f, Listing)
    if direction:
        stmt = stmt.where(Listing.direction == direction)
    if kind:
        stmt = stmt.where(Listing.kind == kind)
    return list(session.scalars(stmt.order_by(Listing.published_at.desc()).limit(limit)))


def drill_deals(
    session: Session, f: StatsFilter, *, which: str = "agreed", limit: int = 500
) -> list[Deal]:
    """The deals a figure counts: agreed or completed in the period, or with deliveries in it."""
    stmt = deals_select(Deal).where(*deal_conditions(f))
    if which == "completed":
        stmt = stmt.where(Deal.completed_at >= f.start_at, Deal.completed_at < f.end_at)
    elif which == "delivered":
        stmt = stmt.where(
            Deal.id.in_(
                select(Delivery.deal_id).where(
                    Delivery.delivered_on >= f.start, Delivery.delivered_on <= f.end
                )
            )
        )
    else:
        stmt = stmt.where(Deal.agreed_at >= f.start_at, Deal.agreed_at < f.end_at)
    return list(session.scalars(stmt.order_by(Deal.id.desc()).limit(limit)))
