"""The statistics' SQL: filters, building blocks and the grouped statements the dashboard is
computed from (services.stats assembles them; the definitions are in its docstring).

Each fact statement reads one table's rows for the period once and groups them every way the
page needs (`aggregate.grouping_sets`); the statements are independent, so services.stats runs
them two at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, select
from sqlalchemy.orm import Session, aliased

from marketplace.services.staff.aggregate import Groups, Measure, grouping_sets
from models.deals import Deal
from models.deliveries import Delivery
from models.listings import Listing
from models.organisations import Organisation
from models.potentials import MatchPotential
from models.sites import Site

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
    if not (digits.isascii() and digits.isdigit()):
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


def _number(column: Any) -> Any:
    """A NUMERIC column as a float: summing floats is several times cheaper for PostgreSQL,
    and statistics need no more than float precision."""
    return cast(column, Float)


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


def _sector(f: StatsFilter, organisation_id: Any) -> list[ColumnElement[bool]]:
    """The firm is in the filter's SNI section (a subquery, so no join without the filter)."""
    if not f.sector or f.sector not in SECTIONS:
        return []
    in_section = func.substr(Organisation.sni_code, 1, 2).in_(_sector_divisions(f.sector))
    return [organisation_id.in_(select(Organisation.id).where(in_section))]


def listing_conditions(f: StatsFilter, *, published_in_period: bool = True) -> list[Any]:
    """Where a listing counts."""
    where: list[Any] = [Listing.status != "draft", Listing.published_at.is_not(None)]
    if published_in_period:
        where += [Listing.published_at >= f.start_at, Listing.published_at < f.end_at]
    where += _place(f, Listing.municipality_code, Listing.county_code)
    where += _sector(f, Listing.organisation_id)
    if f.category:
        where.append(Listing.category == f.category)
    return where


def listings_select(f: StatsFilter, *columns: Any, published_in_period: bool = True) -> Any:
    return (
        select(*columns)
        .select_from(Listing)
        .where(*listing_conditions(f, published_in_period=published_in_period))
    )


SupplierSite = aliased(Site)


def deal_conditions(f: StatsFilter) -> list[Any]:
    where: list[Any] = _place(f, SupplierSite.municipality_code, SupplierSite.county_code)
    where += _sector(f, Deal.supplier_org_id)
    if f.category:
        where.append(Deal.category == f.category)
    return where


def deals_select(*columns: Any) -> Any:
    return (
        select(*columns)
        .select_from(Deal)
        .outerjoin(SupplierSite, SupplierSite.id == Deal.supplier_site_id)
    )


def deliveries_select(f: StatsFilter, *columns: Any, status: str = "confirmed") -> Any:
    """The period's deliveries of one status: realised figures count confirmed ones only."""
    return (
        deals_select(*columns)
        .join(Delivery, Delivery.deal_id == Deal.id)
        .where(
            Delivery.delivered_on >= f.start,
            Delivery.delivered_on <= f.end,
            Delivery.status == status,
            *deal_conditions(f),
        )
    )


def pending_deliveries(session: Session, f: StatsFilter) -> tuple[int, float]:
    """Deliveries in the period still waiting for the other firm: count and tonnes."""
    stmt = deliveries_select(
        f, func.count(Delivery.id), func.coalesce(func.sum(Delivery.tonnes), 0.0), status="pending"
    )
    count, mass = session.execute(stmt).one()
    return int(count), float(mass)


def listing_tonnes_per_year() -> Any:
    """Tonnes per year of a material listing (a float); NULL for energy and capacity
    (transport capacity in tonnes is capacity, never material tonnes)."""
    quantity, density = _number(Listing.quantity), _number(Listing.density_t_per_m3)
    mass = tonnes_sql(quantity, Listing.unit, density)
    return case((Listing.kind == "material", mass * _per_year(Listing.recurrence)), else_=None)


def month_of(session: Session, column: Any, *, is_date: bool = False) -> Any:
    """The month of a date, or of a timestamp in Swedish time, as the database computes it
    fastest; `as_month` turns what comes back into YYYY-MM. PostgreSQL truncates a timestamp in
    the Stockholm zone (`date_trunc` with a zone: a quarter less time than `to_char` of
    `timezone()` over 100k listings) and formats a date as it is. SQLite stores UTC text;
    Swedish time is UTC+1 or +2, so the local month differs from the UTC one only from 22:00
    UTC on: only those rows go through `stockholm_month`, a Python function models.engine
    registers on each connection."""
    if session.get_bind().dialect.name == "postgresql":
        if is_date:
            return func.to_char(column, "YYYY-MM")
        return func.date_trunc("month", column, "Europe/Stockholm")
    if is_date:
        return func.strftime("%Y-%m", column)
    return case(
        (func.substr(column, 12, 2) >= "22", func.stockholm_month(column)),
        else_=func.substr(column, 1, 7),
    )


def as_month(value: Any) -> str:
    """YYYY-MM of a `month_of` value (a PostgreSQL timestamp, or text); "" for NULL."""
    if isinstance(value, datetime):
        local = value.astimezone(STOCKHOLM) if value.tzinfo else value
        return local.strftime("%Y-%m")
    if isinstance(value, date):
        return value.strftime("%Y-%m")
    return "" if value is None else str(value)


# --- the grouped statements ----------------------------------------------------------------------


def _count(columns: Any) -> Any:
    return func.count()


def _sum(name: str) -> Measure:
    return lambda columns: func.sum(columns[name])


OUTCOME = {"n": _count, **{name: _sum(name) for name in ("tonnes", "mwh", "co2e_kg", "sek")}}


def listing_amounts(session: Session, f: StatsFilter) -> Groups:
    """The period's listings with their amounts, by kind, by category and by municipality, in
    one statement."""
    quantity = _number(Listing.quantity)
    rows = listings_select(
        f,
        Listing.direction.label("direction"),
        Listing.kind.label("kind"),
        Listing.unit.label("unit"),
        Listing.category.label("category"),
        Listing.municipality_code.label("municipality"),
        listing_tonnes_per_year().label("t"),
        (quantity * _per_year(Listing.recurrence)).label("y"),
        quantity.label("q"),
    )
    sets = {
        "kinds": ("direction", "kind", "unit"),
        "categories": ("category", "direction"),
        "municipalities": ("municipality", "direction"),
    }
    measures = {"n": _count, "tonnes": _sum("t"), "yearly": _sum("y"), "plain": _sum("q")}
    return grouping_sets(session, rows, sets, measures)


def listing_activity(session: Session, f: StatsFilter) -> Groups:
    """The period's listings counted by month and the firms behind them, in one statement
    (apart from the amounts so that the two can run at the same time)."""
    rows = listings_select(
        f,
        month_of(session, Listing.published_at).label("month"),
        Listing.direction.label("direction"),
        Listing.organisation_id.label("firm"),
    )
    sets = {"months": ("month", "direction"), "firms": ("firm",)}
    return grouping_sets(session, rows, sets, {"n": _count})


def delivery_facts(session: Session, f: StatsFilter) -> Groups:
    """The period's deliveries (realised), grouped six ways in one statement."""
    rows = deliveries_select(
        f,
        month_of(session, Delivery.delivered_on, is_date=True).label("month"),
        Deal.category.label("category"),
        SupplierSite.municipality_code.label("municipality"),
        Deal.supplier_org_id.label("supplier"),
        Deal.receiver_org_id.label("receiver"),
        _number(Delivery.tonnes).label("tonnes"),
        case((Deal.unit == "MWh", _number(Delivery.quantity)), else_=0).label("mwh"),
        _number(Delivery.co2e_kg).label("co2e_kg"),
        _number(Delivery.sek).label("sek"),
    )
    sets = {
        "total": (),
        "months": ("month",),
        "categories": ("category",),
        "municipalities": ("municipality",),
        "suppliers": ("supplier",),
        "receivers": ("receiver",),
    }
    return grouping_sets(session, rows, sets, OUTCOME)


def agreement_facts(session: Session, f: StatsFilter) -> Groups:
    """Deals agreed in the period, by month and by firm on either side."""
    rows = deals_select(
        month_of(session, Deal.agreed_at).label("month"),
        Deal.supplier_org_id.label("supplier"),
        Deal.receiver_org_id.label("receiver"),
    ).where(Deal.agreed_at >= f.start_at, Deal.agreed_at < f.end_at, *deal_conditions(f))
    sets = {"months": ("month",), "suppliers": ("supplier",), "receivers": ("receiver",)}
    return grouping_sets(session, rows, sets, {"n": _count})


Counterpart = aliased(Listing)


def _potential_rows(f: StatsFilter, *columns: Any) -> Any:
    """Best matches of listings published now (both sides), within the filters."""
    return (
        listings_select(f, *columns, published_in_period=False)
        .join(MatchPotential, MatchPotential.listing_id == Listing.id)
        .join(Counterpart, Counterpart.id == MatchPotential.counterpart_id)
        .where(Listing.status == "published", Counterpart.status == "published")
    )


def potential_facts(session: Session, f: StatsFilter) -> Groups:
    """Best matches of published listings by direction, and of offers by category and
    municipality (an exchange is counted once, on its offer's side)."""
    rows = _potential_rows(
        f,
        Listing.direction.label("direction"),
        Listing.category.label("category"),
        Listing.municipality_code.label("municipality"),
        *(_number(getattr(MatchPotential, name)).label(name)
          for name in ("tonnes", "mwh", "co2e_kg", "sek")),
    )  # fmt: skip
    sets = {
        "directions": ("direction",),
        "categories": ("direction", "category"),
        "municipalities": ("direction", "municipality"),
    }
    return grouping_sets(session, rows, sets, OUTCOME)
