"""Inquiries, conversations and deals in the service layer: the lifecycle, the quantities it
takes from listings, realised impact per delivery, anonymity and who may see what."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace.services.deals import conversations, deal_terms, deliveries, negotiation, stock
from marketplace.services.deals.conversations import InquiryInput
from marketplace.services.deals.deal_terms import Terms
from marketplace.services.errors import DomainError, Forbidden, NotFound
from marketplace.services.impact.estimator import ImpactInputs, estimate
from marketplace.services.impact.factors import factors_by_key, load_defaults
from models.base import swedish_today
from models.deals import DealEvent
from tests.factories import ListingFactory, SiteFactory, UserFactory

TODAY = swedish_today()


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    seller = UserFactory(email="seller@saw.example")
    buyer = UserFactory(email="buyer@pellets.example")
    third = UserFactory(email="someone@else.example")
    colleague = UserFactory(organisation=buyer.organisation, org_role="member")
    staff = UserFactory(organisation=None, org_role=None, is_staff=True)
    saw_site = SiteFactory(organisation=seller.organisation, lat=61.383, lon=15.814)
    pellet_site = SiteFactory(organisation=buyer.organisation, lat=60.477, lon=15.447)
    SiteFactory(organisation=third.organisation)
    offer = ListingFactory(
        site=saw_site, quantity=Decimal("8000"), recurrence="year", price_model="price",
        price_sek=Decimal("210"),
    )  # fmt: skip
    want = ListingFactory(site=pellet_site, direction="want", quantity=Decimal("20000"))
    factor_set = load_defaults(session)
    return {
        "seller": seller, "buyer": buyer, "third": third, "colleague": colleague,
        "staff": staff, "offer": offer, "want": want, "factor_set": factor_set,
        "pellet_site": pellet_site, "saw_site": saw_site,
    }  # fmt: skip


def inquire(session, w, text="Hej! Vi tar gärna spån.", **kw):  # type: ignore[no-untyped-def]
    conversation, _ = conversations.start_inquiry(
        session,
        actor=w["buyer"],
        listing_id=w["offer"].id,
        data=InquiryInput(message=text, **kw),
        today=TODAY,
    )
    return conversation


def test_inquiry_opens_one_conversation_per_firm_and_listing(session, world):
    first = inquire(session, world, wanted_quantity=Decimal("500"))
    again = inquire(session, world, "Ett tillägg.")
    assert again.id == first.id
    assert [m.body for m in first.messages] == ["Hej! Vi tar gärna spån.", "Ett tillägg."]
    assert first.wanted_quantity == Decimal("500")
    assert first.listing_org_id == world["seller"].organisation_id
    assert first.inquirer_org_id == world["buyer"].organisation_id


@pytest.mark.parametrize(
    ("who", "error"), [("seller", DomainError), ("staff", Forbidden)], ids=["own", "no-firm"]
)
def test_inquiry_refused_on_own_listing_and_without_firm(session, world, who, error):
    with pytest.raises(error):
        conversations.start_inquiry(
            session, actor=world[who], listing_id=world["offer"].id,
            data=InquiryInput(message="Hej"), today=TODAY,
        )  # fmt: skip


def test_inquiry_needs_a_message_and_a_live_listing(session, world):
    with pytest.raises(DomainError) as caught:
        inquire(session, world, "   ")
    assert caught.value.field == "message"
    world["offer"].status = "closed"
    with pytest.raises(DomainError):
        inquire(session, world)
    world["offer"].status = "draft"
    with pytest.raises(NotFound):
        inquire(session, world)


def test_only_the_two_firms_and_staff_see_a_conversation(session, world):
    conversation = inquire(session, world)
    for who in ("seller", "buyer", "colleague", "staff"):
        assert (
            conversations.get_conversation(
                session, actor=world[who], conversation_id=conversation.id
            )
            is conversation
        )
    with pytest.raises(NotFound):
        conversations.get_conversation(
            session, actor=world["third"], conversation_id=conversation.id
        )
    with pytest.raises(NotFound):  # same answer as for an id that does not exist
        conversations.get_conversation(session, actor=world["third"], conversation_id=10**9)
    assert conversations.inbox(session, actor=world["third"]) == []
    assert len(conversations.inbox(session, actor=world["staff"], everyone=True)) >= 1


def test_staff_messages_are_flagged(session, world):
    conversation = inquire(session, world)
    message = conversations.post_message(
        session, actor=world["staff"], conversation_id=conversation.id, body="Jag kan hjälpa till."
    )
    assert message.as_staff and message.author_org_id is None
    assert not conversation.messages[0].as_staff


def test_unread_until_read_and_never_for_the_author(session, world):
    conversation = inquire(session, world)
    assert conversations.unread_count(session, world["buyer"]) == 0
    assert conversations.unread_count(session, world["seller"]) == 1
    conversations.mark_read(session, actor=world["seller"], conversation_id=conversation.id)
    assert conversations.unread_count(session, world["seller"]) == 0
    conversations.post_message(
        session, actor=world["seller"], conversation_id=conversation.id, body="Välkommen!"
    )
    assert conversations.unread_count(session, world["buyer"]) == 1
    assert conversations.unread_count(session, world["colleague"]) == 1
    assert conversations.unread_count(session, world["seller"]) == 0


def test_closed_conversation_takes_no_messages(session, world):
    conversation = inquire(session, world)
    with pytest.raises(Forbidden):
        conversations.close_conversation(
            session, actor=world["staff"], conversation_id=conversation.id
        )
    conversations.close_conversation(
        session, actor=world["seller"], conversation_id=conversation.id
    )
    with pytest.raises(DomainError):
        conversations.post_message(
            session, actor=world["buyer"], conversation_id=conversation.id, body="Hallå?"
        )
    conversations.reopen_conversation(
        session, actor=world["buyer"], conversation_id=conversation.id
    )
    assert conversation.is_open


def test_anonymous_listing_revealed_only_after_acceptance(session, world):
    world["offer"].visibility = "anonymous"
    conversation = inquire(session, world)
    assert not conversations.identity_revealed(conversation)
    assert not conversations.revealed_to(session, world["offer"], world["buyer"])
    with pytest.raises(Forbidden):  # the inquirer cannot accept its own inquiry
        conversations.accept_inquiry(session, actor=world["buyer"], conversation_id=conversation.id)
    conversations.accept_inquiry(session, actor=world["seller"], conversation_id=conversation.id)
    assert conversations.identity_revealed(conversation)
    assert conversations.revealed_to(session, world["offer"], world["buyer"])
    assert not conversations.revealed_to(session, world["offer"], world["third"])


def test_proposing_a_deal_accepts_the_inquiry(session, world):
    world["offer"].visibility = "anonymous"
    conversation = inquire(session, world)
    negotiation.propose_deal(
        session, actor=world["seller"], conversation_id=conversation.id,
        terms=Terms(quantity=Decimal("100"), price_sek=Decimal("200")),
    )  # fmt: skip
    assert conversations.identity_revealed(conversation)


def terms(quantity: str, **kw) -> Terms:  # type: ignore[no-untyped-def]
    return Terms(quantity=Decimal(quantity), price_sek=Decimal("200"), **kw)


def agreed_deal(session, w, quantity="400"):  # type: ignore[no-untyped-def]
    conversation = inquire(session, w)
    deal = negotiation.propose_deal(
        session, actor=w["buyer"], conversation_id=conversation.id, terms=terms(quantity)
    )
    return negotiation.accept_deal(
        session, actor=w["seller"], deal_id=deal.id, version=deal.version
    )


def test_propose_counter_agree_takes_the_quantity_from_the_offer(session, world):
    conversation = inquire(session, world)
    deal = negotiation.propose_deal(
        session, actor=world["buyer"], conversation_id=conversation.id, terms=terms("500")
    )
    assert deal.status == "proposed" and deal.supplier_org_id == world["seller"].organisation_id
    assert deal.receiver_site_id == world["pellet_site"].id
    with pytest.raises(DomainError):  # nobody accepts their own proposal
        negotiation.accept_deal(session, actor=world["buyer"], deal_id=deal.id, version=1)
    negotiation.counter_deal(
        session, actor=world["seller"], deal_id=deal.id, version=1, terms=terms("400")
    )
    assert (deal.version, deal.quantity) == (2, Decimal("400"))
    with pytest.raises(DomainError):  # accepting the old terms is refused
        negotiation.accept_deal(session, actor=world["buyer"], deal_id=deal.id, version=1)
    negotiation.accept_deal(session, actor=world["buyer"], deal_id=deal.id, version=2)
    assert deal.status == "agreed"
    assert world["offer"].remaining_quantity == Decimal("7600")
    assert world["offer"].status == "published"
    actions = [(e.action, e.actor_id) for e in session.query(DealEvent).filter_by(deal_id=deal.id)]
    assert actions == [
        ("proposed", world["buyer"].id),
        ("countered", world["seller"].id),
        ("agreed", world["buyer"].id),
    ]


def test_third_firm_cannot_reach_or_act_on_a_deal(session, world):
    deal = agreed_deal(session, world)
    with pytest.raises(NotFound):
        negotiation.get_deal(session, actor=world["third"], deal_id=deal.id)
    with pytest.raises(NotFound):
        deliveries.log_delivery(
            session, actor=world["third"], deal_id=deal.id, quantity=Decimal(1),
            delivered_on=TODAY, today=TODAY,
        )  # fmt: skip
    assert negotiation.get_deal(session, actor=world["staff"], deal_id=deal.id) is deal
    with pytest.raises(Forbidden):  # staff observe; the firms negotiate
        negotiation.cancel_deal(session, actor=world["staff"], deal_id=deal.id)
    assert negotiation.deals_for(session, actor=world["third"]) == []


def test_running_out_reserves_the_offer_and_cancelling_gives_it_back(session, world):
    world["offer"].remaining_quantity = Decimal("300")
    deal = agreed_deal(session, world, "300")
    assert (world["offer"].remaining_quantity, world["offer"].status) == (0, "reserved")
    negotiation.cancel_deal(
        session, actor=world["buyer"], deal_id=deal.id, reason="Pressen gick sönder"
    )
    assert (world["offer"].remaining_quantity, world["offer"].status) == (300, "published")


def test_agreeing_more_than_remains_is_refused(session, world):
    world["offer"].remaining_quantity = Decimal("100")
    conversation = inquire(session, world)
    deal = negotiation.propose_deal(
        session, actor=world["buyer"], conversation_id=conversation.id, terms=terms("150")
    )
    with pytest.raises(DomainError, match="100"):
        negotiation.accept_deal(session, actor=world["seller"], deal_id=deal.id, version=1)


def test_deliveries_carry_realised_impact_and_complete_the_deal(session, world):
    deal = agreed_deal(session, world)
    deal.agreed_at = deal.agreed_at - timedelta(days=30)
    first = deliveries.log_delivery(
        session, actor=world["buyer"], deal_id=deal.id, quantity=Decimal("200"),
        delivered_on=TODAY - timedelta(days=7), today=TODAY,
    )  # fmt: skip
    assert deal.status == "delivering" and first.status == "pending"
    second = deliveries.log_delivery(
        session, actor=world["seller"], deal_id=deal.id, quantity=Decimal("200"),
        delivered_on=TODAY, today=TODAY,
    )  # fmt: skip
    assert deal.status == "delivering"  # all logged, nothing confirmed yet
    assert deliveries.realised_totals(session, world["seller"].organisation_id).deliveries == 0
    deliveries.confirm_delivery(
        session, actor=world["seller"], deal_id=deal.id, delivery_id=first.id
    )
    assert deal.status == "delivering"
    deliveries.confirm_delivery(
        session, actor=world["buyer"], deal_id=deal.id, delivery_id=second.id
    )
    assert deal.status == "completed"  # a one-off deal completes when all is confirmed
    assert world["offer"].remaining_quantity == Decimal("7600")  # nothing given back
    # The realised figure is the estimate of exactly this delivery, recomputed independently.
    expected = estimate(
        ImpactInputs(
            impact_key="wood", category="sawdust", quantity=200.0,
            distance_km=deal.distance_km, baseline_route=deal.baseline_route,
        ),
        factors_by_key(world["factor_set"]),
    )  # fmt: skip
    assert deal.distance_km == pytest.approx(103, abs=3)  # Edsbyn sawmill to Borlänge
    assert first.co2e_kg == pytest.approx(expected.co2e_kg)
    assert first.sek == pytest.approx(expected.sek)
    impact = deliveries.impact_of(first)
    assert impact["factor_set"] == world["factor_set"].version
    assert impact["co2e_kg"] == pytest.approx(expected.co2e_kg)
    for org in (world["seller"].organisation_id, world["buyer"].organisation_id):
        totals = deliveries.realised_totals(session, org)
        assert totals.deliveries == 2 and totals.tonnes == 400
        assert totals.co2e_kg == pytest.approx(2 * expected.co2e_kg)
    assert deliveries.realised_totals(session, world["third"].organisation_id).deliveries == 0


def test_delivery_rules(session, world):
    deal = agreed_deal(session, world, "100")
    for quantity, day, field in (
        (Decimal("0"), TODAY, "quantity"),
        (Decimal("10"), TODAY + timedelta(days=1), "delivered_on"),
        (Decimal("111"), TODAY, "quantity"),  # more than the agreed 100 t + 10 %
    ):
        with pytest.raises(DomainError) as caught:
            deliveries.log_delivery(
                session, actor=world["buyer"], deal_id=deal.id, quantity=quantity,
                delivered_on=day, today=TODAY,
            )  # fmt: skip
        assert caught.value.field == field


def test_completing_early_gives_back_the_undelivered_part(session, world):
    deal = agreed_deal(session, world, "400")
    deliveries.log_delivery(
        session, actor=world["buyer"], deal_id=deal.id, quantity=Decimal("100"),
        delivered_on=TODAY, today=TODAY,
    )  # fmt: skip
    negotiation.complete_deal(session, actor=world["seller"], deal_id=deal.id)
    assert world["offer"].remaining_quantity == Decimal("7900")


def test_recurring_deal_totals_and_what_it_takes_from_a_yearly_stream(session, world):
    conversation = inquire(session, world)
    monthly = terms(
        "100", recurrence="month", start_date=date(2027, 1, 1), end_date=date(2027, 12, 31)
    )
    assert deal_terms.total_of(monthly) == Decimal("1200")
    deal = negotiation.propose_deal(
        session, actor=world["buyer"], conversation_id=conversation.id, terms=monthly
    )
    assert stock.amount_for(deal, world["offer"]) == Decimal("1200")  # per year
    negotiation.accept_deal(session, actor=world["seller"], deal_id=deal.id, version=1)
    assert world["offer"].remaining_quantity == Decimal("6800")
    with pytest.raises(DomainError) as caught:
        negotiation.propose_deal(
            session, actor=world["buyer"], conversation_id=conversation.id,
            terms=terms("100", recurrence="week"),
        )  # fmt: skip
    assert caught.value.field == "end_date"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"substitution_ratio": 1.5}, "substitution_ratio"),
        ({"price_sek": None}, "price_sek"),
        ({"transport_mode": "boat"}, "transport_mode"),
        ({"baseline_distance_km": -1.0}, "baseline_distance_km"),
    ],
)
def test_bad_terms_name_their_field(session, world, change, field):
    conversation = inquire(session, world)
    with pytest.raises(DomainError) as caught:
        negotiation.propose_deal(
            session, actor=world["buyer"], conversation_id=conversation.id,
            terms=Terms(**{"quantity": Decimal(10), "price_sek": Decimal(1), **change}),
        )  # fmt: skip
    assert caught.value.field == field


def test_a_want_inquiry_makes_the_inquirer_the_supplier(session, world):
    conversation, _ = conversations.start_inquiry(
        session, actor=world["seller"], listing_id=world["want"].id,
        data=InquiryInput(message="Vi har spån.", counterpart_id=world["offer"].id), today=TODAY,
    )  # fmt: skip
    deal = negotiation.propose_deal(
        session, actor=world["seller"], conversation_id=conversation.id, terms=terms("1000")
    )
    assert deal.supplier_org_id == world["seller"].organisation_id
    assert (deal.offer_id, deal.want_id) == (world["offer"].id, world["want"].id)
    negotiation.accept_deal(session, actor=world["buyer"], deal_id=deal.id, version=1)
    assert world["offer"].remaining_quantity == Decimal("7000")
    assert world["want"].remaining_quantity == Decimal("19000")
