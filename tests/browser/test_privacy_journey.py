"""Issue 14's pages in a real browser, Swedish and English, desktop and phone width: the account
page with its sign-ins, data download and deletion, the privacy notice, and the administrator's
users and audit log (an admin deactivates a user, who then cannot sign in)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from marketplace.extensions import limiter
from tests.browser.test_journey import assert_accessible, login

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("language", ["sv-SE", "en-GB"])
def test_account_privacy_and_audit_pages_are_accessible(browser, live_server, language, size):
    limiter.reset()  # four sign-ins of the demo admin within a minute, on top of other journeys
    context = browser.new_context(base_url=live_server, locale=language, viewport=SIZES[size])
    page = context.new_page()
    page.set_default_timeout(10_000)
    english = language.startswith("en")
    page.goto("/privacy")
    expect(page.locator("h1")).to_have_text(
        "Privacy notice" if english else "Information om personuppgifter"
    )
    assert_accessible(page)

    login(page, "admin@demo.example")
    if english:  # the demo admin's saved language is Swedish; switch as a user would
        page.goto("/account")
        page.locator("#locale").select_option("en")
        page.locator("form[action$='/account/profile'] button[type=submit]").click()
    page.goto("/account")
    expect(page.locator("#sessions-heading")).to_have_text(
        "Sign-ins" if english else "Inloggningar"
    )
    expect(page.locator("#sessions-heading + table tbody tr").first).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator("a[href='/account/export']").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["profile"]["email"] == "admin@demo.example"

    page.goto("/admin/users")
    assert_accessible(page)
    page.goto("/admin/audit")
    expect(page.locator("h1")).to_have_text("Audit log" if english else "Granskningslogg")
    expect(page.locator("tbody")).to_contain_text(
        "Personal data exported" if english else "Personuppgifter exporterade"
    )
    assert_accessible(page)
    if english:  # back to the demo's Swedish for the other tests on this server
        page.goto("/account")
        page.locator("#locale").select_option("sv")
        page.locator("form[action$='/account/profile'] button[type=submit]").click()
    context.close()


def test_an_admin_deactivates_a_user_who_then_cannot_sign_in(browser, live_server):
    limiter.reset()  # other journeys on this server signed the same demo users in this minute
    context = browser.new_context(base_url=live_server, locale="en-GB")
    admin = context.new_page()
    admin.set_default_timeout(10_000)
    login(admin, "admin@demo.example")
    admin.goto("/admin/users?q=staff%40demo.example")
    admin.get_by_role("button", name="Inaktivera staff@demo.example").click()
    expect(admin.locator(".flashes")).to_contain_text("inaktiverad")
    assert_accessible(admin)

    other = browser.new_context(base_url=live_server, locale="sv-SE").new_page()
    other.goto("/login")
    other.locator("#email").fill("staff@demo.example")
    other.locator("#password").fill("demo-password-2026")
    other.locator("main form button[type=submit]").click()
    expect(other.locator("main")).to_contain_text("Kontot är inaktiverat")
    assert_accessible(other)

    admin.get_by_role("button", name="Aktivera igen staff@demo.example").click()
    expect(admin.locator("main")).to_contain_text("kan logga in igen")
    login(other, "staff@demo.example")
    other.context.close()
    context.close()
