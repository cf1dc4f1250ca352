"""Listings and sites through the forms: create, publish, edit, close, search, bad input."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.services.listings.paging import Cursor
from marketplace.services.reference.taxonomy import seed_common_codes
from models import Listing, Site
from models.base import swedish_today, utcnow
from tests.conftest import text_of, visible_text
from tests.factories import ListingFactory, SiteFactory, UserFactory, copies_of


@pytest.fixture
def seller(client, session):  # type: ignore[no-untyped-def]
    seed_common_codes(session)
    user = UserFactory(email="seller@firm.example")
    site = SiteFactory(organisation=user.organisation, name="Sågen")
    client.login(user.email)
    return user, site


def offer_form(site, **changes):  # type: ignore[no-untyped-def]
    form = {
        "site_id": str(site.id),
        "title": "Torrt sågspån",
        "category": "sawdust",
        "description": "Sågspån från gran, lagras under tak.",
        "ewc_code": "03 01 05",
        "quantity": "800",
        "unit": "t",
        "recurrence": "year",
        "price_model": "price",
        "price_sek": "150",
        "visibility": "public",
        "max_distance_km": "80",
        "available_from": swedish_today().isoformat(),
        "available_until": (swedish_today() + timedelta(days=365)).isoformat(),
    }
    form.update(changes)
    return form


def listing_by_title(session, title):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(Listing).where(Listing.title == title))


def test_offer_lifecycle_create_publish_edit_close(client, session, seller):
    user, site = seller
    response = client.post("/listings/new?direction=offer&kind=material", offer_form(site))
    assert response.status_code == 303
    listing = listing_by_title(session, "Torrt sågspån")
    assert (listing.status, listing.direction, listing.ewc_code) == ("draft", "offer", "030105")
    assert listing.needs_assessment  # 03 01 05 is a mirror entry
    assert listing.organisation_id == user.organisation_id
    assert "Torrt sågspån" not in text_of(client.get("/listings"))  # drafts are not public

    assert client.post(f"/listings/{listing.id}/publish").status_code == 303
    assert listing_by_title(session, "Torrt sågspån").status == "published"
    assert "Torrt sågspån" in text_of(client.get("/listings"))

    edit = offer_form(site, title="Torrt sågspån, gran", quantity="900", remaining_quantity="700")
    assert client.post(f"/listings/{listing.id}/edit", edit).status_code == 303
    edited = listing_by_title(session, "Torrt sågspån, gran")
    assert (edited.quantity, edited.remaining_quantity, edited.status) == (900, 700, "published")

    assert client.post(f"/listings/{listing.id}/close").status_code == 303
    assert listing_by_title(session, "Torrt sågspån, gran").status == "closed"
    assert "Torrt sågspån" not in text_of(client.get("/listings"))


def test_want_for_surplus_heat(client, session, seller):
    _user, site = seller
    form = {
        "site_id": str(site.id),
        "title": "Spillvärme till fjärrvärmenät",
        "category": "surplus_heat",
        "quantity": "5000",
        "unit": "MWh",
        "recurrence": "year",
        "price_model": "negotiable",
        "visibility": "public",
        "temperature_c": "60",
        "seasonality": "heating_season",
    }
    response = client.post("/listings/new?direction=want&kind=energy", form)
    assert response.status_code == 303
    listing = listing_by_title(session, "Spillvärme till fjärrvärmenät")
    assert (listing.direction, listing.kind, listing.unit, listing.seasonality) == (
        "want",
        "energy",
        "MWh",
        "heating_season",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ewc_code": "99 99 99"}, "Unknown waste code"),
        ({"quantity": "-5"}, "Enter a number between 0 and one billion"),
        ({"quantity": "abc"}, "Enter a number"),
        ({"quantity": "NaN"}, "Enter a number"),
        ({"quantity": "1e30"}, "Enter a number"),
        ({"unit": "MWh"}, "Not a valid choice"),
        ({"available_until": "2020-01-01"}, "The end date must be on or after the start date"),
        ({"price_sek": ""}, "Enter the price per unit in SEK"),
        ({"title": ""}, "Give the listing a title"),
        ({"title": "x" * 121}, "Field cannot be longer than 120 characters"),
        ({"unit": "m3"}, "Give the density"),
        ({"description": "x" * 5001}, "Field cannot be longer than 5000 characters"),
    ],
)
def test_bad_input_is_shown_and_nothing_is_saved(client, session, seller, changes, message):
    _user, site = seller
    before = session.scalar(select(func.count()).select_from(Listing))
    response = client.post(
        "/listings/new?direction=offer&kind=material", offer_form(site, **changes)
    )
    assert response.status_code == 422
    page = text_of(response)
    assert message in page, page[page.find("error-summary") :][:800]
    assert session.scalar(select(func.count()).select_from(Listing)) == before


def test_another_firms_listing_cannot_be_edited_even_with_a_forged_form(client, session, seller):
    _user, site = seller
    foreign = ListingFactory(title="Their bark")
    response = client.post(f"/listings/{foreign.id}/edit", offer_form(site, title="Hijacked"))
    assert response.status_code == 404
    for action in ("publish", "close", "delete"):
        assert client.post(f"/listings/{foreign.id}/{action}").status_code == 404
    assert listing_by_title(session, "Their bark").status == "published"
    # A listing may only be put on one of the firm's own sites.
    response = client.post(
        "/listings/new?direction=offer&kind=material",
        offer_form(site, site_id=str(foreign.site_id)),
    )
    assert response.status_code == 422


def test_extra_fields_are_ignored(client, session, seller):
    user, site = seller
    other = UserFactory()
    form = offer_form(
        site,
        title="Mass assignment",
        organisation_id=str(other.organisation_id),
        status="published",
        is_hazardous="y",
        created_by_id=str(other.id),
    )
    assert client.post("/listings/new?direction=offer&kind=material", form).status_code == 303
    listing = listing_by_title(session, "Mass assignment")
    assert listing.organisation_id == user.organisation_id
    assert listing.status == "draft" and not listing.is_hazardous
    assert listing.created_by_id == user.id


def test_search_filters_and_anonymous_listings_hide_the_firm(client, session):
    karlstad = SiteFactory(municipality_code="1780", lat=59.405, lon=13.506)
    ListingFactory(site=karlstad, title="Bark i Karlstad", category="bark")
    ListingFactory(title="Anonymt spån", visibility="anonymous")
    ListingFactory(title="Sökes: kalk", direction="want", category="lime_mud")
    page = text_of(client.get("/listings?county=17"))
    assert "Bark i Karlstad" in page and "Anonymt spån" not in page
    page = text_of(client.get("/listings?direction=want"))
    assert "Sökes: kalk" in page and "Bark i Karlstad" not in page
    page = text_of(client.get("/listings?q=ANONYMT"))
    assert "Anonymt spån" in page
    anonymous = listing_by_title(session, "Anonymt spån")
    assert anonymous.organisation.name not in page
    detail = text_of(client.get(f"/listings/{anonymous.id}"))
    assert anonymous.organisation.name not in detail and anonymous.site.name not in detail
    assert "Falun" in detail  # the municipality is shown


def test_unknown_filter_values_and_pages_do_not_break_search(client):
    ListingFactory(title="Ett spån")
    for query in (
        "?kind=rocket",
        "?page=-3",
        "?page=abc",
        "?municipality=9999&county=99",
        "?ewc=%27;drop",
        "?q=" + "x" * 500,
    ):
        assert client.get("/listings" + query).status_code == 200


def test_pagination(client):
    for n in range(23):
        ListingFactory(title=f"Lot {n:02d}")
    first = text_of(client.get("/listings", headers={"Accept-Language": "en"}))
    second = text_of(client.get("/listings?page=2", headers={"Accept-Language": "en"}))
    assert "23 listings found" in first
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert second.count('class="card listing-card') == 3


def test_site_with_municipality_default_and_bad_coordinates(client, session, seller):
    form = {"name": "Lagret", "municipality_code": "2081", "postcode": "78434", "town": "Borlänge"}
    assert client.post("/firm/sites/new", form).status_code == 303
    session.expire_all()
    site = session.scalar(select(Site).where(Site.name == "Lagret"))
    assert (site.lat, site.lon, site.postcode, site.county_code) == (60.477, 15.447, "784 34", "20")
    assert 500_000 < site.x < 600_000  # SWEREF 99 TM easting in the region

    bad = {"name": "Fel", "municipality_code": "2081", "lat": "52.52", "lon": "13.40"}
    response = client.post("/firm/sites/new", bad)
    assert response.status_code == 422 and "outside Sweden" in text_of(response)
    outside = {"name": "Oslo", "municipality_code": "outside"}
    response = client.post("/firm/sites/new", outside)
    assert response.status_code == 422 and "Enter coordinates" in text_of(response)
    assert (
        session.scalar(select(func.count()).select_from(Site).where(Site.name.in_(["Fel", "Oslo"])))
        == 0
    )


def test_a_site_with_listings_cannot_be_removed(client, session, seller):
    _user, site = seller
    ListingFactory(site=site)
    response = client.post(f"/firm/sites/{site.id}/delete", follow_redirects=True)
    assert "Move or delete them" in text_of(response)
    assert session.get(Site, site.id) is not None


@pytest.mark.parametrize(("typed", "stored", "english", "swedish"), [
    ("300,5", "300.5", "300.5", "300,5"), ("300.5", "300.5", "300.5", "300,5"),
    ("1 200,25", "1200.25", "1,200.25", "1\u00a0200,25"),
    ("1\u00a0200", "1200", "1,200", "1\u00a0200"), ("0.500", "0.5", "0.5", "0,5"),
])  # fmt: skip
def test_a_decimal_comma_or_point_is_read_as_typed(
    client, session, seller, typed, stored, english, swedish
):
    _, site = seller
    form = offer_form(site, quantity=typed, price_sek="150,5", title=f"Spån {typed}")
    assert client.post("/listings/new?direction=offer&kind=material", form).status_code == 303
    listing = listing_by_title(session, f"Spån {typed}")
    assert listing.quantity == Decimal(stored) and listing.price_sek == Decimal("150.5")
    user, _ = seller

    def shown() -> str:
        page = text_of(client.get(f"/listings/{listing.id}/edit"))
        return re.search(r'<input[^>]*name="quantity"[^>]*>', page).group(0)

    assert 'inputmode="decimal"' in shown() and 'type="text"' in shown()
    assert f'value="{english}"' in shown()  # the user reads English
    user.locale = "sv"
    session.flush()
    assert f'value="{swedish}"' in shown()  # and now Swedish
    # What the form shows is read back as the same number.
    form = offer_form(site, quantity=swedish, price_sek="150,5", title=f"Spån {typed}")
    response = client.post(f"/listings/{listing.id}/edit", form)
    assert response.status_code == 303, text_of(response)[:800]
    session.expire_all()
    assert listing_by_title(session, f"Spån {typed}").quantity == Decimal(stored)


def test_an_ambiguous_or_garbled_number_is_refused_with_a_message(client, session, seller):
    _, site = seller
    for typed in ("1.200,5", "3e5", "12,5,1", "abc"):
        form = offer_form(site, quantity=typed, title=f"Spån {typed}")
        response = client.post("/listings/new?direction=offer&kind=material", form)
        assert response.status_code == 422, typed
        assert listing_by_title(session, f"Spån {typed}") is None


def test_every_error_of_a_submission_shows_at_once(client, session, seller):
    _, site = seller
    form = offer_form(
        site,
        title="",  # the form's own check
        quantity="-5",  # the form's own check
        ewc_code="99 99 99",  # the service's rule: no such code
        available_from=(swedish_today() + timedelta(days=30)).isoformat(),
        available_until=swedish_today().isoformat(),  # the service's rule: ends before it starts
        price_sek="",  # the service's rule: a price model "price" needs a price
    )
    response = client.post("/listings/new?direction=offer&kind=material", form)
    page = text_of(response)
    assert response.status_code == 422
    for message in (
        "Give the listing a title.",
        "Enter a number between 0 and one billion.",
        "Unknown waste code",
        "Enter the price per unit in SEK.",
    ):
        assert message in page, message
    assert page.count('class="error"') >= 5  # the dates too
    assert session.scalar(select(func.count()).select_from(Listing)) == 0


def test_the_listing_page_reads_stored_matches_and_a_close_takes_the_listing_out(
    client, session, seller
):  # type: ignore[no-untyped-def]
    from marketplace.services.impact.factors import load_defaults
    from marketplace.services.matching.stored import due_ids, refresh

    load_defaults(session)
    _user, site = seller
    mine = ListingFactory(site=site, title="Our sawdust")
    buyer_site = SiteFactory(lat=60.7, lon=15.7)
    theirs = ListingFactory(site=buyer_site, direction="want", title="Sawdust wanted")
    session.flush()
    for listing_id in due_ids(session):  # what the job did after these were published
        refresh(session, listing_id, today=swedish_today())
    session.flush()
    session.expire_all()
    assert not due_ids(session)
    with pytest.MonkeyPatch.context() as patch:
        from marketplace.services.matching import stored

        patch.setattr(stored, "compute_matches", _refuse)
        page = text_of(client.get(f"/listings/{mine.id}", headers={"Accept-Language": "en"}))
        assert "Sawdust wanted" in page
        api = client.get(f"/api/v1/listings/{theirs.id}/matches").get_json()
        assert [f["properties"]["listing_id"] for f in api["features"]] == [mine.id]
        # Closing through the form: the after-request job takes it out of the buyer's list.
        assert client.post(f"/listings/{mine.id}/close").status_code == 303
        session.expire_all()
        assert not due_ids(session)
        api = client.get(f"/api/v1/listings/{theirs.id}/matches").get_json()
        assert api["features"] == []


def _refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise AssertionError("matches were computed during the request")


def test_text_search_finds_words_without_their_accents(client):
    ListingFactory(title="Sågspån från hyvleriet")
    ListingFactory(title="Granbark")
    for q in ("sagspan", "Sågspån", "sågsp", "SAGSPAN hyvl"):
        page = text_of(client.get(f"/listings?q={q}", headers={"Accept-Language": "en"}))
        assert "Sågspån från hyvleriet" in page and "Granbark" not in page, q
        assert "1 listing found" in page


def next_link(page: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" rel="next">', page)
    return html.unescape(match.group(1)) if match else None


def prev_link(page: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" rel="prev">', page)
    return html.unescape(match.group(1)) if match else None


@pytest.fixture
def big_market(session):  # type: ignore[no-untyped-def]
    """1,001 live listings, all published at the same moment (so their ids order them)."""
    copies_of(session, ListingFactory(title="Spån"), 1000)


def test_more_than_a_thousand_listings_are_counted_as_such(client, big_market):
    english = text_of(client.get("/listings", headers={"Accept-Language": "en"}))
    assert "More than 1,000 listings found" in visible_text(english)
    swedish = text_of(client.get("/listings", headers={"Accept-Language": "sv"}))
    assert "1\u00a0000" in visible_text(swedish) and "1,000" not in visible_text(swedish)
    assert '<span aria-current="page">Page 1</span>' in english  # "of how many" is not known


def test_next_links_carry_a_cursor_and_reach_past_the_numbered_pages(client, big_market):
    en = {"Accept-Language": "en"}
    first = text_of(client.get("/listings", headers=en))
    assert "after=" in (next_link(first) or "") and prev_link(first) is None
    second = text_of(client.get(next_link(first), headers=en))
    assert "Page 2" in visible_text(second) and prev_link(second) == "/listings"
    assert second.count('class="card listing-card') == 20
    fiftieth = text_of(client.get("/listings?page=50", headers=en))
    assert "Page 50" in visible_text(fiftieth)
    last = text_of(client.get(next_link(fiftieth), headers=en))
    assert "Page 51" in visible_text(last) and next_link(last) is None
    assert last.count('class="card listing-card') == 1 and "Spån<" in last  # the oldest
    assert prev_link(last) == "/listings?page=50"
    assert text_of(client.get(prev_link(last), headers=en)) == fiftieth


def test_a_damaged_page_link_shows_the_first_page_with_a_message(client, session):
    ListingFactory(title="Ett spån")
    ranked = Cursor(page=2, published_at=utcnow(), id=1, relevance=0.5).encode()
    for query in (
        "?after=garbage",
        "?before=%00",
        "?after=" + "A" * 5000,
        "?q=spån&before=MTph",
        f"?before={ranked}",  # a forward cursor as a backward one
        f"?after={ranked}",  # a cursor of the ranked order, without a query
        f"?after={ranked}&near=town:2080&radius_km=50",  # radius pages have no cursors
    ):
        page = text_of(client.get("/listings" + query, headers={"Accept-Language": "en"}))
        assert "That page link was damaged" in page and "Ett spån" in page, query


def test_the_map_shows_a_page_of_200_with_links_to_the_next(client, big_market):
    page = text_of(client.get("/listings/map", headers={"Accept-Language": "en"}))
    assert "More than 1,000 listings found" in visible_text(page)
    assert "after=" in (next_link(page) or "") and "/listings/map?" in next_link(page)
    features = re.search(r'data-features="([^"]*)"', page)
    assert features and len(json.loads(html.unescape(features.group(1)))["features"]) == 200
