"""From inquiry to realised savings in a real browser: the demo buyer inquires on the demo sawdust
offer, the seller answers, 500 t are proposed, countered to 400 t and agreed, two deliveries of
200 t are logged by the buyer and confirmed by the seller; every notification goes through the
outbox to an SMTP server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.extensions import db
from models import Deal, Delivery, Listing
from models.base import swedish_today
from tests.browser.conftest import LiveServer, assert_no_more_mail, live_with_smtp, wait_for_mail
from tests.browser.test_journey import assert_accessible, login
from tests.support.smtp_sink import SinkProcess

pytestmark = pytest.mark.browser
SAWDUST = "Sågspån av gran och tall, 8 000 ton per år"


@pytest.fixture(scope="module")
def deal_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, SinkProcess]]:
    with live_with_smtp(tmp_path_factory.mktemp("deals-live")) as running:
        yield running


def _number(value: float, digits: int) -> str:
    """As the pages show it in Swedish (helpers.fmt_number)."""
    pattern = "#,##0." + "#" * digits if digits else "#,##0"
    return format_decimal(Decimal(str(value)).normalize(), format=pattern, locale="sv")


def test_inquiry_counter_offer_agreement_and_deliveries(browser, deal_server):
    live, sink = deal_server
    with live.app.app_context(), db.write_session() as session:
        offer = session.scalars(select(Listing).where(Listing.title == SAWDUST)).one()
        offer_id, remaining_before = offer.id, offer.remaining_quantity
    contexts = [browser.new_context(base_url=live.base, locale="sv-SE") for _ in range(2)]
    buyer, seller = (context.new_page() for context in contexts)
    for page in (buyer, seller):
        page.set_default_timeout(15_000)
    login(buyer, "buyer@demo.example")
    login(seller, "seller@demo.example")

    # The buyer inquires from the offer's page.
    buyer.goto(f"/listings/{offer_id}")
    buyer.locator(f"a[href='/listings/{offer_id}/inquire']").click()
    assert_accessible(buyer)
    buyer.locator("#message").fill("Hej! Vi vill köpa spån till pelletsfabriken i vår.")
    buyer.locator("#wanted_quantity").fill("500")
    buyer.locator("main form button[type=submit]").click()
    buyer.wait_for_url("**/messages/*")
    conversation_url = buyer.url
    assert_accessible(buyer)
    mails = wait_for_mail(sink, 1)
    assert mails[-1]["To"] == "seller@demo.example"

    # The seller sees an unread conversation and answers.
    seller.goto("/messages")
    expect(seller.locator(".nav-count")).to_have_text(re.compile(r"^1\b"))
    assert_accessible(seller)
    conversation_path = conversation_url.removeprefix(live.base)
    seller.locator(f"a[href='{conversation_path}']").click()
    expect(seller.locator("main")).to_contain_text("pelletsfabriken i vår")
    seller.locator("#body").fill("Välkommen! Vi kan leverera från Edsbyn.")
    seller.locator(f"form[action='{conversation_path}'] button").click()
    expect(seller.locator("main .timeline")).to_contain_text("Vi kan leverera från Edsbyn")
    assert wait_for_mail(sink, 2)[-1]["To"] == "buyer@demo.example"

    # The buyer proposes 500 t; the seller answers with 400 t; the buyer agrees.
    buyer.goto(conversation_url)
    expect(buyer.locator("main .timeline")).to_contain_text("Vi kan leverera från Edsbyn")
    buyer.locator("a[href$='/deal']").click()
    assert_accessible(buyer)
    buyer.locator("#quantity").fill("500")
    buyer.locator("#price_sek").fill("210")
    buyer.locator("#baseline_route").select_option("incineration")
    buyer.locator("main form button[type=submit]").click()
    buyer.wait_for_url("**/deals/*")
    deal_path = buyer.url.removeprefix(live.base)
    assert_accessible(buyer)
    wait_for_mail(sink, 3)

    seller.goto(deal_path)
    seller.locator(f"a[href='{deal_path}/counter']").click()
    expect(seller.locator("#quantity")).to_have_value("500")
    seller.locator("#quantity").fill("400")
    seller.locator("main form button[type=submit]").click()
    seller.wait_for_url(f"**{deal_path}")
    wait_for_mail(sink, 4)

    buyer.goto(deal_path)
    expect(buyer.locator("main")).to_contain_text("400")
    buyer.locator(f"form[action='{deal_path}/accept'] button").click()
    expect(buyer.locator("main .status--agreed")).to_be_visible()
    wait_for_mail(sink, 5)

    # The buyer logs two deliveries of 200 t: they wait for the seller and count for nothing yet.
    for _ in range(2):
        buyer.locator("#deliveries #quantity").fill("200")
        buyer.locator("#delivered_on").fill(swedish_today().isoformat())
        buyer.locator(f"form[action='{deal_path}/deliveries'] button").click()
        buyer.wait_for_url(f"**{deal_path}#deliveries")
    expect(buyer.locator("#deliveries .status--pending")).to_have_count(2)
    expect(buyer.locator("#deliveries tfoot")).to_contain_text("0 t")
    assert_accessible(buyer)
    wait_for_mail(sink, 7)

    # The seller confirms both: the deal completes and the savings are realised.
    seller.goto(deal_path)
    confirm = seller.locator(f"form[action^='{deal_path}/deliveries/'][action$='/confirm'] button")
    expect(confirm).to_have_count(2)
    assert_accessible(seller)
    for _ in range(2):
        confirm.first.click()
        seller.wait_for_url(f"**{deal_path}#deliveries")
    expect(seller.locator("#deliveries .status--confirmed")).to_have_count(2)
    expect(seller.locator("main .status--completed")).to_be_visible()
    assert_accessible(seller)

    with live.app.app_context(), db.write_session() as session:
        deal_id = int(deal_path.rsplit("/", 1)[1])
        deal = session.get(Deal, deal_id)
        assert deal is not None and deal.status == "completed"
        assert deal.total_quantity == 400
        assert session.get(Listing, offer_id).remaining_quantity == remaining_before - 400
        deliveries = session.scalars(select(Delivery).where(Delivery.deal_id == deal_id)).all()
        co2e = sum(d.co2e_kg for d in deliveries)
        sek = sum(d.sek for d in deliveries)
    assert [float(d.quantity) for d in deliveries] == [200, 200] and co2e > 0
    # Sawdust avoids no gate fee and no displaced-input price was given: only the freight.
    assert sek < 0

    # Both firms see the realised CO2e and SEK of the deal.
    for page in (buyer, seller):
        page.goto(deal_path)
        totals = page.locator("#deliveries tfoot")
        expect(totals).to_contain_text(f"{_number(co2e / 1000, 2)} t")
        expect(totals).to_contain_text(f"{_number(sek, 0)} kr")

    # Every step reached the other firm by email: inquiry, answer, proposal, counter-proposal,
    # agreement, two deliveries to confirm, two confirmations and the completion.
    mails = wait_for_mail(sink, 10)
    assert_no_more_mail(live, sink, 10)
    to = [m["To"] for m in mails]
    assert to.count("seller@demo.example") == 5 and to.count("buyer@demo.example") == 5
    for mail in mails:
        body = mail.get_body(("plain",)).get_content()
        assert f"{live.base}/messages/" in body or f"{live.base}/deals/" in body
    for context in contexts:
        context.close()
