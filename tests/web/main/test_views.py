"""Public pages render for anonymous visitors, with listings from the database."""

from __future__ import annotations

from tests.conftest import text_of
from tests.factories import ListingFactory


def test_home_shows_newest_listings_and_totals(client):
    ListingFactory(title="Granbark från sågverket", quantity=250, remaining_quantity=250)
    ListingFactory(title="Want: lime", direction="want", category="lime_mud")
    page = text_of(client.get("/", headers={"Accept-Language": "en"}))
    assert "Granbark från sågverket" in page
    assert "Want: lime" in page
    assert "<dd>250</dd>" in page  # tonnes offered


def test_drafts_and_closed_listings_are_not_shown(client):
    ListingFactory(title="Secret draft", status="draft", published_at=None)
    ListingFactory(title="Old closed", status="closed")
    page = text_of(client.get("/listings"))
    assert "Secret draft" not in page
    assert "Old closed" not in page
