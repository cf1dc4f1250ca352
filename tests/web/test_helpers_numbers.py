"""Numbers as each reader writes them, beyond the main pages' scan (test_helpers_numbers_pages):
quantities typed into the deal and delivery forms, what the language decides for "1,200" and
"1.200", the staff pages and the firm network, input values, dates, the currency label,
plurals, and the alert emails."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.demo.loader import load_demo
from marketplace.services.impact.factors import load_defaults
from models import Conversation, Deal, Delivery, Listing, Organisation, User
from models.base import swedish_today
from models.outbox import OutboxEmail
from tests.conftest import english_numbers, text_of, visible_text
from tests.factories import ListingFactory, SiteFactory, UserFactory
from tests.services.alerts.test_fanout import FALUN, circle, listing_at, run_fanout
from tests.web.deals.test_views import as_user, terms
from tests.web.test_helpers_numbers_pages import swedish_numbers

TODAY = swedish_today().isoformat()
PASSWORD = "demo-password-2026"
ENGLISH_DATE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}")
SWEDISH_MONTH = re.compile(
    r"\b\d{1,2} (?:jan|feb|mars|apr|maj|juni|juli|aug|sep|okt|nov|dec)\.? \d{4}"
)


@pytest.fixture
def firms(session):  # type: ignore[no-untyped-def]
    """A sawmill offering 8 000 t of sawdust a year and a pellet maker that buys."""
    seller, buyer = (
        UserFactory(email="seller@saw.example"),
        UserFactory(email="buyer@pellets.example"),
    )
    SiteFactory(organisation=buyer.organisation, lat=60.477, lon=15.447)
    site = SiteFactory(organisation=seller.organisation, lat=61.383, lon=15.814)
    offer = ListingFactory(site=site, quantity=Decimal("8000"), recurrence="year")
    load_defaults(session)
    return {"seller": seller, "buyer": buyer, "offer": offer}


def open_deal(make_client, session, firms, quantity: str):  # type: ignore[no-untyped-def]
    """The buyer inquires and proposes `quantity` as typed; the seller accepts if it parsed."""
    buyer = as_user(make_client, firms["buyer"])
    buyer.post(f"/listings/{firms['offer'].id}/inquire", {"message": "Hej"})
    conversation = session.scalars(select(Conversation)).one()
    response = buyer.post(f"/messages/{conversation.id}/deal", terms(quantity))
    deal = session.scalars(select(Deal)).first()
    if deal is not None:
        seller = as_user(make_client, firms["seller"])
        assert seller.post(f"/deals/{deal.id}/accept", {"version": "1"}).status_code == 303
    return buyer, response, deal


@pytest.mark.parametrize("locale", ["sv", "en"])
@pytest.mark.parametrize("typed", ["300,5", "300.5"])
def test_deal_and_delivery_quantities_take_a_comma_or_a_point(
    make_client, session, mailbox, firms, typed, locale
):
    firms["buyer"].locale = firms["seller"].locale = locale
    session.flush()
    buyer, response, deal = open_deal(make_client, session, firms, typed)
    assert response.status_code == 303, text_of(response)[:2000]
    assert deal.quantity == Decimal("300.5")
    logged = buyer.post(f"/deals/{deal.id}/deliveries", {"quantity": typed, "delivered_on": TODAY})
    assert logged.status_code == 303, text_of(logged)[:2000]
    [delivery] = session.scalars(select(Delivery).where(Delivery.deal_id == deal.id)).all()
    assert delivery.quantity == Decimal("300.5")
    shown = "300,5" if locale == "sv" else "300.5"
    assert shown in visible_text(text_of(buyer.get(f"/deals/{deal.id}")))
    # The seller's emails about the deal round as the deal page does (not "301").
    emails = [m["text"] for m in mailbox.messages("seller@saw.example")]
    assert any(shown in text for text in emails)
    assert not any(re.search(r"\b301\b", text) for text in emails)


def test_garbled_quantities_are_refused_beside_the_field_and_nothing_is_saved(
    make_client, session, firms
):
    firms["buyer"].locale = "sv"
    session.flush()
    buyer, response, deal = open_deal(make_client, session, firms, "3e5")
    assert response.status_code == 422 and deal is None
    page = text_of(response)
    assert 'id="quantity-error"' in page and "Ange ett tal, till exempel 1 200 eller 0,5." in page
    buyer, response, deal = open_deal(make_client, session, firms, "300")
    for typed, message in (
        ("1.200", "1.200 kan betyda både 1\u00a0200 och 1,2: skriv 1\u00a0200 eller 1,2."),
        ("12,5,1", "Ange ett tal"),
        ("1 2", "Ange ett tal"),
    ):
        refused = buyer.post(
            f"/deals/{deal.id}/deliveries", {"quantity": typed, "delivered_on": TODAY}
        )
        assert refused.status_code == 422, typed
        assert message in text_of(refused), typed
    assert session.scalars(select(Delivery).where(Delivery.deal_id == deal.id)).all() == []


@pytest.mark.parametrize(("locale", "stored"), [("sv", "1.2"), ("en", "1200")])
def test_the_readers_language_decides_what_1_200_means(make_client, session, firms, locale, stored):
    """A comma before three digits: the Swedish decimal comma, the English thousands mark."""
    firms["buyer"].locale = locale
    session.flush()
    _, response, deal = open_deal(make_client, session, firms, "1,200")
    assert response.status_code == 303
    assert deal.quantity == Decimal(stored)


@pytest.fixture
def demo(session):  # type: ignore[no-untyped-def]
    load_demo(session, production=False, today=swedish_today())
    return session


def staff_pages(session) -> list[str]:  # type: ignore[no-untyped-def]
    firm = session.scalars(select(Organisation).order_by(Organisation.id)).first()
    return [
        "/staff", "/staff/listings", "/staff/deals", "/staff/deliveries",
        "/staff/opportunities", "/staff/moderation", "/staff/firms", f"/staff/firms/{firm.id}",
    ]  # fmt: skip


def test_swedish_staff_pages_write_numbers_dates_and_kronor_the_swedish_way(make_client, demo):
    client = make_client()
    client.login("staff@demo.example", PASSWORD)
    for url in staff_pages(demo):
        text = visible_text(text_of(client.get(url)))
        assert english_numbers(text) == [], (url, english_numbers(text)[:8])
        assert "SEK" not in text and not ENGLISH_DATE.search(text), url
    dashboard = visible_text(text_of(client.get("/staff")))
    assert re.search(r"\d kr\b", dashboard.replace("\u00a0", " "))
    assert re.search(
        r"\b(?:jan|feb|mars|apr|maj|juni|juli|aug|sep|okt|nov|dec)\.? \d{4}", dashboard
    )
    # The network of realised exchanges on the opportunities page: "2 000 t", not "2,000 t".
    network = text_of(client.get("/staff/opportunities")).split('class="chart')[1]
    assert re.search(r"\d\u00a0\d{3} t", network) and not re.search(r"\d,\d{3} t", network)


def test_english_staff_pages_write_numbers_dates_and_kronor_the_english_way(make_client, demo):
    staff = demo.scalars(select(User).where(User.email == "staff@demo.example")).one()
    staff.locale = "en"
    demo.flush()
    client = make_client()
    client.login("staff@demo.example", PASSWORD)
    for url in staff_pages(demo):
        text = visible_text(text_of(client.get(url)))
        assert swedish_numbers(text) == [], (url, swedish_numbers(text)[:8])
        assert not re.search(r"\d kr\b", text.replace("\u00a0", " ")), url
        assert not ENGLISH_DATE.search(text), (url, ENGLISH_DATE.findall(text)[:3])
    listings = visible_text(text_of(client.get("/staff/listings")))
    assert re.search(
        r"\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}", listings
    )
    assert "SEK" in visible_text(text_of(client.get("/staff")))


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_listing_pages_and_their_inputs_in_the_readers_format(make_client, demo, locale):
    seller = demo.scalars(select(User).where(User.email == "seller@demo.example")).one()
    seller.locale = locale
    demo.flush()
    client = make_client()
    client.login("seller@demo.example", PASSWORD)
    own = demo.scalars(
        select(Listing).where(Listing.organisation_id == seller.organisation_id)
    ).all()
    assert own
    for listing in own:
        page = text_of(client.get(f"/listings/{listing.id}"))
        text = visible_text(page)
        assert not ENGLISH_DATE.search(text), listing.id
        assert ("SEK" not in text) if locale == "sv" else not re.search(r"\d kr\b", text)
        form = text_of(client.get(f"/listings/{listing.id}/edit"))
        values = re.findall(r'<input[^>]*inputmode="decimal"[^>]*value="([^"]*)"', form)
        assert values, listing.id
        wrong = "." if locale == "sv" else ","
        assert not [v for v in values if wrong in v and not re.fullmatch(r"\d{1,3}(,\d{3})+", v)]


def test_counts_take_the_catalogues_plural_forms(make_client, session):
    site = SiteFactory()
    ListingFactory(site=site, kind="energy", category="surplus_heat", unit="MWh")
    for _ in range(2):
        ListingFactory(site=site)
    staff_user = UserFactory(organisation=None, org_role=None, is_staff=True, locale="sv")
    client = make_client()
    client.login(staff_user.email)
    amounts = text_of(client.get("/staff")).split('id="amounts-heading"')[1].split("</table>")[0]
    assert "2 annonser" in amounts and "1 annons<" in amounts and "1 annonser" not in amounts
    browse = visible_text(text_of(client.get("/listings")))
    assert "3 annonser hittades" in browse
    assert "1 annons hittades" in visible_text(
        text_of(client.get("/listings?category=surplus_heat"))
    )
    staff_user.locale = "en"
    session.flush()
    amounts = text_of(client.get("/staff")).split('id="amounts-heading"')[1].split("</table>")[0]
    assert "2 listings" in amounts and "1 listing<" in amounts and "1 listings" not in amounts
    assert "1 listing found" in visible_text(text_of(client.get("/listings?category=surplus_heat")))


@pytest.mark.parametrize(("locale", "quantity"), [("sv", "1\u00a0234,5"), ("en", "1,234.5")])
def test_alert_emails_write_numbers_as_the_pages_do(session, locale, quantity):
    buyer = UserFactory(locale=locale)
    SiteFactory(organisation=buyer.organisation, lon=FALUN[0] + 0.2, lat=FALUN[1])
    circle(buyer, 60, categories=("sawdust",))
    listing = listing_at(*FALUN, title="Torrt granspån", quantity=Decimal("1234.5"))
    run_fanout(session, listing)
    email = session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == buyer.email)).one()
    for body in (email.text, visible_text(email.html)):
        assert quantity in body
        if locale == "sv":
            assert english_numbers(body) == [], english_numbers(body)
        else:
            assert swedish_numbers(body) == [], swedish_numbers(body)


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_emails_and_pages_round_the_same_way(app, locale):
    """One formatter behind both: 0,25 t is 0,3 t on the match card and in the email alike."""
    from flask_babel import force_locale

    from marketplace.services.mail.compose import _environment
    from marketplace.web.helpers import fmt_money, fmt_number

    email_number = _environment(locale).filters["number"]
    email_money = _environment(locale).filters["money"]
    with app.test_request_context(), force_locale(locale):
        for value in (0.25, 2.5, 1234.45, -0.04, 69300, 0.1252):
            for digits in (0, 1, 2):
                assert fmt_number(value, digits) == email_number(value, digits), (value, digits)
            assert fmt_money(value) == email_money(value)
        assert fmt_number(0.25, 1) == ("0,3" if locale == "sv" else "0.3")
