"""The home page's region totals from the firms' tallies equal a direct recount of the live
listings, whatever the services did to them; the rebuild equals the maintained state."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from marketplace.services.accounts.privacy import delete_account
from marketplace.services.deals import conversations, negotiation
from marketplace.services.deals.conversations import InquiryInput
from marketplace.services.deals.deal_terms import Terms
from marketplace.services.impact.factors import load_defaults
from marketplace.services.listings.lifecycle import (
    close_listing,
    create_listing,
    delete_draft,
    expire_listings,
    publish_listing,
    update_listing,
)
from marketplace.services.listings.liveness import live_condition
from marketplace.services.listings.rules import ListingInput
from marketplace.services.listings.tallies import RegionTotals, rebuild_tallies, region_totals
from marketplace.services.staff.facilitation import unpublish
from models import FirmTally, Listing, Organisation, Site
from models.base import swedish_today
from models.taxonomy import tonnes
from tests import factories
from tests.factories import (
    TEST_PASSWORD,
    ListingFactory,
    OrganisationFactory,
    SiteFactory,
    UserFactory,
)

TODAY = swedish_today()
YESTERDAY = TODAY - timedelta(days=1)


def scan_totals(session: Session, today) -> RegionTotals:  # type: ignore[no-untyped-def]
    """The oracle: the home page's former computation, reading every live listing."""
    live = live_condition(today)
    firms = session.scalar(select(func.count(func.distinct(Listing.organisation_id))).where(live))
    counts: dict[str, int] = {
        direction: n
        for direction, n in session.execute(
            select(Listing.direction, func.count()).where(live).group_by(Listing.direction)
        )
    }
    rows = session.execute(
        select(Listing.unit, Listing.remaining_quantity, Listing.density_t_per_m3).where(
            live, Listing.direction == "offer", Listing.kind == "material"
        )
    )
    tonnes_offered = sum(
        tonnes(float(remaining), unit, float(density) if density is not None else None) or 0.0
        for unit, remaining, density in rows
        if remaining is not None
    )
    return RegionTotals(
        firms=firms or 0,
        offers=counts.get("offer", 0),
        wants=counts.get("want", 0),
        tonnes_offered=tonnes_offered,
    )


def tally_rows(session: Session) -> dict[int, tuple[int, int, float]]:
    rows = session.execute(
        select(
            FirmTally.organisation_id, FirmTally.offers, FirmTally.wants, FirmTally.tonnes_offered
        )
    )
    return {firm: (offers, wants, pytest.approx(t, abs=1e-9)) for firm, offers, wants, t in rows}


def check(session: Session, today=TODAY) -> RegionTotals:  # type: ignore[no-untyped-def]
    """Totals equal the recount (tonnes up to float summation order); rebuilding changes nothing."""
    session.flush()
    expected, got = scan_totals(session, today), region_totals(session, today=today)
    assert (got.firms, got.offers, got.wants) == (expected.firms, expected.offers, expected.wants)
    assert got.tonnes_offered == pytest.approx(expected.tonnes_offered, rel=1e-12, abs=1e-9)
    maintained = tally_rows(session)
    rebuild_tallies(session)
    assert tally_rows(session) == maintained
    return got


# --- factory rows and the services ---------------------------------------------------------


def test_totals_count_tonnes_of_live_material_offers(session):
    org = OrganisationFactory()
    site = SiteFactory(organisation=org)
    ListingFactory(site=site, quantity=Decimal("30"), remaining_quantity=Decimal("10"))
    ListingFactory(site=site, quantity=Decimal("500"), unit="kg")
    ListingFactory(site=site, quantity=Decimal("20"), unit="m3", density_t_per_m3=Decimal("0.5"))
    ListingFactory(site=site, quantity=Decimal("20"), unit="m3")  # no density: no mass
    ListingFactory(quantity=Decimal("7"), unit="pieces")
    ListingFactory(direction="want", quantity=Decimal("1000"))
    ListingFactory(kind="energy", category="surplus_heat", unit="MWh", quantity=Decimal(900))
    ListingFactory(status="draft", quantity=Decimal("1000"))
    ListingFactory(available_until=YESTERDAY, quantity=Decimal("1000"))  # the expire job is late
    ListingFactory(remaining_quantity=None)
    totals = check(session)
    assert totals == RegionTotals(firms=5, offers=7, wants=1, tonnes_offered=20.5)


def test_a_firm_whose_listings_all_ended_is_not_counted(session):
    site = SiteFactory()
    ListingFactory(site=site, available_until=YESTERDAY)
    ListingFactory(site=site, direction="want", available_until=YESTERDAY)
    other = ListingFactory(available_until=TODAY)
    assert check(session) == RegionTotals(firms=1, offers=1, wants=0, tonnes_offered=100)
    ListingFactory(site=site)
    assert check(session).firms == 2
    assert check(session, today=TODAY + timedelta(days=1)).firms == 1  # `other` ends today
    assert other.status == "published"


def test_empty_market(session):
    assert check(session) == RegionTotals(firms=0, offers=0, wants=0, tonnes_offered=0.0)


@pytest.fixture
def owner(session):  # type: ignore[no-untyped-def]
    user = UserFactory()
    SiteFactory(organisation=user.organisation)
    return user


def material(user, **changes) -> ListingInput:  # type: ignore[no-untyped-def]
    data = ListingInput(
        direction="offer", kind="material", site_id=user.organisation.sites[0].id,
        title="Granbark från sågverket", category="bark", quantity=Decimal("100"), unit="t",
        description="Fresh spruce bark from the debarking line, stored outdoors.",
    )  # fmt: skip
    return replace(data, **changes)


def test_the_listing_life_cycle(session, owner):
    ListingFactory()  # someone else's
    listing = create_listing(session, actor=owner, data=material(owner))
    assert check(session).offers == 1  # a draft does not count
    publish_listing(session, actor=owner, listing_id=listing.id, today=TODAY)
    assert check(session).tonnes_offered == 200
    edits = [
        {"quantity": Decimal("40"), "remaining_quantity": Decimal("12.345")},
        {"quantity": Decimal("900"), "unit": "kg", "remaining_quantity": Decimal("500")},
        {"quantity": Decimal("40"), "unit": "m3", "density_t_per_m3": Decimal("0.6")},
        {"quantity": Decimal("40"), "unit": "m3", "density_t_per_m3": Decimal("0.75")},
        {"quantity": Decimal("40"), "unit": "pieces"},
        {"direction": "want"},
        {"available_until": TODAY + timedelta(days=3)},
    ]
    for change in edits:
        update_listing(session, actor=owner, listing_id=listing.id, data=material(owner, **change))
        check(session)
    check(session, today=TODAY + timedelta(days=4))  # ended, not yet expired by the job
    assert expire_listings(session, today=TODAY + timedelta(days=4)) == 1
    assert check(session, today=TODAY + timedelta(days=4)).firms == 1
    update_listing(session, actor=owner, listing_id=listing.id, data=material(owner))
    publish_listing(session, actor=owner, listing_id=listing.id, today=TODAY)
    assert check(session).firms == 2
    close_listing(session, actor=owner, listing_id=listing.id)
    assert check(session).firms == 1
    draft = create_listing(session, actor=owner, data=material(owner))
    check(session)
    delete_draft(session, actor=owner, listing_id=draft.id)
    assert check(session).firms == 1


def test_staff_unpublishing(session):
    staff = UserFactory(organisation=None, org_role=None, is_staff=True)
    listing = ListingFactory()
    assert check(session).firms == 1
    unpublish(session, actor=staff, listing_id=listing.id, reason="Not a waste stream.")
    assert check(session).firms == 0


def test_closing_the_firm_with_the_account(session, owner):
    listing = create_listing(session, actor=owner, data=material(owner))
    publish_listing(session, actor=owner, listing_id=listing.id, today=TODAY)
    ListingFactory()
    assert check(session).firms == 2
    delete_account(session, owner, password=TEST_PASSWORD, close_firm_too=True)
    assert check(session) == RegionTotals(firms=1, offers=1, wants=0, tonnes_offered=100)


def test_deleting_a_firm_deletes_its_tally(session):
    listing = ListingFactory()
    ListingFactory()
    check(session)
    firm = listing.organisation_id
    session.delete(listing)
    session.flush()
    session.execute(delete(Site).where(Site.organisation_id == firm))
    session.execute(delete(Organisation).where(Organisation.id == firm))
    assert session.scalar(select(FirmTally).where(FirmTally.organisation_id == firm)) is None
    assert check(session).firms == 1


def test_a_listing_moved_to_another_firm_and_unloaded_attributes(session):
    listing, other = ListingFactory(), ListingFactory()
    check(session)
    listing.organisation_id = other.organisation_id
    assert check(session) == RegionTotals(firms=1, offers=2, wants=0, tonnes_offered=200)
    session.expire(listing)  # the old firm is not loaded: the row says
    listing.organisation_id = SiteFactory().organisation_id
    assert check(session).firms == 2
    session.expire(other)
    other.status = "closed"
    assert check(session).offers == 1
    session.expire(listing)
    session.delete(listing)
    assert check(session).firms == 0


# --- deals take stock with UPDATE statements the ORM does not see --------------------------


def test_reserving_and_giving_back_stock_through_deals(session):
    seller, buyer = UserFactory(), UserFactory()
    offer = ListingFactory(site=SiteFactory(organisation=seller.organisation))
    want = ListingFactory(site=SiteFactory(organisation=buyer.organisation), direction="want")
    load_defaults(session)
    conversation, _ = conversations.start_inquiry(
        session,
        actor=buyer,
        listing_id=offer.id,
        today=TODAY,
        data=InquiryInput(message="Hej!", counterpart_id=want.id),
    )

    def agreed(quantity: str):  # type: ignore[no-untyped-def]
        terms = Terms(quantity=Decimal(quantity), price_sek=Decimal("200"))
        deal = negotiation.propose_deal(
            session, actor=buyer, conversation_id=conversation.id, terms=terms
        )
        return negotiation.accept_deal(session, actor=seller, deal_id=deal.id, version=deal.version)

    first = agreed("30")
    assert check(session).tonnes_offered == 70
    negotiation.cancel_deal(session, actor=buyer, deal_id=first.id)
    assert check(session).tonnes_offered == 100
    agreed("100")  # runs out: reserved, and the want is covered
    assert check(session) == RegionTotals(firms=0, offers=0, wants=0, tonnes_offered=0.0)
    assert (offer.status, want.status) == ("reserved", "reserved")


# --- random sequences ----------------------------------------------------------------------

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "new",
                "publish",
                "close",
                "draft",
                "quantity",
                "unit",
                "end",
                "move",
                "delete",
                "expire",
                "flush",
            ]
        ),
        st.integers(0, 7),
        st.sampled_from(["t", "kg", "m3", "pieces"]),
        st.decimals(Decimal("0.001"), Decimal("5000"), places=3),
        st.sampled_from([None, Decimal("0"), Decimal("0.420"), Decimal("1.5")]),
    ),
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_random_sequences_of_changes(session, operations):
    savepoint = session.begin_nested()
    try:
        sites = [SiteFactory() for _ in range(3)]
        listings = [ListingFactory(site=sites[0])]
        for op, pick, unit, amount, density in operations:
            listing = listings[pick % len(listings)] if listings else None
            if op == "new" or listing is None:
                direction = "want" if pick % 3 == 0 else "offer"
                listings.append(ListingFactory(site=sites[pick % 3], direction=direction))
            elif op in ("publish", "close", "draft"):
                listing.status = {"publish": "published", "close": "closed"}.get(op, op)
            elif op == "quantity":
                listing.remaining_quantity = amount if pick % 4 else None
            elif op == "unit":
                listing.unit, listing.density_t_per_m3 = unit, density
            elif op == "end":
                listing.available_until = TODAY + timedelta(days=pick - 4)
            elif op == "move":
                listing.organisation_id = sites[pick % 3].organisation_id
            elif op == "delete":
                session.delete(listing)
                listings.remove(listing)
            elif op == "expire":
                expire_listings(session, today=TODAY)
            else:
                session.flush()
        check(session)
        check(session, today=TODAY + timedelta(days=2))
    finally:
        savepoint.rollback()


# --- two transactions on one firm (PostgreSQL, READ COMMITTED) -------------------------------


@pytest.mark.parametrize("moment", ["written", "locked"])
def test_concurrent_changes_to_one_firm_are_not_lost(engine, moment):
    """B changes a listing while A, on another listing of the firm, has recomputed (`written`)
    or has only locked the tally row, the moment before it reads the listings (`locked`): B must
    wait and recount after A's commit, else one of the two changes is lost."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers")
    with Session(engine) as setup, factories.bound_to(setup):
        site = SiteFactory()
        first, second = ListingFactory(site=site), ListingFactory(site=site)
        setup.commit()
        firm, ids = site.organisation_id, (first.id, second.id)
    try:
        with Session(engine) as a, Session(engine) as b:
            if moment == "locked":
                lock = select(FirmTally).where(FirmTally.organisation_id == firm)
                a.execute(lock.with_for_update())
            else:
                a.get(Listing, ids[0]).status = "closed"
                a.flush()
            b.get(Listing, ids[1]).remaining_quantity = Decimal("40")
            done = threading.Event()

            def write_b() -> None:
                b.commit()  # waits for A's lock, then recounts what A committed
                done.set()

            worker = threading.Thread(target=write_b)
            worker.start()
            time.sleep(0.5)
            assert not done.is_set(), "the second writer did not wait for the first"
            if moment == "locked":
                a.get(Listing, ids[0]).status = "closed"
                a.flush()
            a.commit()
            worker.join(10)
            assert done.is_set()
        with Session(engine) as check_session:
            tally = check_session.get(FirmTally, firm)
            assert tally is not None
            assert (tally.offers, tally.wants, tally.tonnes_offered) == (1, 0, 40)
    finally:
        with engine.begin() as cleanup:  # the firm's tally goes with it (ON DELETE CASCADE)
            cleanup.execute(text("DELETE FROM listings WHERE organisation_id = :f"), {"f": firm})
            cleanup.execute(text("DELETE FROM sites WHERE organisation_id = :f"), {"f": firm})
            cleanup.execute(text("DELETE FROM organisations WHERE id = :f"), {"f": firm})
