"""Main journeys in a real browser, with an accessibility check (axe-core) on each page."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from marketplace.demo.loader import DEMO_PASSWORD

pytestmark = pytest.mark.browser
axe = Axe()


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """No serious or critical WCAG 2.1 A/AA violations on the current page."""
    results = axe.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, (
        "\n".join(
            f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in serious
        )
        + f"\n(page: {page.url})"
    )


def login(page, email: str, password: str = DEMO_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_register_verify_add_site_publish_and_find_it(page, browser, live_server):
    # Register a new firm (Swedish is the default language).
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Registrera ditt företag").first.click()
    assert_accessible(page)
    page.get_by_label("Ditt namn").fill("Karin Gjutare")
    page.get_by_label("E-postadress").fill("karin@gjuteriet.example")
    page.get_by_label("Lösenord", exact=True).fill("gjutsand-i-hedemora")
    page.get_by_label("Upprepa lösenordet").fill("gjutsand-i-hedemora")
    page.get_by_label("Företagets namn").fill("Hedemora Gjuteri AB")
    page.get_by_label("Organisationsnummer").fill("556677-8890")
    page.get_by_role("button", name="Skapa konto").click()
    # A wrong check digit is explained next to the field and nothing is created.
    assert page.locator("#org_number-error").is_visible()
    assert_accessible(page)
    page.get_by_label("Organisationsnummer").fill("556036-0793")
    page.get_by_label("Lösenord", exact=True).fill("gjutsand-i-hedemora")
    page.get_by_label("Upprepa lösenordet").fill("gjutsand-i-hedemora")
    page.get_by_role("button", name="Skapa konto").click()
    # The same answer whether or not the address had an account: nobody is signed in yet.
    page.wait_for_url("**/register/sent")
    assert page.get_by_text("karin@gjuteriet.example").is_visible()
    assert_accessible(page)

    # Read the verification email in the demo mailbox, confirm, then log in.
    page.get_by_role("link", name="demobrevlådan").click()
    page.get_by_role("link", name="Bekräfta din e-postadress").first.click()
    link = re.search(r"http://127\.0\.0\.1:\d+/verify/\S+", page.locator("pre").inner_text())
    assert link
    page.goto(link.group(0))
    page.get_by_role("button", name="Bekräfta e-postadressen").click()
    page.wait_for_url("**/login")
    login(page, "karin@gjuteriet.example", "gjutsand-i-hedemora")
    page.goto("/firm")

    # Add a site.
    page.get_by_role("link", name="Lägg till anläggning").first.click()
    assert_accessible(page)
    page.get_by_label("Anläggningens namn").fill("Gjuteriet Hedemora")
    page.get_by_label("Gatuadress").fill("Gjuterivägen 4")
    page.get_by_label("Postnummer").fill("776 33")
    page.get_by_label("Ort").fill("Hedemora")
    page.get_by_label("Kommun").select_option("2083")
    page.get_by_role("button", name="Spara anläggningen").click()
    page.wait_for_url("**/firm")
    assert page.get_by_role("strong").filter(has_text="Gjuteriet Hedemora").is_visible()

    # Publish an offer.
    page.get_by_role("link", name="Ny annons").first.click()
    page.get_by_role("link", name=re.compile("Material")).first.click()
    assert_accessible(page)
    page.get_by_label("Rubrik").fill("Använd formsand från gjuteriet")
    page.get_by_label("Kategori").select_option("foundry_sand")
    page.get_by_label("Avfallskod (EWC)").fill("10 09 08")
    page.get_by_label("Beskrivning").fill("Bentonitbunden formsand, cirka 900 ton per år.")
    page.get_by_label("Mängd", exact=True).fill("900")
    page.get_by_label("Hur ofta").select_option("year")
    page.get_by_role("button", name="Spara som utkast").click()
    page.wait_for_url(re.compile(r"/listings/\d+$"))
    assert_accessible(page)
    page.get_by_role("button", name="Publicera").click()
    assert page.get_by_text("Annonsen är publicerad").is_visible()
    listing_url = page.url

    # Another user finds it through search.
    other = browser.new_context(base_url=live_server, locale="en-GB").new_page()
    login(other, "buyer@demo.example")
    other.goto("/listings")
    # By field id: the buyer's saved language depends on what other journeys chose.
    other.locator("#q").fill("formsand")
    other.locator("#county").select_option("20")
    other.locator("#search-form button[type=submit]").click()
    result = other.get_by_role("link", name="Använd formsand från gjuteriet")
    assert result.is_visible()
    assert_accessible(other)
    result.click()
    assert other.url == listing_url
    assert other.get_by_text("Hedemora Gjuteri AB").is_visible()
    assert other.get_by_text("10 09 08").is_visible()


def test_phone_sized_screen_and_english(browser, live_server):
    context = browser.new_context(
        base_url=live_server, locale="en-GB", viewport={"width": 375, "height": 740}
    )
    page = context.new_page()
    page.goto("/")
    assert page.get_by_role("button", name="Menu").is_visible()
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation").get_by_role("link", name="Find listings").click()
    assert page.get_by_role("heading", name="Find listings").is_visible()
    # Nothing is wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    assert_accessible(page)
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_second_invitation_to_one_address_is_explained_and_can_be_sent_again(
    browser, live_server, width
):
    context = browser.new_context(
        base_url=live_server, locale="sv-SE", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    login(page, "seller@demo.example")
    page.goto("/firm")
    address = f"kollega.{width}@demo.example"
    for _ in range(2):
        page.locator("#email").fill(address)
        page.locator("form[action$='/members/invite'] button[type=submit]").click()
        page.wait_for_load_state()
    # The second time: the reason beside the field, the address still in it.
    assert page.locator("#email-error").is_visible()
    assert address in page.locator("#email-error").inner_text()
    assert page.locator("#email").input_value() == address
    assert_accessible(page)
    page.get_by_role("button", name=f"Skicka igen {address}").click()
    assert page.get_by_text(f"En inbjudan har skickats till {address}").is_visible()
    assert_accessible(page)
    context.close()
