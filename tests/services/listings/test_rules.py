"""Listings: the rules of what a listing may say, its life cycle, search and presentation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.services.errors import DomainError, NotFound
from marketplace.services.listings.lifecycle import (
    close_listing,
    create_listing,
    delete_draft,
    disclosure,
    expire_listings,
    get_own_listing,
    publish_listing,
    quality_hints,
    update_listing,
)
from marketplace.services.listings.rules import ListingInput
from marketplace.services.listings.search import ListingFilters, search_listings
from marketplace.services.listings.tallies import region_totals
from marketplace.services.reference.taxonomy import seed_common_codes
from models import Listing
from models.base import swedish_today
from tests.factories import ListingFactory, OrganisationFactory, SiteFactory, UserFactory

TODAY = swedish_today()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def owner(session):
    user = UserFactory()
    SiteFactory(organisation=user.organisation)
    seed_common_codes(session)
    return user


def site_of(user):
    return user.organisation.sites[0]


def material(user, **changes) -> ListingInput:
    data = ListingInput(
        direction="offer",
        kind="material",
        site_id=site_of(user).id,
        title="Granbark från sågverket",
        category="bark",
        quantity=Decimal("100"),
        unit="t",
        description="Fresh spruce bark from the debarking line, stored outdoors.",
    )
    return replace(data, **changes)


def energy(user, **changes) -> ListingInput:
    data = material(user, kind="energy", category="surplus_heat", unit="MWh", title="Heat")
    return replace(data, **changes)


def published(session, user, **changes) -> Listing:
    listing = create_listing(session, actor=user, data=material(user, **changes))
    return publish_listing(session, actor=user, listing_id=listing.id, today=TODAY)


def search(session, **filters):
    return search_listings(session, ListingFilters(**filters), today=TODAY)


def titles(page) -> set[str]:
    return {item.title for item in page.items}


# --- validation rules ------------------------------------------------------------------------

D = Decimal
INVALID = {  # case: (input builder, changes, field that must be blamed)
    "energy in tonnes": (energy, {"unit": "t"}, "unit"),
    "material in MWh": (material, {"unit": "MWh"}, "unit"),
    "category of another kind": (material, {"category": "surplus_heat"}, "category"),
    "unknown category": (material, {"category": "unicorns"}, "category"),
    "unknown EWC code": (material, {"ewc_code": "99 99 99"}, "ewc_code"),
    "EWC not code-shaped": (material, {"ewc_code": "sawdust"}, "ewc_code"),
    "EWC on energy": (energy, {"ewc_code": "03 01 05"}, "ewc_code"),
    "m3 without density": (material, {"unit": "m3"}, "density_t_per_m3"),
    "density too high": (material, {"unit": "m3", "density_t_per_m3": D(26)}, "density_t_per_m3"),
    "quantity zero": (material, {"quantity": D(0)}, "quantity"),
    "quantity negative": (material, {"quantity": D(-5)}, "quantity"),
    "quantity above 1e9": (material, {"quantity": D("1000000000.001")}, "quantity"),
    "remaining above quantity": (material, {"remaining_quantity": D(101)}, "remaining_quantity"),
    "remaining negative": (material, {"remaining_quantity": D(-1)}, "remaining_quantity"),
    "until before from": (
        material,
        {"available_from": TODAY, "available_until": YESTERDAY},
        "available_until",
    ),
    "price without amount": (material, {"price_model": "price"}, "price_sek"),
    "fee without amount": (material, {"price_model": "fee"}, "price_sek"),
    "unknown price model": (material, {"price_model": "barter"}, "price_model"),
    "capacity without type": (
        material,
        {"kind": "capacity", "category": "storage", "unit": "m2"},
        "capacity_type",
    ),
    "empty title": (material, {"title": ""}, "title"),
    "blank title": (material, {"title": "   "}, "title"),
    "121-character title": (material, {"title": "x" * 121}, "title"),
    "unknown direction": (material, {"direction": "swap"}, "direction"),
    "distance zero": (material, {"max_distance_km": 0}, "max_distance_km"),
}


@pytest.mark.parametrize("case", INVALID)
def test_invalid_listing_is_refused_on_the_right_field(session, owner, case):
    build, changes, field = INVALID[case]
    with pytest.raises(DomainError) as exc:
        create_listing(session, actor=owner, data=build(owner, **changes))
    assert exc.value.field == field
    assert session.query(Listing).count() == 0


def test_site_of_another_firm_is_refused(session, owner):
    foreign_site = SiteFactory()
    with pytest.raises(DomainError) as exc:
        create_listing(session, actor=owner, data=material(owner, site_id=foreign_site.id))
    assert exc.value.field == "site_id"


def test_boundary_values_are_accepted(session, owner):
    listing = create_listing(
        session,
        actor=owner,
        data=material(owner, title="x" * 120, quantity=Decimal("1000000000"), price_model="free"),
    )
    assert listing.title == "x" * 120
    assert listing.quantity == Decimal("1000000000")
    assert listing.remaining_quantity == listing.quantity


@pytest.mark.parametrize(
    ("raw", "code", "hazardous", "mirror"),
    [("13 02 05*", "130205", True, False), ("030105", "030105", False, True)],
)
def test_waste_code_sets_hazard_flags(session, owner, raw, code, hazardous, mirror):
    listing = create_listing(session, actor=owner, data=material(owner, ewc_code=raw))
    assert listing.ewc_code == code
    assert (listing.is_hazardous, listing.needs_assessment) == (hazardous, mirror)


def test_fields_irrelevant_to_the_kind_are_cleared(session, owner):
    data = energy(
        owner,
        composition="moisture 50 %",
        density_t_per_m3=Decimal("0.4"),
        temperature_c=Decimal("85"),
        seasonality="heating_season",
        capacity_type="storage",
        price_model="free",
        price_sek=Decimal("10"),
    )
    listing = create_listing(session, actor=owner, data=data)
    assert listing.composition is None
    assert listing.density_t_per_m3 is None
    assert listing.capacity_type is None
    assert listing.price_sek is None
    assert listing.temperature_c == Decimal("85")
    assert listing.seasonality == "heating_season"


def test_material_listing_drops_energy_details(session, owner):
    data = material(owner, temperature_c=Decimal("90"), seasonality="summer", composition="dry")
    listing = create_listing(session, actor=owner, data=data)
    assert (listing.temperature_c, listing.seasonality) == (None, None)
    assert listing.composition == "dry"


# --- life cycle ---------------------------------------------------------------------------------


def test_a_new_listing_is_a_draft(session, owner):
    listing = create_listing(session, actor=owner, data=material(owner))
    assert listing.status == "draft"
    assert listing.published_at is None
    assert listing.organisation_id == owner.organisation_id
    assert listing.created_by_id == owner.id


def test_publish_makes_the_listing_live(session, owner):
    listing = create_listing(session, actor=owner, data=material(owner))
    publish_listing(session, actor=owner, listing_id=listing.id, today=TODAY)
    assert listing.status == "published"
    assert listing.published_at is not None


def test_publish_after_the_end_date_is_refused(session, owner):
    data = material(owner, available_until=YESTERDAY)
    listing = create_listing(session, actor=owner, data=data)
    with pytest.raises(DomainError) as exc:
        publish_listing(session, actor=owner, listing_id=listing.id, today=TODAY)
    assert exc.value.field == "available_until"
    assert listing.status == "draft"


def test_close_and_closed_listing_cannot_be_edited(session, owner):
    listing = published(session, owner)
    close_listing(session, actor=owner, listing_id=listing.id)
    assert listing.status == "closed"
    assert listing.closed_at is not None
    with pytest.raises(DomainError):
        update_listing(
            session, actor=owner, listing_id=listing.id, data=material(owner, title="New")
        )
    assert listing.title == "Granbark från sågverket"


def test_only_drafts_can_be_deleted(session, owner):
    draft = create_listing(session, actor=owner, data=material(owner))
    live = published(session, owner)
    delete_draft(session, actor=owner, listing_id=draft.id)
    session.flush()
    assert session.get(Listing, draft.id) is None
    with pytest.raises(DomainError):
        delete_draft(session, actor=owner, listing_id=live.id)
    assert session.get(Listing, live.id) is not None


def test_another_firms_member_cannot_reach_the_listing(session, owner):
    listing = create_listing(session, actor=owner, data=material(owner))
    stranger = UserFactory()
    for action in (close_listing, delete_draft, get_own_listing):
        with pytest.raises(NotFound):
            action(session, actor=stranger, listing_id=listing.id)
    with pytest.raises(NotFound):
        publish_listing(session, actor=stranger, listing_id=listing.id, today=TODAY)
    assert listing.status == "draft"


# --- search ------------------------------------------------------------------------------


def test_free_text_search_is_case_insensitive_with_swedish_letters(session, owner):
    published(session, owner, title="Granbark från sågverket")
    published(session, owner, title="Björkflis", category="sawdust")
    assert titles(search(session, q="GRANBARK")) == {"Granbark från sågverket"}
    assert titles(search(session, q="SÅGVERKET")) == {"Granbark från sågverket"}
    assert titles(search(session, q="björkFLIS")) == {"Björkflis"}
    assert titles(search(session, q="granbark björkflis")) == set()


def test_search_matches_category_and_waste_code_labels(session, owner):
    published(session, owner, title="Lot A", category="sawdust", ewc_code="030105")
    published(session, owner, title="Lot B")
    assert titles(search(session, q="sågspån")) == {"Lot A"}
    assert titles(search(session, q="03 01 05")) == {"Lot A"}


def test_filters_by_direction_kind_and_category(session, owner):
    published(session, owner, title="Offer bark")
    published(session, owner, title="Want bark", direction="want")
    published(session, owner, title="Sawdust", category="sawdust")
    heat = create_listing(session, actor=owner, data=energy(owner, title="Heat"))
    publish_listing(session, actor=owner, listing_id=heat.id, today=TODAY)
    assert titles(search(session, direction="want")) == {"Want bark"}
    assert titles(search(session, kind="energy")) == {"Heat"}
    assert titles(search(session, category="bark")) == {"Offer bark", "Want bark"}


def test_ewc_filter_by_chapter_and_full_code(session, owner):
    published(session, owner, title="Sawdust", ewc_code="030105")
    published(session, owner, title="Bark", ewc_code="030101")
    published(session, owner, title="Oil", category="chemicals", ewc_code="130205")
    published(session, owner, title="No code")
    assert titles(search(session, ewc="03")) == {"Sawdust", "Bark"}
    assert titles(search(session, ewc="03 01 05")) == {"Sawdust"}
    assert titles(search(session, ewc="13 02 05*")) == {"Oil"}


def test_filters_by_municipality_and_county(session, owner):
    karlstad = SiteFactory(
        organisation=owner.organisation, municipality_code="1780", lat=59.405, lon=13.506
    )
    published(session, owner, title="Falun lot")
    published(session, owner, title="Karlstad lot", site_id=karlstad.id)
    assert titles(search(session, municipality="1780")) == {"Karlstad lot"}
    assert titles(search(session, county="20")) == {"Falun lot"}
    assert titles(search(session, county="17")) == {"Karlstad lot"}
    assert titles(search(session, county="21")) == set()


def test_pagination_splits_and_clamps(session):
    ListingFactory.create_batch(25)
    third = search_listings(session, ListingFilters(), today=TODAY, page=3, per_page=10)
    assert (len(third.items), third.total, third.pages, third.page) == (5, 25, 3, 3)
    assert third.has_prev and not third.has_next
    beyond = search_listings(session, ListingFilters(), today=TODAY, page=9, per_page=10)
    assert beyond.page == 3
    assert [i.id for i in beyond.items] == [i.id for i in third.items]
    ids = set()
    for number in (1, 2, 3):
        page = search_listings(session, ListingFilters(), today=TODAY, page=number, per_page=10)
        ids |= {i.id for i in page.items}
    assert len(ids) == 25


def test_expired_and_unpublished_listings_are_not_found(session):
    ListingFactory(title="Live")
    ListingFactory(title="Ends today", available_until=TODAY)
    ListingFactory(title="Open-ended", available_until=None)
    ListingFactory(title="Ended", available_until=YESTERDAY)
    ListingFactory(title="Draft", status="draft", published_at=None)
    ListingFactory(title="Closed", status="closed")
    ListingFactory(title="Expired", status="expired")
    page = search(session)
    assert titles(page) == {"Live", "Ends today", "Open-ended"}
    assert page.total == 3


# --- maintenance and presentation ---------------------------------------------------------------


def test_expire_flips_only_published_listings_past_their_end(session):
    stale = ListingFactory.create_batch(2, available_until=YESTERDAY)
    current = ListingFactory(available_until=TODAY)
    draft = ListingFactory(status="draft", available_until=YESTERDAY)
    closed = ListingFactory(status="closed", available_until=YESTERDAY)
    assert expire_listings(session, today=TODAY) == 2
    assert [s.status for s in stale] == ["expired", "expired"]
    assert all(s.closed_at is not None for s in stale)
    assert (current.status, draft.status, closed.status) == ("published", "draft", "closed")
    assert expire_listings(session, today=TODAY) == 0


@pytest.fixture
def anonymous_listing(session):
    site = SiteFactory(street="Bergslagsvägen 1", postcode="791 71", town="Falun")
    return ListingFactory(site=site, visibility="anonymous")


@pytest.mark.parametrize("viewer", ["stranger", "nobody"])
def test_anonymous_listing_hides_the_owner(session, anonymous_listing, viewer):
    who = UserFactory() if viewer == "stranger" else None
    shown = disclosure(anonymous_listing, who)
    assert (shown.firm_name, shown.site_name, shown.address, shown.contact_email) == (None,) * 4
    assert shown.municipality_name == "Falun"
    assert shown.is_own is False


def test_anonymous_listing_is_disclosed_to_its_firm_and_to_staff(session, anonymous_listing):
    member = UserFactory(organisation=anonymous_listing.organisation, org_role="member")
    staff = UserFactory(organisation=None, org_role=None, is_staff=True)
    for viewer, own in ((member, True), (staff, False)):
        shown = disclosure(anonymous_listing, viewer)
        assert shown.firm_name == anonymous_listing.organisation.name
        assert shown.site_name == anonymous_listing.site.name
        assert shown.address == "Bergslagsvägen 1, 791 71 Falun"
        assert shown.contact_email == anonymous_listing.organisation.contact_email
        assert shown.is_own is own


def test_public_listing_is_disclosed_to_anyone(session):
    listing = ListingFactory(site=SiteFactory(municipality_code="1780", lat=59.4, lon=13.5))
    shown = disclosure(listing, None)
    assert shown.firm_name == listing.organisation.name
    assert shown.address is None
    assert shown.municipality_name == "Karlstad"


def test_region_totals_count_tonnes_of_live_material_offers(session):
    org = OrganisationFactory()
    site = SiteFactory(organisation=org)
    ListingFactory(site=site, quantity=Decimal("30"), remaining_quantity=Decimal("10"))
    ListingFactory(site=site, quantity=Decimal("500"), unit="kg")
    ListingFactory(site=site, quantity=Decimal("20"), unit="m3", density_t_per_m3=Decimal("0.5"))
    ListingFactory(quantity=Decimal("7"), unit="pieces")
    ListingFactory(direction="want", quantity=Decimal("1000"))
    ListingFactory(kind="energy", category="surplus_heat", unit="MWh", quantity=Decimal(900))
    ListingFactory(status="draft", quantity=Decimal("1000"))
    ListingFactory(available_until=YESTERDAY, quantity=Decimal("1000"))
    totals = region_totals(session, today=TODAY)
    assert totals.tonnes_offered == pytest.approx(10 + 0.5 + 10)  # remaining, not quantity
    assert (totals.offers, totals.wants) == (5, 1)
    assert totals.firms == 4


def test_quality_hints_for_a_thin_listing(session, owner):
    data = material(owner, description="Bark.")
    hints = quality_hints(create_listing(session, actor=owner, data=data))
    assert len(hints) == 6
    assert any("composition" in hint for hint in hints)
    assert any("waste code" in hint for hint in hints)


def test_no_quality_hints_for_a_complete_listing(session, owner):
    data = material(
        owner,
        composition="Moisture 50 %, no stones",
        ewc_code="030101",
        recurrence="month",
        available_from=TODAY,
        max_distance_km=150,
    )
    assert quality_hints(create_listing(session, actor=owner, data=data)) == []


def test_mirror_entry_without_composition_gets_an_assessment_hint(session, owner):
    complete = {"recurrence": "week", "available_from": TODAY, "max_distance_km": 50}
    bare = create_listing(session, actor=owner, data=material(owner, ewc_code="030105", **complete))
    described = create_listing(
        session, actor=owner, data=material(owner, ewc_code="030105", composition="Dry", **complete)
    )
    assert any("mirror entry" in hint for hint in quality_hints(bare))
    assert quality_hints(described) == []


def test_search_treats_like_wildcards_as_separators(session, owner):
    """Text search is by words: `%` and `_` are neither wildcards nor searchable."""
    published(session, owner, title="Bark 100% spruce")
    published(session, owner, title="Bark mixed")
    assert titles(search(session, q="100%")) == {"Bark 100% spruce"}
    assert titles(search(session, q="%")) == set()
    assert titles(search(session, q="_")) == set()


def test_quantity_that_rounds_to_zero_is_not_accepted(session, owner):
    # quantity is NUMERIC(14, 3) with CHECK (quantity > 0); 0.0001 t passes the service's
    # "above zero" rule, but the database stores 0.000 (SQLite) or refuses the row (PostgreSQL).
    data = material(owner, quantity=Decimal("0.0001"))
    try:
        listing = create_listing(session, actor=owner, data=data)
    except DomainError as exc:
        assert exc.field == "quantity"
        return
    session.expire(listing)
    assert listing.quantity > 0
