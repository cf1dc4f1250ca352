"""The staff statistics (services.stats) against the database rows recomputed in plain Python.

A seeded generator builds a varied market (firms of several SNI sections in the three counties,
listings of every kind, unit and recurrence spread over eighteen months, drafts, closed and
anonymous listings, inquiries, deals with deliveries, stored match potentials). For a range of
filters every key figure, table row and drill-down must equal what the rows themselves give.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.gazetteer import MUNICIPALITY_BY_CODE
from marketplace.services.deals import conversations, deliveries, negotiation
from marketplace.services.deals.conversations import InquiryInput, start_inquiry
from marketplace.services.deals.deal_terms import Terms
from marketplace.services.impact.factors import load_defaults
from marketplace.services.impact.potentials import refresh_all
from marketplace.services.staff import aggregate, stats, stats_sql
from marketplace.services.staff.stats import StatsFilter
from models.accounts import User
from models.base import swedish_today
from models.conversations import Conversation
from models.deals import Deal
from models.deliveries import Delivery
from models.listings import Listing
from models.organisations import Organisation
from models.potentials import MatchPotential
from models.sites import Site
from tests.factories import ListingFactory, OrganisationFactory, SiteFactory, UserFactory
from tests.workers.conftest import factories_on, jobs_db, sessions  # noqa: F401 - fixtures

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TODAY = swedish_today()
SEED = 20240915

# Firm name, SNI 2007 code, its section as SCB lists it, municipalities of its sites.
FIRMS: tuple[tuple[str, str | None, str | None, tuple[str, ...]], ...] = (
    ("Ljusdals Såg AB", "16.101", "C", ("2161", "2180")),
    ("Karlstads Energi AB", "35.300", "D", ("1780",)),
    ("Borlänge Stålverk AB", "24.100", "C", ("2081",)),
    ("Gävle Återvinning AB", "38.210", "E", ("2180",)),
    ("Dala Lantbruk AB", "01.110", "A", ("2080", "2081")),
    ("Falu Pellets AB", "16.290", "C", ("2080",)),
    ("Gävle Hamn AB", "52.100", "H", ("2180",)),
    ("Arvika Bygg AB", "41.200", "F", ("1784", "1780")),
    ("Skoghalls Bruk AB", "17.110", "C", ("1761",)),
    ("Ljusdals Omsorg", None, None, ("2161",)),
)
SECTION_BY_SNI = {sni: section for _, sni, section, _ in FIRMS}

MATERIALS = (
    "sawdust", "sawdust", "sawdust", "bark", "wood_offcuts", "fly_ash", "bottom_ash",
    "aggregates", "ferrous_metal", "plastics", "fibre_sludge",
)  # fmt: skip
ENERGY = ("surplus_heat", "surplus_heat", "process_steam")
CAPACITY = (("storage", "m2"), ("storage", "pallet_places"), ("machine_time", "hours"))
RECURRENCES = ("once", "week", "month", "year")
PER_YEAR = {"week": 52, "month": 12}

# The whole generated history, and a six-month window inside it (both start mid-month, so the
# SQLite month keys, which are UTC months, never move a row out of the period's months).
WHOLE = StatsFilter(start=(TODAY - timedelta(days=600)).replace(day=15), end=TODAY)
_window_start = (TODAY - timedelta(days=330)).replace(day=15)
WINDOW = StatsFilter(start=_window_start, end=_window_start + timedelta(days=181))

FILTERS: dict[str, StatsFilter] = {
    "whole period": WHOLE,
    "six months": WINDOW,
    "county 20": replace(WHOLE, county="20"),
    "municipality 2180": replace(WHOLE, municipality="2180"),
    "sector C": replace(WHOLE, sector="C"),
    "sector D": replace(WHOLE, sector="D"),
    "category sawdust": replace(WHOLE, category="sawdust"),
    "county 21 + sawdust": replace(WHOLE, county="21", category="sawdust"),
    "county 17 + sector C": replace(WHOLE, county="17", sector="C"),
    "six months + county 20 + sector C": replace(WINDOW, county="20", sector="C"),
    "six months + surplus heat": replace(WINDOW, category="surplus_heat"),
}


# --- the generated market -------------------------------------------------------------------------


def at_local(day: date, hour: int = 12) -> datetime:
    """A moment on a Swedish local day, as UTC."""
    return datetime.combine(day, time(hour), STOCKHOLM).astimezone(UTC)


def between(rng: random.Random, first: datetime, last: datetime) -> datetime:
    return first + (last - first) * rng.uniform(0.0, 1.0)


def amount(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.3f}")


@dataclass
class Market:
    users: dict[int, User]  # organisation id -> a member
    listings: list[Listing]
    boundary: dict[str, Listing]  # published at the edges of WINDOW
    deals: list[Deal] = field(default_factory=list)


def _listing_fields(rng: random.Random) -> dict[str, Any]:
    kind = rng.choices(("material", "energy", "capacity"), weights=(7, 2, 1.5))[0]
    density = None
    if kind == "material":
        category = rng.choice(MATERIALS)
        unit = rng.choice(("t", "t", "kg", "m3", "m3", "pieces"))
        if unit == "m3":
            density = amount(rng, 0.15, 1.6)
    elif kind == "energy":
        category, unit = rng.choice(ENERGY), "MWh"
    else:
        category, unit = rng.choice(CAPACITY)
    return {
        "kind": kind,
        "category": category,
        "unit": unit,
        "density_t_per_m3": density,
        "quantity": amount(rng, 5, 5000),
        "recurrence": rng.choice(RECURRENCES),
        "direction": rng.choice(("offer", "offer", "want")),
        "visibility": "anonymous" if rng.random() < 0.25 else "public",
        "title": f"{category} {rng.randint(100, 999)}",
    }


def build_market(session: Session, seed: int = SEED) -> Market:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    firm_sites: list[tuple[Organisation, list[Site]]] = []
    users: dict[int, User] = {}
    for name, sni, _, municipalities in FIRMS:
        org = OrganisationFactory(name=name, sni_code=sni)
        sites = []
        for code in municipalities:
            town = MUNICIPALITY_BY_CODE[code]
            lat, lon = town.lat + rng.uniform(-0.04, 0.04), town.lon + rng.uniform(-0.06, 0.06)
            sites.append(SiteFactory(organisation=org, municipality_code=code, lat=lat, lon=lon))
        firm_sites.append((org, sites))
        users[org.id] = UserFactory(organisation=org)

    listings: list[Listing] = []
    oldest = WHOLE.start_at + timedelta(hours=1)
    for _ in range(56):
        org, sites = rng.choice(firm_sites)
        fields = _listing_fields(rng)
        status = rng.choices(
            ("published", "draft", "closed", "expired", "reserved"), weights=(80, 7, 8, 3, 2)
        )[0]
        published_at = None if status == "draft" else between(rng, oldest, now)
        listings.append(
            ListingFactory(
                site=rng.choice(sites), status=status, published_at=published_at,
                closed_at=now if status == "closed" else None,
                available_until=TODAY - timedelta(days=3) if status == "expired" else None,
                **fields,
            )
        )  # fmt: skip
    # Some of each combination the figures separate, whatever the draw above gave.
    for direction, kind, category, unit, recurrence in (
        ("want", "energy", "surplus_heat", "MWh", "week"),
        ("offer", "energy", "surplus_heat", "MWh", "month"),
        ("want", "capacity", "storage", "m2", "once"),
        ("offer", "capacity", "machine_time", "hours", "month"),
        ("offer", "material", "sawdust", "m3", "week"),
        ("want", "material", "sawdust", "kg", "month"),
        ("want", "material", "sawdust", "t", "year"),
    ):
        _, sites = rng.choice(firm_sites)
        listings.append(
            ListingFactory(
                site=rng.choice(sites), direction=direction, kind=kind, category=category,
                unit=unit, recurrence=recurrence, quantity=amount(rng, 5, 900),
                density_t_per_m3=amount(rng, 0.2, 0.4) if unit == "m3" else None,
                published_at=between(rng, oldest, now), available_until=None,
                visibility=rng.choice(("public", "anonymous")),
            )
        )  # fmt: skip
    # A draft that was published once (unpublished again): a draft never counts.
    listings.append(
        ListingFactory(
            site=firm_sites[0][1][0],
            status="draft",
            published_at=at_local(WINDOW.start + timedelta(days=9)),
        )
    )
    # Published exactly at the window's edges (Swedish local midnights) and just beside them.
    boundary = {}
    for name, moment, (_, sites) in (
        ("first instant", WINDOW.start_at, firm_sites[2]),
        ("just before", WINDOW.start_at - timedelta(microseconds=1), firm_sites[3]),
        ("last instant", WINDOW.end_at - timedelta(microseconds=1), firm_sites[4]),
        ("just after", WINDOW.end_at, firm_sites[5]),
        # Half past midnight on the first of a month in Sweden: still the month before in UTC.
        (
            "month edge",
            at_local((WINDOW.start + timedelta(days=40)).replace(day=1), 0) + timedelta(minutes=30),
            firm_sites[6],
        ),
    ):
        boundary[name] = ListingFactory(
            site=sites[0], published_at=moment, category="sawdust", quantity=Decimal("321.5"),
            recurrence="month",
        )  # fmt: skip
        listings.append(boundary[name])
    market = Market(users=users, listings=listings, boundary=boundary)
    session.flush()

    load_defaults(session)  # the factor set deliveries are estimated with
    _inquiries_and_deals(session, rng, market, now)
    refresh_all(session, today=TODAY)
    # Listings that close after the refresh keep their stored rows, which must then not count.
    stored = sorted(
        {row.listing_id for row in session.scalars(select(MatchPotential))}
        | {row.counterpart_id for row in session.scalars(select(MatchPotential))}
    )
    for listing_id in rng.sample(stored, 4):
        closing = session.get(Listing, listing_id)
        assert closing is not None
        closing.status, closing.closed_at = "closed", now
    session.flush()
    return market


def _live(listing: Listing) -> bool:
    return listing.status == "published" and (
        listing.available_until is None or listing.available_until >= TODAY
    )


def _inquiries_and_deals(
    session: Session, rng: random.Random, market: Market, now: datetime
) -> None:
    users = market.users
    answers = random.Random(SEED + 1)  # how the other firm answers each delivery
    live = [
        x for x in market.listings
        if _live(x) and x.kind != "capacity" and x not in market.boundary.values()
    ]  # fmt: skip
    pairs: set[tuple[int, int]] = set()

    def inquire(listing: Listing) -> tuple[Conversation, User]:
        while True:
            org_id = rng.choice(sorted(users))
            if org_id != listing.organisation_id and (listing.id, org_id) not in pairs:
                break
        pairs.add((listing.id, org_id))
        conversation, _ = conversations.start_inquiry(
            session, actor=users[org_id], listing_id=listing.id,
            data=InquiryInput(message="Hej! Är det kvar?"), today=TODAY,
        )  # fmt: skip
        assert listing.published_at is not None
        conversation.created_at = between(
            rng, listing.published_at, listing.published_at + (now - listing.published_at) * 0.4
        )
        return conversation, users[org_id]

    # Inquiries that lead nowhere.
    for listing in rng.sample(live, 14):
        inquire(listing)

    # Deals: on offers (the inquirer receives) and on wants (the inquirer supplies); the first
    # ("pinned") an old offer with deliveries on both sides of each window edge; one of heat.
    old = [x for x in live if x.direction == "offer" and x.unit == "t" and x.published_at
           and x.published_at < WINDOW.start_at - timedelta(days=30)]  # fmt: skip
    heat = [x for x in live if x.direction == "offer" and x.unit == "MWh"]
    rest = [x for x in live if x not in old[:1] and x not in heat[:1]]
    chosen = old[:1] + heat[:1] + rng.sample(rest, 11)
    outcomes = ["delivering"] * 6 + ["completed"] * 3 + ["cancelled", "proposed", "recurring"]
    for n, (listing, outcome) in enumerate(zip(chosen, ["pinned", *outcomes], strict=False)):
        conversation, inquirer = inquire(listing)
        owner = users[listing.organisation_id]
        left = listing.remaining_quantity or listing.quantity
        terms = Terms(quantity=(left * Decimal(rng.uniform(0.04, 0.2))).quantize(Decimal("0.001")),
                      price_sek=Decimal("150"))  # fmt: skip
        if outcome == "recurring":
            terms = replace(
                terms, quantity=(left / 40).quantize(Decimal("0.001")), recurrence="month",
                start_date=TODAY - timedelta(days=120), end_date=TODAY + timedelta(days=120),
            )  # fmt: skip
        deal = negotiation.propose_deal(
            session, actor=inquirer, conversation_id=conversation.id, terms=terms
        )
        market.deals.append(deal)
        if outcome == "proposed":
            continue
        negotiation.accept_deal(session, actor=owner, deal_id=deal.id, version=deal.version)
        opened = conversation.created_at
        agreed = between(rng, opened, opened + (now - opened) * 0.3)
        first_day = agreed.astimezone(STOCKHOLM).date()
        days = sorted(
            first_day + timedelta(days=rng.randint(0, (TODAY - first_day).days))
            for _ in range(rng.randint(1, 3))
        )
        if outcome == "pinned":
            agreed = at_local(WINDOW.start - timedelta(days=20))
            one = timedelta(days=1)
            days = [WINDOW.start - one, WINDOW.start, WINDOW.end, WINDOW.end + one]
        deal.agreed_at = agreed  # deliveries cannot be dated before the agreement
        for day in days:
            share = Decimal(rng.uniform(0.05, 0.22))
            logger = rng.choice((owner, inquirer))
            delivery = deliveries.log_delivery(
                session, actor=logger, deal_id=deal.id,
                quantity=(deal.total_quantity * share).quantize(Decimal("0.001")),
                delivered_on=day, today=TODAY,
            )  # fmt: skip
            answer = answers.random()  # its own generator: the market stays as it was
            other = inquirer if logger is owner else owner
            if answer < 0.7 or outcome == "pinned":  # confirmed: counts as realised
                deliveries.confirm_delivery(
                    session, actor=other, deal_id=deal.id, delivery_id=delivery.id
                )
            elif answer < 0.85:  # disputed: never counts
                deliveries.dispute_delivery(
                    session, actor=other, deal_id=deal.id, delivery_id=delivery.id,
                    reason="Vågsedeln saknas",
                )  # fmt: skip
            # else pending: logged, not yet counted
        finished = deal.status == "completed"  # confirmed in full, so completed already
        if outcome == "completed":
            if not finished:
                negotiation.complete_deal(session, actor=owner, deal_id=deal.id)
            deal.completed_at = min(now, at_local(days[-1], 16))
        elif outcome == "cancelled" and not finished:
            negotiation.cancel_deal(session, actor=inquirer, deal_id=deal.id)
        deal.agreed_at = agreed
        if n == 3:  # agreed at the very first instant of the window: counts
            deal.agreed_at = WINDOW.start_at
        if n == 4:  # agreed at the first instant after the window: does not
            deal.agreed_at = WINDOW.end_at
    session.flush()


@pytest.fixture
def market(session: Session) -> Market:
    return build_market(session)


# --- the same figures, recomputed from the rows ---------------------------------------------------


def local_day(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def on_days(f: StatsFilter, day: date | None) -> bool:
    return day is not None and f.start <= day <= f.end


def happened(f: StatsFilter, moment: datetime | None) -> bool:
    """In the period's Swedish local days, both ends included."""
    return moment is not None and on_days(f, local_day(moment))


def tonnes(quantity: Decimal, unit: str, density: Decimal | None) -> float | None:
    if unit == "t":
        return float(quantity)
    if unit == "kg":
        return float(quantity) / 1000
    if unit == "m3" and density is not None:
        return float(quantity) * float(density)
    return None


def per_year(recurrence: str) -> int:
    return PER_YEAR.get(recurrence, 1)


class Rows:
    """Every row of the tables the statistics read, loaded afresh from the database."""

    def __init__(self, session: Session) -> None:
        session.flush()
        session.expire_all()
        self.dialect = session.get_bind().dialect.name
        self.orgs = {o.id: o for o in session.scalars(select(Organisation))}
        self.sites = {s.id: s for s in session.scalars(select(Site))}
        self.listings = {x.id: x for x in session.scalars(select(Listing))}
        self.conversations = list(session.scalars(select(Conversation)))
        self.deals = {d.id: d for d in session.scalars(select(Deal))}
        self.deliveries = list(session.scalars(select(Delivery)))
        self.potentials = list(session.scalars(select(MatchPotential)))

    def approx(self, expected: Any, groups: int = 1) -> Any:
        """Equal up to float rounding; on SQLite up to half a kilogram per summed group, as
        SQLite's sums of tonnes come back rounded to the quantity column's three decimals."""
        if self.dialect == "sqlite":
            return pytest.approx(expected, abs=0.0005 * groups + 1e-9)
        return pytest.approx(expected)

    # where a listing or a deal counts

    def section(self, org_id: int) -> str | None:
        return SECTION_BY_SNI[self.orgs[org_id].sni_code]

    def _where(
        self, f: StatsFilter, municipality: str | None, county: str | None, org_id: int,
        category: str,
    ) -> bool:  # fmt: skip
        return (
            (not f.municipality or municipality == f.municipality)
            and (not f.county or county == f.county)
            and (not f.sector or self.section(org_id) == f.sector)
            and (not f.category or category == f.category)
        )

    def listing_in(self, x: Listing, f: StatsFilter, *, in_period: bool = True) -> bool:
        if x.status == "draft" or x.published_at is None:
            return False
        if in_period and not happened(f, x.published_at):
            return False
        return self._where(f, x.municipality_code, x.county_code, x.organisation_id, x.category)

    def period_listings(self, f: StatsFilter) -> list[Listing]:
        return [x for x in self.listings.values() if self.listing_in(x, f)]

    def deal_in(self, d: Deal, f: StatsFilter) -> bool:
        site = self.sites.get(d.supplier_site_id) if d.supplier_site_id else None
        return self._where(
            f, site.municipality_code if site else None, site.county_code if site else None,
            d.supplier_org_id, d.category,
        )  # fmt: skip

    def deals_agreed(self, f: StatsFilter) -> list[Deal]:
        return [d for d in self.deals.values() if self.deal_in(d, f) and happened(f, d.agreed_at)]

    def deals_completed(self, f: StatsFilter) -> list[Deal]:
        return [
            d for d in self.deals.values() if self.deal_in(d, f) and happened(f, d.completed_at)
        ]

    def deliveries_in(self, f: StatsFilter) -> list[Delivery]:
        """Realised: the confirmed deliveries in the period."""
        return [
            x for x in self.deliveries
            if x.status == "confirmed" and on_days(f, x.delivered_on)
            and self.deal_in(self.deals[x.deal_id], f)
        ]  # fmt: skip

    def deals_delivered(self, f: StatsFilter) -> list[Deal]:
        return [self.deals[i] for i in {x.deal_id for x in self.deliveries_in(f)}]

    def potential_rows(self, f: StatsFilter) -> list[tuple[MatchPotential, Listing]]:
        rows = []
        for row in self.potentials:
            mine, other = self.listings[row.listing_id], self.listings[row.counterpart_id]
            if (
                mine.status == "published"
                and other.status == "published"
                and self.listing_in(mine, f, in_period=False)
            ):
                rows.append((row, mine))
        return rows

    # the figures

    def amounts(self, f: StatsFilter, direction: str) -> dict[str, Any]:
        mass = mwh = 0.0
        capacity: dict[str, float] = defaultdict(float)
        items = [x for x in self.period_listings(f) if x.direction == direction]
        for x in items:
            if x.kind == "capacity":
                capacity[x.unit] += float(x.quantity)
            elif x.unit == "MWh":
                mwh += float(x.quantity) * per_year(x.recurrence)
            else:
                mass += (tonnes(x.quantity, x.unit, x.density_t_per_m3) or 0) * per_year(
                    x.recurrence
                )
        return {"listings": len(items), "tonnes": mass, "mwh": mwh, "capacity": dict(capacity)}

    def realised(self, f: StatsFilter) -> dict[str, Any]:
        items = self.deliveries_in(f)
        return {
            "tonnes": sum(x.tonnes or 0 for x in items),
            "mwh": sum(float(x.quantity) for x in items if self.deals[x.deal_id].unit == "MWh"),
            "co2e_kg": sum(x.co2e_kg or 0 for x in items),
            "sek": sum(x.sek or 0 for x in items),
            "count": len(items),
        }

    def potential(self, f: StatsFilter) -> dict[str, Any]:
        rows = self.potential_rows(f)
        offers = [row for row, mine in rows if mine.direction == "offer"]
        return {
            "tonnes": sum(row.tonnes or 0 for row in offers),
            "mwh": sum(row.mwh or 0 for row in offers),
            "co2e_kg": sum(row.co2e_kg or 0 for row in offers),
            "sek": sum(row.sek or 0 for row in offers),
            "count": len(rows),
        }

    def inquiries(self, f: StatsFilter) -> int:
        return sum(
            1
            for c in self.conversations
            if happened(f, c.created_at)
            and self.listing_in(self.listings[c.listing_id], f, in_period=False)
        )

    def active_firms(self, f: StatsFilter) -> int:
        firms = {x.organisation_id for x in self.period_listings(f)}
        for d in self.deals_agreed(f) + self.deals_delivered(f):
            firms |= {d.supplier_org_id, d.receiver_org_id}
        return len(firms)

    def medians(self, f: StatsFilter) -> tuple[float | None, float | None]:
        """First inquiry and first agreed deal at or after the listing's publication."""
        inquiries: dict[int, list[datetime]] = defaultdict(list)
        for c in self.conversations:
            inquiries[c.listing_id].append(c.created_at)
        deals: dict[int, list[datetime]] = defaultdict(list)
        for d in self.deals.values():
            for listing_id in {d.offer_id, d.want_id} - {None}:
                if d.agreed_at is not None:
                    deals[listing_id].append(d.agreed_at)
        medians = []
        for events in (inquiries, deals):
            days = []
            for x in self.period_listings(f):
                after = [at for at in events.get(x.id, []) if at >= x.published_at]
                if after:
                    days.append((min(after) - x.published_at).total_seconds() / 86400)
            medians.append(round(statistics.median(days), 1) if days else None)
        return medians[0], medians[1]

    def figures(self, f: StatsFilter) -> dict[str, Any]:
        listed = self.period_listings(f)
        counts = {
            f"listings.{d}.{k}": sum(1 for x in listed if (x.direction, x.kind) == (d, k))
            for d in ("offer", "want")
            for k in ("material", "energy", "capacity")
        }
        potential = self.potential(f)
        to_inquiry, to_deal = self.medians(f)
        return flat(
            {
                **counts,
                "active_firms": self.active_firms(f),
                "offered": self.amounts(f, "offer"),
                "wanted": self.amounts(f, "want"),
                "matches": potential["count"],
                "inquiries": self.inquiries(f),
                "deals_agreed": len(self.deals_agreed(f)),
                "deals_completed": len(self.deals_completed(f)),
                "realised": self.realised(f),
                "potential": potential,
                "median_days_to_inquiry": to_inquiry,
                "median_days_to_deal": to_deal,
            }
        )

    def month_of(self, moment: datetime) -> str:
        """The Swedish month a timestamp falls in (on both databases)."""
        return moment.astimezone(STOCKHOLM).strftime("%Y-%m")


def flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def actual_figures(fig: stats.Figures) -> dict[str, Any]:
    counts = {f"listings.{d}.{k}": n for d, kinds in fig.listings.items() for k, n in kinds.items()}
    return flat(
        {
            **counts,
            "active_firms": fig.active_firms,
            "offered": vars(fig.offered),
            "wanted": vars(fig.wanted),
            "matches": fig.matches,
            "inquiries": fig.inquiries,
            "deals_agreed": fig.deals_agreed,
            "deals_completed": fig.deals_completed,
            "realised": vars(fig.realised),
            "potential": vars(fig.potential),
            "median_days_to_inquiry": fig.median_days_to_inquiry,
            "median_days_to_deal": fig.median_days_to_deal,
        }
    )


# --- the tests ------------------------------------------------------------------------------------


def test_the_generated_market_is_varied(session, market):
    """The generator exercises what the statistics distinguish (else the other tests prove
    little): every figure is non-zero under some filter and each filter selects something."""
    rows = Rows(session)
    listings = list(rows.listings.values())
    assert 8 <= len(rows.orgs) <= 12 and 40 <= len(listings) <= 80
    assert {x.unit for x in listings} >= {"t", "kg", "m3", "MWh", "m2", "pieces"}
    assert {x.recurrence for x in listings} == set(RECURRENCES)
    assert {x.status for x in listings} >= {"draft", "published", "closed", "expired"}
    assert any(x.visibility == "anonymous" for x in listings)
    assert {local_day(x.published_at) for x in listings if x.published_at} >= {WINDOW.start}
    assert {d.status for d in rows.deals.values()} >= {
        "proposed", "delivering", "completed", "cancelled"
    }  # fmt: skip
    assert any(d.want_id and not d.offer_id for d in rows.deals.values())
    assert any(d.unit == "MWh" and d.deliveries for d in rows.deals.values())
    assert any(
        rows.listings[p.listing_id].status != "published"
        or rows.listings[p.counterpart_id].status != "published"
        for p in rows.potentials
    )
    expected = {name: rows.figures(f) for name, f in FILTERS.items()}
    for name, values in expected.items():
        assert values["offered.listings"] + values["wanted.listings"] > 0, name
    for key in expected["whole period"]:
        if key in ("potential.mwh",):
            continue
        assert any(values.get(key) for values in expected.values()), key
    assert expected["six months"]["realised.count"] < expected["whole period"]["realised.count"]


def test_figures_equal_the_rows(session, market):
    rows = Rows(session)
    for name, f in FILTERS.items():
        got = actual_figures(stats.figures(session, f))
        assert got == rows.approx(rows.figures(f), groups=4), name  # t, kg, m3, pieces


def test_waits_count_from_the_first_event_at_or_after_publication(session, market):
    """An inquiry dated before the listing's publication (one carried over from an earlier
    publication) is not its first inquiry: the next one is."""
    conversations = list(session.scalars(select(Conversation).order_by(Conversation.id)))
    published = {x.id: x.published_at for x in session.scalars(select(Listing))}
    in_window = [c for c in conversations if happened(WINDOW, published[c.listing_id])]
    assert in_window, "the market has inquiries on listings published in the window"
    kept = in_window[0]
    listing = session.get(Listing, kept.listing_id)
    assert listing is not None and listing.published_at is not None
    day = timedelta(days=1)
    for c in in_window[1:]:  # every other listing only has inquiries from before publication
        c.created_at = session.get(Listing, c.listing_id).published_at - day
    other = next(org for org in sorted(market.users)
                 if org not in {listing.organisation_id, kept.inquirer_org_id})  # fmt: skip
    early, _ = start_inquiry(
        session, actor=market.users[other], listing_id=listing.id,
        data=InquiryInput(message="Finns det kvar sedan förra gången?"), today=TODAY,
    )  # fmt: skip
    early.created_at = listing.published_at - 3 * day
    session.flush()
    wait = round((kept.created_at - listing.published_at).total_seconds() / 86400, 1)
    assert stats.figures(session, WINDOW).median_days_to_inquiry == wait
    assert Rows(session).medians(WINDOW)[0] == wait


def test_window_edges_are_swedish_local_days(session, market):
    ids = {x.id for x in stats.drill_listings(session, WINDOW)}
    edge = market.boundary
    assert edge["first instant"].id in ids and edge["last instant"].id in ids
    assert edge["just before"].id not in ids and edge["just after"].id not in ids
    assert edge["month edge"].id in ids
    pinned = market.deals[0]
    delivered = [x.delivered_on for x in Rows(session).deliveries_in(WINDOW)
                 if x.deal_id == pinned.id]  # fmt: skip
    assert delivered == [WINDOW.start, WINDOW.end]
    agreed = {d.id for d in stats.drill_deals(session, WINDOW, which="agreed")}
    assert market.deals[3].id in agreed and market.deals[4].id not in agreed


MONTH_COLUMNS = (
    "offers", "wants", "deals_agreed", "realised_tonnes", "realised_co2e_kg", "realised_sek"
)  # fmt: skip


def test_tables_add_up_to_the_figures_and_match_the_rows(session, market):
    rows = Rows(session)
    for name, f in FILTERS.items():
        fig = rows.figures(f)
        months = stats.by_month(session, f)
        assert [m["month"] for m in months] == stats.months_between(f.start, f.end), name
        for column, total in (
            ("offers", fig["offered.listings"]),
            ("wants", fig["wanted.listings"]),
            ("deals_agreed", fig["deals_agreed"]),
            ("realised_tonnes", fig["realised.tonnes"]),
            ("realised_co2e_kg", fig["realised.co2e_kg"]),
            ("realised_sek", fig["realised.sek"]),
        ):
            assert sum(m[column] for m in months) == rows.approx(total), (name, column)
        expected_months: dict[str, dict[str, float]] = defaultdict(
            lambda: dict.fromkeys(MONTH_COLUMNS, 0.0)
        )
        for x in rows.period_listings(f):
            expected_months[rows.month_of(x.published_at)][f"{x.direction}s"] += 1  # type: ignore[arg-type]
        for d in rows.deals_agreed(f):
            expected_months[rows.month_of(d.agreed_at)]["deals_agreed"] += 1  # type: ignore[arg-type]
        for x in rows.deliveries_in(f):
            cell = expected_months[x.delivered_on.strftime("%Y-%m")]
            cell["realised_tonnes"] += x.tonnes or 0
            cell["realised_co2e_kg"] += x.co2e_kg or 0
            cell["realised_sek"] += x.sek or 0
        for m in months:
            got = {k: v for k, v in m.items() if k != "month"}
            assert got == rows.approx(expected_months[m["month"]]), (name, m["month"])

        for table, key in (
            (stats.by_category(session, f), "category"),
            (stats.by_municipality(session, f), "municipality"),
        ):
            for column, total in (
                ("offers", fig["offered.listings"]),
                ("wants", fig["wanted.listings"]),
                ("offered_tonnes", fig["offered.tonnes"]),
                ("wanted_tonnes", fig["wanted.tonnes"]),
                ("realised_tonnes", fig["realised.tonnes"]),
                ("realised_co2e_kg", fig["realised.co2e_kg"]),
                ("realised_sek", fig["realised.sek"]),
                ("potential_co2e_kg", fig["potential.co2e_kg"]),
                ("potential_sek", fig["potential.sek"]),
            ):
                got = sum(r[column] for r in table)
                assert got == rows.approx(total, groups=len(table)), (name, key, column)
            for r in table:
                part = rows.figures(replace(f, **{key: r[key]}))
                assert r == rows.approx(
                    {
                        key: r[key],
                        "offers": part["offered.listings"],
                        "wants": part["wanted.listings"],
                        "offered_tonnes": part["offered.tonnes"],
                        "wanted_tonnes": part["wanted.tonnes"],
                        "realised_tonnes": part["realised.tonnes"],
                        "realised_co2e_kg": part["realised.co2e_kg"],
                        "realised_sek": part["realised.sek"],
                        "potential_co2e_kg": part["potential.co2e_kg"],
                        "potential_sek": part["potential.sek"],
                    }
                ), (name, r[key])
            keys = [r[key] for r in table]
            assert keys == sorted(keys) and len(set(keys)) == len(keys), (name, key)


def test_drill_downs_are_exactly_the_counted_rows(session, market):
    rows = Rows(session)
    for name, f in FILTERS.items():
        listed = sorted(rows.period_listings(f), key=lambda x: x.published_at, reverse=True)  # type: ignore[arg-type, return-value]
        assert [x.id for x in stats.drill_listings(session, f)] == [x.id for x in listed], name
        for direction, kind in (("offer", None), ("want", None), (None, "energy"),
                                ("offer", "capacity")):  # fmt: skip
            got = stats.drill_listings(session, f, direction=direction, kind=kind)
            assert [x.id for x in got] == [
                x.id for x in listed
                if direction in (None, x.direction) and kind in (None, x.kind)
            ], (name, direction, kind)  # fmt: skip
        assert [x.id for x in stats.drill_listings(session, f, limit=3)] == [
            x.id for x in listed[:3]
        ]
        for which, deals in (
            ("agreed", rows.deals_agreed(f)),
            ("completed", rows.deals_completed(f)),
            ("delivered", rows.deals_delivered(f)),
        ):
            got = [d.id for d in stats.drill_deals(session, f, which=which)]
            assert got == sorted((d.id for d in deals), reverse=True), (name, which)


FLOW_COLUMNS = (
    "offers", "wants", "offered_tonnes", "wanted_tonnes", "realised_tonnes", "realised_co2e_kg",
    "realised_sek",
)  # fmt: skip


@pytest.mark.parametrize(
    "f",
    [
        StatsFilter(start=TODAY + timedelta(days=30), end=TODAY + timedelta(days=400)),
        replace(WHOLE, category="glass"),
        replace(WHOLE, municipality="1715"),
        replace(WHOLE, county="17", municipality="2180"),
        replace(WHOLE, sector="U"),
    ],
    ids=["future", "no such category", "no such municipality", "contradiction", "no firm"],
)
def test_a_filter_without_data_gives_zeros(session, market, f):
    fig = stats.figures(session, f)
    values = actual_figures(fig)
    if f.start > TODAY:  # potential is a state, the same for any period
        assert fig.potential == stats.potential(session, replace(f, start=WHOLE.start))
        assert fig.matches == fig.potential.count > 0
        values = {k: v for k, v in values.items() if not k.startswith("potential.")}
        values.pop("matches")
    assert values.pop("median_days_to_inquiry") is None
    assert values.pop("median_days_to_deal") is None
    assert set(values.values()) == {0}, values
    for table in (stats.by_category(session, f), stats.by_municipality(session, f)):
        if f.start > TODAY:  # only the (current) potential
            assert sum(r["potential_sek"] for r in table) == pytest.approx(fig.potential.sek)
            flows = [v for r in table for k, v in r.items() if k in FLOW_COLUMNS]
            assert flows and set(flows) == {0}
        else:
            assert table == []
    assert stats.drill_listings(session, f) == []
    assert all(stats.drill_deals(session, f, which=w) == [] for w in
               ("agreed", "completed", "delivered"))  # fmt: skip
    months = stats.by_month(session, f)
    assert len(months) == len(stats.months_between(f.start, f.end))
    assert all(v == 0 for m in months for k, v in m.items() if k != "month")


# Capacity listings in tonnes (transport capacity) are capacity: the tables keep them out of
# offered/wanted tonnes as the key figures do, so the tables add up to the figures.
def test_capacity_in_tonnes_is_never_added_to_tonnes(session):
    site = SiteFactory(municipality_code="2180")
    ListingFactory(site=site, quantity=Decimal("100"), published_at=at_local(TODAY))
    ListingFactory(
        site=site, kind="capacity", category="transport", unit="t", quantity=Decimal("40"),
        recurrence="week", published_at=at_local(TODAY),
    )  # fmt: skip
    f = StatsFilter(start=TODAY, end=TODAY)
    fig = stats.figures(session, f)
    assert (fig.offered.tonnes, fig.offered.capacity) == (100, {"t": 40})
    assert [r["offered_tonnes"] for r in stats.by_municipality(session, f)] == [100]
    assert {r["category"]: r["offered_tonnes"] for r in stats.by_category(session, f)} == {
        "sawdust": 100, "transport": 0,
    }  # fmt: skip


# Months are Swedish months on both databases (SQLite through the stockholm_month function):
# a listing published in the first Swedish hour of a month belongs to that month.
def test_monthly_table_adds_up_when_the_period_starts_on_the_first(session):
    first = (TODAY - timedelta(days=60)).replace(day=1)
    site = SiteFactory(municipality_code="2080")
    ListingFactory(site=site, published_at=at_local(first, 0) + timedelta(minutes=30))
    ListingFactory(site=site, published_at=at_local(first + timedelta(days=3)))
    f = StatsFilter(start=first, end=TODAY)
    assert stats.figures(session, f).listings["offer"]["material"] == 2
    months = stats.by_month(session, f)
    assert (months[0]["month"], months[0]["offers"]) == (first.strftime("%Y-%m"), 2)
    assert sum(m["offers"] for m in months) == 2


# --- units ------------------------------------------------------------------------------------

# SNI 2007 divisions by section (SCB); the divisions not listed do not exist.
SNI_SECTIONS = {
    "A": "01 02 03", "B": "05 06 07 08 09",
    "C": " ".join(f"{d:02d}" for d in range(10, 34)), "D": "35", "E": "36 37 38 39",
    "F": "41 42 43", "G": "45 46 47", "H": "49 50 51 52 53", "I": "55 56",
    "J": "58 59 60 61 62 63", "K": "64 65 66", "L": "68", "M": "69 70 71 72 73 74 75",
    "N": "77 78 79 80 81 82", "O": "84", "P": "85", "Q": "86 87 88", "R": "90 91 92 93",
    "S": "94 95 96", "T": "97 98", "U": "99",
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "section"),
    [("16.101", "C"), ("35.300", "D"), ("01.110", "A"), ("38.210", "E"), ("24.100", "C"),
     ("52.100", "H"), ("41200", "F"), ("99.000", "U"), ("04.000", None), ("ab.123", None),
     ("", None), (None, None)],
)  # fmt: skip
def test_section_of(code, section):
    assert stats.section_of(code) == section


def test_section_of_every_division():
    by_division = {d: s for s, divisions in SNI_SECTIONS.items() for d in divisions.split()}
    for division in range(100):
        code = f"{division:02d}.000"
        assert stats.section_of(code) == by_division.get(code[:2]), code


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2024, 11, 15), date(2025, 2, 1), ["2024-11", "2024-12", "2025-01", "2025-02"]),
        (date(2025, 3, 1), date(2025, 3, 31), ["2025-03"]),
        (date(2025, 3, 31), date(2025, 4, 1), ["2025-03", "2025-04"]),
        (date(2023, 12, 31), date(2024, 1, 1), ["2023-12", "2024-01"]),
        (date(2025, 5, 2), date(2025, 4, 30), []),
    ],
)
def test_months_between(start, end, months):
    assert stats.months_between(start, end) == months


def test_months_between_spans_years():
    months = stats.months_between(date(2020, 2, 29), date(2024, 2, 1))
    assert len(months) == 49 and months[0] == "2020-02" and months[-1] == "2024-02"
    assert len(set(months)) == 49 and months == sorted(months)


@pytest.mark.parametrize(
    ("start", "end", "start_at", "end_at"),
    [  # Swedish local midnights: UTC+1 in winter, UTC+2 in summer, 23- and 25-hour DST days
        (date(2025, 1, 10), date(2025, 1, 10), "2025-01-09T23:00", "2025-01-10T23:00"),
        (date(2025, 3, 30), date(2025, 3, 30), "2025-03-29T23:00", "2025-03-30T22:00"),
        (date(2025, 7, 1), date(2025, 10, 26), "2025-06-30T22:00", "2025-10-26T23:00"),
    ],
)
def test_period_instants_are_swedish_midnights(start, end, start_at, end_at):
    f = StatsFilter(start=start, end=end)
    assert f.start_at == datetime.fromisoformat(start_at).replace(tzinfo=UTC)
    assert f.end_at == datetime.fromisoformat(end_at).replace(tzinfo=UTC)


# --- the dashboard's statements on connections of their own ------------------------------------


def test_dashboard_on_own_connections_equals_one_session(sessions, monkeypatch):  # noqa: F811
    """With committed data and an engine-bound session, the dashboard runs its statements two
    at a time on connections of their own; the result is the one a single session computes."""
    with sessions() as writer, factories_on(writer):
        build_market(writer)
        writer.commit()
    pools = []
    real_pool = aggregate.ThreadPoolExecutor

    def counted(*args: Any, **kwargs: Any) -> Any:
        pools.append(kwargs)
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(aggregate, "ThreadPoolExecutor", counted)
    # Read as a web request does (the fixture's engine is a writer's: BEGIN IMMEDIATE on SQLite).
    engine = sessions.kw["bind"].execution_options(sqlite_begin_immediate=False)
    for name, f in FILTERS.items():
        with Session(engine) as spread, engine.connect() as conn, Session(bind=conn) as single:
            together = stats.dashboard(spread, f, parallel=True)
            alone = stats.dashboard(single, f, parallel=True)
            # The tables alone (exports) run their own few statements: the same rows.
            assert stats.by_month(spread, f, parallel=True) == together.by_month, name
            assert stats.by_category(spread, f, parallel=True) == together.by_category, name
            assert stats.by_municipality(spread, f, parallel=True) == together.by_municipality, name
            assert stats.potential(spread, f) == together.figures.potential, name
        assert together == alone, name
    assert sum(together.figures.listings["offer"].values()) > 0
    assert len(pools) == 4 * len(FILTERS)  # dashboard and three tables; not the single session
    assert all(p["max_workers"] == 2 for p in pools)


def _listed(fig: stats.Figures) -> int:
    return sum(sum(kinds.values()) for kinds in fig.listings.values())


def test_a_session_that_wrote_reads_its_own_writes(sessions):  # noqa: F811
    """A writer's session inside its transaction (SQLite: holding the write lock) gets the
    dashboard without waiting for that lock, and once it has flushed a change the dashboard
    counts it, though other connections cannot see it yet."""
    with sessions() as writer, factories_on(writer):
        build_market(writer)
        writer.commit()
    with sessions() as s:
        listing = s.scalars(
            select(Listing)
            .where(Listing.status == "published", Listing.published_at >= WHOLE.start_at)
            .order_by(Listing.id)
        ).first()
        assert listing is not None
        before = stats.figures(s, WHOLE)  # the transaction is open: a select ran in it
        listing.status = "draft"
        s.flush()
        assert _listed(stats.figures(s, WHOLE)) == _listed(before) - 1
        s.rollback()
        assert _listed(stats.figures(s, WHOLE)) == _listed(before)


@pytest.mark.parametrize(
    ("value", "month"),
    [
        # PostgreSQL's date_trunc in the Stockholm zone: local midnight of the first, as UTC.
        (datetime(2026, 2, 28, 23, 0, tzinfo=UTC), "2026-03"),
        (datetime(2026, 5, 31, 22, 0, tzinfo=UTC), "2026-06"),
        (date(2026, 7, 1), "2026-07"),
        ("2026-08", "2026-08"),
        (None, ""),
    ],
)
def test_as_month(value, month):
    assert stats_sql.as_month(value) == month
