"""The public open-data table (services.exports.open_data_rows and its download) on generated
data: no firm, no site, no coordinate, and no cell that fewer than three firms stand behind."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.gazetteer import COUNTY_BY_CODE, MUNICIPALITY_BY_CODE
from marketplace.services.deals import conversations, negotiation
from marketplace.services.deals import deliveries as deliveries_service
from marketplace.services.deals.conversations import InquiryInput
from marketplace.services.deals.deal_terms import Terms
from marketplace.services.impact.factors import load_defaults
from marketplace.services.staff import exports
from marketplace.services.staff.stats import StatsFilter
from models.accounts import User
from models.base import swedish_today
from models.deals import Deal
from models.deliveries import Delivery
from models.listings import Listing
from models.organisations import Organisation
from models.sites import Site
from tests.conftest import text_of
from tests.factories import ListingFactory, OrganisationFactory, SiteFactory, UserFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TODAY = swedish_today()
FIELDS = (
    "month", "municipality", "municipality_name", "county", "county_name", "category", "offers",
    "wants", "offered_tonnes_per_year", "wanted_tonnes_per_year", "deliveries",
    "realised_tonnes", "realised_co2e_kg", "realised_sek",
)  # fmt: skip
FIRM_NAMES = (
    "Zyxwvut Sågverk AB", "Qoppa Energi AB", "Xenolith Stål AB", "Ypsilon Återvinning AB",
    "Wyvern Lantbruk AB", "Vortex Pellets AB", "Umbra Hamnbolag AB", "Tessera Bygg AB",
    "Sphinx Pappersbruk AB",
)  # fmt: skip
OUTSIDE = None  # a site outside the region has no municipality code


def month_start(back: int) -> date:
    """The first day of the month `back` months before this one."""
    year, month = divmod(TODAY.year * 12 + TODAY.month - 1 - back, 12)
    return date(year, month + 1, 1)


M1, M2, M3 = month_start(3), month_start(2), month_start(1)
START, END = M1, TODAY


def month(day: date) -> str:
    return day.strftime("%Y-%m")


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), STOCKHOLM).astimezone(UTC)


@dataclass
class World:
    firms: list[Organisation]
    users: list[User]
    sites: dict[tuple[int, str | None], Site] = field(default_factory=dict)
    expected_in: set[tuple[str, str, str]] = field(default_factory=set)
    expected_out: set[tuple[str | None, str, str]] = field(default_factory=set)


def build_world(session: Session, seed: int = 7) -> World:
    rng = random.Random(seed)
    firms = [OrganisationFactory(name=name) for name in FIRM_NAMES]
    world = World(firms=firms, users=[UserFactory(organisation=o) for o in firms])

    def site(firm: int, municipality: str | None) -> Site:
        """The firm's site in a municipality, at distinctive coordinates off the main town."""
        key = (firm, municipality)
        if key not in world.sites:
            town = MUNICIPALITY_BY_CODE.get(municipality or "")
            lat, lon = (town.lat, town.lon) if town else (59.3293, 18.0686)
            n = len(world.sites) + 1
            world.sites[key] = SiteFactory(
                organisation=firms[firm], municipality_code=municipality,
                lat=lat + 0.0137 * n + 0.00071, lon=lon - 0.0113 * n - 0.00043,
                name=f"Hemliga anläggningen Quixotic {n}", street=f"Kryptogatan {100 + n}",
                postcode=f"{n:03d} 9{n % 10}",
            )  # fmt: skip
        return world.sites[key]

    def listing(
        firm: int, municipality: str | None, category: str, day: date, **kw: Any
    ) -> Listing:
        fields = {
            "direction": rng.choice(("offer", "offer", "want")),
            "quantity": Decimal(f"{rng.uniform(3, 900):.3f}"),
            "recurrence": rng.choice(("once", "week", "month", "year")),
            "visibility": rng.choice(("public", "anonymous")),
            "title": f"{FIRM_NAMES[firm].split()[0]} lot {rng.randint(100, 999)}",
            **kw,
        }
        return ListingFactory(
            site=site(firm, municipality), category=category, published_at=noon(day), **fields
        )

    def day_in(first: date, low: int = 10, high: int = 20) -> date:
        return first.replace(day=rng.randint(low, high))

    # A (1780, sawdust, M1): five firms, two of them anonymous; one firm lists late in the month.
    for firm, unit in zip(range(4), ("t", "kg", "m3", "t"), strict=True):
        listing(firm, "1780", "sawdust", day_in(M1, 10, 14), unit=unit,
                density_t_per_m3=Decimal("0.250") if unit == "m3" else None,
                visibility="anonymous" if firm < 2 else "public")  # fmt: skip
    listing(4, "1780", "sawdust", M1.replace(day=25), visibility="anonymous")
    world.expected_in.add(("1780", "sawdust", month(M1)))
    # C (2180, fly_ash, M2): two firms, one of them twice.
    for firm in (0, 1, 0):
        listing(firm, "2180", "fly_ash", day_in(M2))
    world.expected_out.add(("2180", "fly_ash", month(M2)))
    # D (2161, plastics, M2): one firm, anonymous.
    for _ in range(2):
        listing(8, "2161", "plastics", day_in(M2), visibility="anonymous")
    world.expected_out.add(("2161", "plastics", month(M2)))
    # G (1780, sawdust, M2): two firms published, a third only in a draft.
    listing(5, "1780", "sawdust", day_in(M2))
    listing(6, "1780", "sawdust", day_in(M2))
    listing(7, "1780", "sawdust", day_in(M2), status="draft")
    world.expected_out.add(("1780", "sawdust", month(M2)))
    # H (1784, aggregates, M3): exactly three firms.
    for firm in (1, 3, 8):
        listing(firm, "1784", "aggregates", day_in(M3))
    world.expected_in.add(("1784", "aggregates", month(M3)))
    # I (outside the region, glass, M2): three firms, but no municipality to publish.
    for firm in (2, 4, 6):
        listing(firm, OUTSIDE, "glass", day_in(M2))
    world.expected_out.add((OUTSIDE, "glass", month(M2)))
    # Noise in categories no designed cell uses.
    for _ in range(25):
        listing(
            rng.randrange(len(firms)), rng.choice(("1780", "2080", "2180", "2081", "1784")),
            rng.choice(("wood_offcuts", "bottom_ash", "paper_board")),
            day_in(rng.choice((M1, M2, M3)), 1, 28),
        )  # fmt: skip

    # Deliveries: offers published before the period (so their listings count in no cell).
    load_defaults(session)
    before = START - timedelta(days=40)

    def deliveries(supplier: int, receiver: int, municipality: str, category: str,
                   days: list[date]) -> None:  # fmt: skip
        offer = listing(supplier, municipality, category, before, direction="offer",
                        quantity=Decimal("5000"), recurrence="year")  # fmt: skip
        conversation, _ = conversations.start_inquiry(
            session, actor=world.users[receiver], listing_id=offer.id,
            data=InquiryInput(message="Hej!"), today=TODAY,
        )  # fmt: skip
        deal = negotiation.propose_deal(
            session, actor=world.users[receiver], conversation_id=conversation.id,
            terms=Terms(quantity=Decimal("1000"), price_sek=Decimal("120")),
        )  # fmt: skip
        negotiation.accept_deal(
            session, actor=world.users[supplier], deal_id=deal.id, version=deal.version
        )
        deal.agreed_at = noon(before)
        for day in days:
            delivery = deliveries_service.log_delivery(
                session, actor=world.users[supplier], deal_id=deal.id,
                quantity=Decimal(f"{rng.uniform(20, 150):.3f}"), delivered_on=day, today=TODAY,
            )  # fmt: skip
            deliveries_service.confirm_delivery(
                session, actor=world.users[receiver], deal_id=deal.id, delivery_id=delivery.id
            )
        # One more delivery the receiver has not confirmed: it must never be published.
        deliveries_service.log_delivery(
            session, actor=world.users[supplier], deal_id=deal.id, quantity=Decimal("1"),
            delivered_on=days[-1], today=TODAY,
        )  # fmt: skip

    # B (2080, bark, M1): one listing firm plus a delivering supplier and its receiver.
    listing(5, "2080", "bark", day_in(M1))
    deliveries(6, 7, "2080", "bark", [START - timedelta(days=3), day_in(M1)])
    world.expected_in.add(("2080", "bark", month(M1)))
    # E (2081, ferrous_metal, M2): deliveries between two firms only.
    deliveries(6, 7, "2081", "ferrous_metal", [day_in(M2), day_in(M2), day_in(M3)])
    world.expected_out.add(("2081", "ferrous_metal", month(M2)))
    # E' (2081, ferrous_metal, M3): the same supplier and a second receiver: three firms.
    deliveries(6, 8, "2081", "ferrous_metal", [day_in(M3)])
    world.expected_in.add(("2081", "ferrous_metal", month(M3)))
    # F (2180, sawdust, M3): the listing firm is also the supplier: two firms.
    listing(2, "2180", "sawdust", day_in(M3))
    deliveries(2, 3, "2180", "sawdust", [day_in(M3)])
    world.expected_out.add(("2180", "sawdust", month(M3)))
    session.flush()
    return world


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


# --- the cells recomputed from the rows -----------------------------------------------------------


def tonnes_per_year(x: Listing) -> float:
    if x.kind == "capacity":
        return 0.0
    q = float(x.quantity)
    mass = {"t": q, "kg": q / 1000}.get(x.unit)
    if x.unit == "m3" and x.density_t_per_m3 is not None:
        mass = q * float(x.density_t_per_m3)
    return (mass or 0.0) * {"week": 52, "month": 12}.get(x.recurrence, 1)


def cells_from_rows(session: Session, start: date, end: date) -> dict[tuple, dict[str, Any]]:
    """Every (municipality, category, month) cell with its firms and sums, from the rows."""
    session.flush()
    session.expire_all()
    cells: dict[tuple, dict[str, Any]] = defaultdict(
        lambda: {"firms": set(), "offers": 0, "wants": 0, "offered_tonnes_per_year": 0.0,
                 "wanted_tonnes_per_year": 0.0, "deliveries": 0, "realised_tonnes": 0.0,
                 "realised_co2e_kg": 0.0, "realised_sek": 0.0}
    )  # fmt: skip
    for x in session.scalars(select(Listing)):
        if x.status == "draft" or x.published_at is None:
            continue
        local = x.published_at.astimezone(STOCKHOLM)
        if not start <= local.date() <= end:
            continue
        cell = cells[(x.municipality_code, x.category, local.strftime("%Y-%m"))]
        cell["firms"].add(x.organisation_id)
        side = "offer" if x.direction == "offer" else "want"
        cell[f"{side}s"] += 1
        cell[f"{side}ed_tonnes_per_year"] += tonnes_per_year(x)
    for d in session.scalars(select(Delivery)):
        if not start <= d.delivered_on <= end or d.status != "confirmed":
            continue
        deal = session.get(Deal, d.deal_id)
        assert deal is not None
        site = session.get(Site, deal.supplier_site_id) if deal.supplier_site_id else None
        cell = cells[
            (site.municipality_code if site else None, deal.category, month(d.delivered_on))
        ]
        cell["firms"] |= {deal.supplier_org_id, deal.receiver_org_id}
        cell["deliveries"] += 1
        cell["realised_tonnes"] += d.tonnes or 0
        cell["realised_co2e_kg"] += d.co2e_kg or 0
        cell["realised_sek"] += d.sek or 0
    return dict(cells)


def published(cells: dict[tuple, dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """The rows the documentation promises: cells of at least three firms, in the region."""
    rows = {}
    for (municipality, category, key_month), cell in cells.items():
        if len(cell["firms"]) < 3 or municipality not in MUNICIPALITY_BY_CODE:
            continue
        county = municipality[:2]
        rows[(municipality, category, key_month)] = {
            "month": key_month, "municipality": municipality,
            "municipality_name": MUNICIPALITY_BY_CODE[municipality].name, "county": county,
            "county_name": COUNTY_BY_CODE[county].name, "category": category,
            **{k: v for k, v in cell.items() if k != "firms"},
        }  # fmt: skip
    return rows


def keyed(rows: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    return {(r["municipality"], r["category"], r["month"]): r for r in rows}


# --- the tests ------------------------------------------------------------------------------------


def test_rows_are_the_cells_of_at_least_three_firms(session, world):
    rows = exports.open_data_rows(session, START, END)
    cells = cells_from_rows(session, START, END)
    got = keyed(rows)
    assert len(got) == len(rows)  # one row per cell
    for key in got:
        assert len(cells[key]["firms"]) >= 3, key
    expected = published(cells)
    assert set(got) == set(expected)
    for key, row in got.items():
        assert row == pytest.approx(expected[key], abs=0.0006), key  # values rounded to 3 decimals
    # The designed cells: 5 firms (listings), 3 (listing + supplier + receiver), 3 (deliveries
    # only) and 3 (listings) appear; 2, 1, 2 with a draft, 2 by deliveries, 2 where the listing
    # firm supplies, and 3 outside the region do not.
    assert world.expected_in <= set(got)
    assert not world.expected_out & set(got)
    assert {len(cells[key]["firms"]) for key in world.expected_in} == {3, 5}
    assert {len(cells[key]["firms"]) for key in world.expected_out} == {1, 2, 3}
    # ... and the generator made cells of every size, some of them left out.
    assert {min(len(c["firms"]), 5) for c in cells.values()} >= {1, 2, 3, 5}
    assert len(cells) > len(rows) > len(world.expected_in)


def test_rows_carry_exactly_the_documented_aggregates(session, world):
    rows = exports.open_data_rows(session, START, END)
    assert rows
    for row in rows:
        assert tuple(row) == FIELDS
    text = exports.render_open_data(rows, "csv", None)
    assert tuple(next(csv.reader(io.StringIO(text)))) == FIELDS
    body = json.loads(exports.render_open_data(rows, "json", StatsFilter(start=START, end=END)))
    assert set(body) == {"filters", "rows"}
    assert all(tuple(r) == FIELDS for r in body["rows"])


def secrets(session: Session) -> tuple[list[str], list[re.Pattern[str]]]:
    """What must never appear: names, numbers and addresses of firms, people and sites, titles,
    and every coordinate of every site and listing (as a number of two or more decimals)."""
    words: list[str] = []
    for org in session.scalars(select(Organisation)):
        words += [org.name, org.org_number, org.org_number.replace("-", "")]
        words += [org.contact_email] if org.contact_email else []
    for user in session.scalars(select(User)):
        words += [user.name, user.email]
    numbers: list[float] = []
    for site in session.scalars(select(Site)):
        words += [site.name, *(v for v in (site.street, site.postcode) if v)]
        numbers += [site.lat, site.lon]
    for x in session.scalars(select(Listing)):
        words.append(x.title)
        numbers += [x.lat, x.lon]
    shown = set()
    for value in numbers:
        for decimals in (2, 3, 4):
            step = Decimal(1).scaleb(-decimals)
            for rounding in (ROUND_HALF_EVEN, ROUND_DOWN):  # rounded, or cut short
                shown.add(str(Decimal(repr(value)).quantize(step, rounding=rounding)))
    patterns = [re.compile(rf"(?<![\d.]){re.escape(text)}") for text in sorted(shown)]
    return words, patterns


def test_no_firm_site_or_coordinate_is_published(session, world):
    rows = exports.open_data_rows(session, START, END)
    words, patterns = secrets(session)
    assert len(words) > 40 and len(patterns) > 100
    assert any(x.visibility == "anonymous" for x in session.scalars(select(Listing)))
    for fmt in ("csv", "json"):
        text = exports.render_open_data(rows, fmt, StatsFilter(start=START, end=END))
        assert "1780" in text and "Karlstad" in text  # the text is the export itself
        for word in words:
            assert word.casefold() not in text.casefold(), (fmt, word)
        for pattern in patterns:
            assert not pattern.search(text), (fmt, pattern.pattern)
        assert not re.search(r"\b(lat|lon|latitude|longitude|firm|site|org)\b", text)


def test_secret_check_sees_a_leak(session, world):
    """The check above can fail: a row carrying a site's coordinate or a firm's name is caught."""
    rows = exports.open_data_rows(session, START, END)
    words, patterns = secrets(session)
    site = session.scalars(select(Site)).first()
    assert site is not None
    leaked = [{**rows[0], "realised_sek": round(site.lat, 4)}]
    assert any(p.search(exports.render_open_data(leaked, "csv", None)) for p in patterns)
    named = [{**rows[0], "category": FIRM_NAMES[3]}]
    assert any(w in exports.render_open_data(named, "json", None) for w in words)


def test_download_is_the_same_table(client, session, world):
    rows = exports.open_data_rows(session, START, END)
    url = f"/open-data/municipality-category-month.csv?from={START}&to={END}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert text_of(response) == exports.render_open_data(rows, "csv", None)
    assert len(text_of(response).splitlines()) == len(rows) + 1
    response = client.get(url.replace(".csv", ".json"))
    assert response.status_code == 200
    expected = json.loads(exports.render_open_data(rows, "json", None))["rows"]
    assert response.get_json()["rows"] == expected
    for bad in ("from=2024-02-30", "from=yesterday", f"from={END}&to={START - timedelta(1)}"):
        response = client.get(f"/open-data/municipality-category-month.csv?{bad}")
        assert response.status_code == 400, bad
        assert "," not in text_of(response)  # a message, no table
    assert client.get("/open-data/municipality-category-month.xml").status_code == 404


# A period may end (or start) inside a month; if such a partial month were published, two
# downloads a few days apart would differ by one firm's figures. Only whole, finished months are.
def test_two_downloads_cannot_be_subtracted_to_one_firm(session, world):
    full = keyed(exports.open_data_rows(session, START, END))
    cell = ("1780", "sawdust", month(M1))
    assert cell in full
    for last in range(15, 28):  # periods ending earlier in the month
        part = keyed(exports.open_data_rows(session, START, M1.replace(day=last)))
        if cell in part:
            assert part[cell] == full[cell], last


# Transport capacity in tonnes is capacity, never published as offered tonnes per year.
def test_capacity_is_not_published_as_tonnes(session):
    day = M2.replace(day=12)
    for n in range(3):
        ListingFactory(
            site=SiteFactory(municipality_code="2180"), kind="capacity", category="transport",
            unit="t", quantity=Decimal("40"), recurrence="week", published_at=noon(day),
            title=f"Truck {n}",
        )  # fmt: skip
    (row,) = exports.open_data_rows(session, START, END)
    assert (row["category"], row["offers"]) == ("transport", 3)
    assert row["offered_tonnes_per_year"] == 0
