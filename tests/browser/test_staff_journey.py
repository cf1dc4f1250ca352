"""Regional staff in a real browser: the dashboard with its filters, the opportunities view
listing the demo's unmatched supply and demand, and an introduction that emails both firms
(through the outbox to an SMTP server) and opens a conversation between them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.extensions import db
from models import Conversation, Listing, User
from tests.browser.conftest import LiveServer, assert_no_more_mail, live_with_smtp, wait_for_mail
from tests.browser.test_journey import assert_accessible, login
from tests.support.smtp_sink import SinkProcess

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def staff_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, SinkProcess]]:
    with live_with_smtp(tmp_path_factory.mktemp("staff-live")) as running:
        yield running


def test_dashboard_opportunities_and_an_introduction(browser, staff_server):
    live, sink = staff_server
    context = browser.new_context(base_url=live.base, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, "staff@demo.example")

    page.goto("/staff")
    expect(page.locator("#realised")).to_be_visible()
    assert_accessible(page)
    page.locator("#f-county").select_option("20")
    page.locator("#f-category").select_option("steel_slag")
    page.locator("form.filter-bar button[type=submit]").click()
    page.wait_for_url("**/staff?*county=20*")
    expect(page.locator("#realised")).to_contain_text("2 000 t")  # the demo's slag to asphalt
    assert_accessible(page)

    page.goto("/staff/opportunities?radius_km=50")
    assert_accessible(page)
    with live.app.app_context(), db.write_session() as session:
        lonely_offer = session.scalars(
            select(Listing).where(Listing.title == "Slaggrus från avfallsförbränning")
        ).one()
        lonely_want = session.scalars(
            select(Listing).where(Listing.title == "Livsmedelsrester till biogas")
        ).one()
        offer_id, want_id = lonely_offer.id, lonely_want.id
    expect(page.locator(f"#supply-heading-section a[href='/listings/{offer_id}']")).to_be_visible()
    expect(page.locator(f"#demand-heading-section a[href='/listings/{want_id}']")).to_be_visible()

    first = page.locator("#untaken a[href^='/staff/introduce']").first
    href = first.get_attribute("href")
    assert href is not None
    first.click()
    assert_accessible(page)
    page.locator("#note").fill("Hej båda! Ni ligger nära varandra och borde prata om det här.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/messages/*")
    expect(page.locator("main .timeline")).to_contain_text("Ni ligger nära varandra")
    conversation_id = int(page.url.rsplit("/", 1)[1])

    with live.app.app_context(), db.write_session() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None and conversation.introduced_by_id is not None
        firms = {conversation.listing_org_id, conversation.inquirer_org_id}
        members = {
            u.email for u in session.scalars(select(User).where(User.organisation_id.in_(firms)))
        }
    mails = wait_for_mail(sink, len(members))
    assert_no_more_mail(live, sink, len(members))
    assert {m["To"] for m in mails} == members
    for mail in mails:
        body = mail.get_body(("plain",)).get_content()
        assert "Ni ligger nära varandra" in body
        assert f"{live.base}/messages/{conversation_id}" in body
        assert "CO2e" in body  # the match's estimate
    context.close()


def test_the_dashboard_on_a_phone_keeps_titles_units_and_figures_on_screen(browser, staff_server):
    live, _sink = staff_server
    context = browser.new_context(
        base_url=live.base, locale="sv-SE", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, "staff@demo.example")
    page.goto("/staff")
    captions = page.locator(".chart-grid figcaption")
    expect(captions).to_have_count(4)
    for n in range(4):
        caption = captions.nth(n)
        expect(caption).to_be_visible()
        assert "(" in caption.inner_text()  # every title says its unit
    width = page.evaluate("document.documentElement.clientWidth")
    for table in ("category", "municipality", "month"):
        cells = page.locator(f"section[aria-labelledby='{table}-heading'] tbody tr:first-child td")
        assert cells.count() >= 6
        for n in range(cells.count()):
            box = cells.nth(n).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (
                table, n, box, width,
            )  # fmt: skip
    for svg in page.locator(".chart-grid svg").all():
        box = svg.bounding_box()
        assert box is not None and box["width"] <= width
    assert_accessible(page)
    page.screenshot(path=str(live.app.instance_path) + "/dashboard-390.png", full_page=True)
    context.close()
