"""A buyer places a site on the map and searches within 30 km of it (no tile server reachable)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_journey import assert_accessible, login

pytestmark = pytest.mark.browser


def distances(page) -> list[float]:  # type: ignore[no-untyped-def]
    texts = page.locator(".card .distance").all_inner_texts()
    return [float(t.replace("km", "").replace(",", ".").replace("\xa0", "").strip()) for t in texts]


def test_site_by_map_click_then_radius_search_in_both_languages(page):
    login(page, "buyer@demo.example")  # the buyer's language is Swedish
    page.goto("/firm/sites/new")
    page.get_by_label("Anläggningens namn").fill("Mellanlager Falun")
    page.get_by_label("Kommun").select_option("2083")  # a first guess: Hedemora
    site_map = page.locator("[data-map=site-picker]")
    site_map.wait_for()
    assert_accessible(page)
    # Then the buyer clicks the map at Falun's main town instead (no tiles are loaded).
    site_map.scroll_into_view_if_needed()
    page.get_by_label("Kommun").select_option("2080")
    box = site_map.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#lat")).not_to_have_value("")
    lat = float(page.locator("#lat").input_value())
    lon = float(page.locator("#lon").input_value())
    assert abs(lat - 60.605) < 0.02 and abs(lon - 15.603) < 0.04
    # With boundaries imported, the map click proposes the municipality under the point.
    expect(page.locator("#site-map-status")).not_to_be_empty()
    assert page.get_by_label("Kommun").input_value() == "2080"
    page.get_by_role("button", name="Spara anläggningen").click()
    page.wait_for_url("**/firm")

    page.goto("/listings")
    page.get_by_label("Nära").select_option(label="Vår anläggning Mellanlager Falun")
    page.get_by_label("Inom (km)").fill("30")
    page.get_by_role("button", name="Sök").click()
    page.wait_for_selector("#listings-map[data-markers]")
    heading = page.locator("#results-heading")
    assert "närmast först" in heading.inner_text()
    found = distances(page)
    assert found and found == sorted(found) and max(found) <= 30
    markers = int(page.locator("#listings-map").get_attribute("data-markers"))
    assert markers == int(re.search(r"\d+", heading.inner_text()).group(0))
    assert page.locator(".leaflet-interactive").count() >= 1  # the radius circle and markers
    assert_accessible(page)

    # The same search in English.
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("#listings-map[data-markers]")
    assert "nearest first" in page.locator("#results-heading").inner_text()
    assert distances(page) == found
    assert_accessible(page)
