"""Mail preferences in a real browser: the account form and the mute button, by keyboard-free
clicks at desktop and phone width, each state checked with axe-core."""

from __future__ import annotations

import pytest

from tests.browser.test_journey import assert_accessible, login

pytestmark = pytest.mark.browser
FARMER = "kontakt@lovasens-gard.demo.example"  # the demo's firm on the daily summary


@pytest.mark.parametrize("width", [1280, 390])
def test_choose_message_emails_and_mute_a_conversation(browser, live_server, width):
    context = browser.new_context(
        base_url=live_server, locale="sv-SE", viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    login(page, FARMER)

    page.goto("/account")
    assert_accessible(page)
    choice = "each" if width > 400 else "daily"
    page.locator(f"input[name=message_mail][value={choice}]").check()
    page.locator("form[action$='/account/message-mail'] button[type=submit]").click()
    page.wait_for_url("**/account#message-mail-heading")
    assert page.locator(f"input[name=message_mail][value={choice}]").is_checked()
    assert page.locator(".flash--success").is_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.goto("/messages")
    page.locator(".conversation-list .card-title a").first.click()
    page.wait_for_url("**/messages/*")
    assert_accessible(page)
    page.locator("button[name=muted][value='1']").click()
    page.wait_for_url("**/messages/*")
    assert page.locator("button[name=muted][value='0']").is_visible()
    assert_accessible(page)
    page.goto("/messages")
    assert page.locator(".conversation-list .tag--muted").count() == 1
    assert_accessible(page)
    page.locator(".conversation-list .card-title a").first.click()
    page.locator("button[name=muted][value='0']").click()
    page.wait_for_url("**/messages/*")
    assert page.locator("button[name=muted][value='1']").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
