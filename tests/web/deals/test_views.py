"""Inquiries, conversations and deals as users see them: pages, emails, the JSON API, who may
see what, and an anonymous listing's firm kept hidden until the seller accepts."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.services.impact.factors import load_defaults
from models import Conversation, Deal, Listing
from models.base import swedish_today
from tests.conftest import text_of, without_tokens
from tests.factories import ListingFactory, SiteFactory, UserFactory

TODAY = swedish_today().isoformat()


@pytest.fixture
def market(session):  # type: ignore[no-untyped-def]
    seller = UserFactory(email="seller@saw.example", name="Anna Säljare")
    seller.organisation.name = "Sågverket AB"
    buyer = UserFactory(email="buyer@pellets.example", name="Erik Köpare")
    buyer.organisation.name = "Pelletsfabriken AB"
    outsider = UserFactory(email="outsider@else.example")
    SiteFactory(organisation=buyer.organisation, name="Pellet plant", lat=60.477, lon=15.447)
    SiteFactory(organisation=outsider.organisation)
    offer = ListingFactory(
        site=SiteFactory(
            organisation=seller.organisation, name="Sågverket i Edsbyn", lat=61.383, lon=15.814,
            municipality_code="2121",
        ),
        title="Sågspån av gran",
        quantity=Decimal("8000"),
        recurrence="year",
    )  # fmt: skip
    load_defaults(session)
    return {"seller": seller, "buyer": buyer, "outsider": outsider, "offer": offer}


def as_user(make_client, user):  # type: ignore[no-untyped-def]
    client = make_client()
    client.login(user.email)
    return client


def terms(quantity: str, **extra: str) -> dict[str, str]:
    return {
        "quantity": quantity, "recurrence": "once", "price_model": "price", "price_sek": "200",
        "transport_by": "supplier", "transport_mode": "truck", "baseline_route": "incineration",
        "substitution_ratio": "1", **extra,
    }  # fmt: skip


def test_inquiry_to_completed_deal_through_the_pages(make_client, session, mailbox, market):
    buyer = as_user(make_client, market["buyer"])
    seller = as_user(make_client, market["seller"])
    offer_id = market["offer"].id
    assert "Send an inquiry" in text_of(buyer.get(f"/listings/{offer_id}"))

    response = buyer.post(
        f"/listings/{offer_id}/inquire",
        {"message": "Hej! Vi vill köpa 500 ton.", "wanted_quantity": "500"},
    )
    assert response.status_code == 303, text_of(response)[:2000]
    conversation = session.scalars(select(Conversation)).one()
    assert response.headers["Location"] == f"/messages/{conversation.id}"
    [inquiry] = mailbox.messages("seller@saw.example")
    assert "Sågspån av gran" in inquiry["subject"]
    assert "Erik Köpare, Pelletsfabriken AB" in inquiry["text"]
    assert "Hej! Vi vill köpa 500 ton." in inquiry["text"]
    assert f"http://localhost/messages/{conversation.id}" in inquiry["text"]

    # The seller sees it as unread, reads it, answers.
    assert re.search(r'nav-count">1<', text_of(seller.get("/messages")))
    assert seller.post(f"/messages/{conversation.id}/read").status_code == 303
    assert "nav-count" not in text_of(seller.get("/messages"))
    seller.post(f"/messages/{conversation.id}", {"body": "Välkommen! Vi har spån."})
    assert "Välkommen! Vi har spån." in mailbox.messages("buyer@pellets.example")[0]["text"]

    # 500 t proposed, countered to 400 t, agreed.
    response = buyer.post(f"/messages/{conversation.id}/deal", terms("500"))
    assert response.status_code == 303, text_of(response)[:3000]
    deal = session.scalars(select(Deal)).one()
    assert "500" in mailbox.messages("seller@saw.example")[0]["text"]
    response = seller.post(f"/deals/{deal.id}/counter", terms("400", version="1"))
    assert response.status_code == 303, text_of(response)[:3000]
    page = text_of(buyer.get(f"/deals/{deal.id}"))
    assert "Accept the terms" in page and "400" in page
    assert buyer.post(f"/deals/{deal.id}/accept", {"version": "2"}).status_code == 303
    session.refresh(market["offer"])
    assert market["offer"].remaining_quantity == Decimal("7600")
    assert "agreed to the deal" in mailbox.messages("seller@saw.example")[0]["text"]

    for _ in range(2):
        response = buyer.post(
            f"/deals/{deal.id}/deliveries", {"quantity": "200", "delivered_on": TODAY}
        )
        assert response.status_code == 303, text_of(response)[:3000]
    session.refresh(deal)
    assert deal.status == "delivering"  # logged by the buyer, not yet confirmed by the seller
    subjects = [m["subject"] for m in mailbox.messages("seller@saw.example")]
    assert sum("Delivery to confirm" in s for s in subjects) == 2
    co2e = sum(d.co2e_kg for d in deal.deliveries)
    assert co2e > 0
    shown = f"{co2e / 1000:.1f}"
    assert shown not in text_of(buyer.get("/firm"))  # pending: no realised figure yet
    page = text_of(seller.get(f"/deals/{deal.id}"))
    assert page.count("Confirm the delivery") == 2
    assert "Confirm the delivery" not in text_of(buyer.get(f"/deals/{deal.id}"))
    mailbox.clear()
    for delivery in deal.deliveries:
        url = f"/deals/{deal.id}/deliveries/{delivery.id}/confirm"
        assert seller.post(url).status_code == 303
    session.refresh(deal)
    assert deal.status == "completed"
    subjects = [m["subject"] for m in mailbox.messages("buyer@pellets.example")]
    assert sum("Delivery confirmed" in s for s in subjects) == 2
    assert any("Deal completed" in s for s in subjects)

    # Both firms see the realised figures, apart from the potential ones.
    for client in (buyer, seller):
        overview = text_of(client.get("/firm"))
        assert "Realised exchanges" in overview and shown in overview
        assert shown in text_of(client.get("/deals"))
        assert "Version 1" in text_of(client.get(f"/deals/{deal.id}"))


def test_outsider_gets_404_for_html_and_json_alike(make_client, session, market):
    buyer = as_user(make_client, market["buyer"])
    buyer.post(f"/listings/{market['offer'].id}/inquire", {"message": "Hej"})
    conversation = session.scalars(select(Conversation)).one()
    buyer.post(f"/messages/{conversation.id}/deal", terms("10"))
    deal = session.scalars(select(Deal)).one()
    outsider = as_user(make_client, market["outsider"])
    missing = 10**9
    for real, unknown in (
        (f"/messages/{conversation.id}", f"/messages/{missing}"),
        (f"/deals/{deal.id}", f"/deals/{missing}"),
        (f"/api/v1/deals/{deal.id}", f"/api/v1/deals/{missing}"),
    ):
        a, b = outsider.get(real), outsider.get(unknown)
        assert a.status_code == b.status_code == 404
        # An existing id looks exactly like a missing one (apart from the URL itself).
        assert without_tokens(text_of(a)).replace(real, "URL") == without_tokens(
            text_of(b)
        ).replace(unknown, "URL")
    assert outsider.get("/api/v1/deals").get_json() == {"deals": [], "total": 0}
    assert "Sågspån av gran" not in text_of(outsider.get("/messages"))
    assert outsider.post(f"/messages/{conversation.id}", {"body": "Hej?"}).status_code == 404
    assert make_client().get("/api/v1/deals").status_code == 401


def test_api_deal_carries_the_impact_of_each_delivery(make_client, session, market):
    buyer = as_user(make_client, market["buyer"])
    seller = as_user(make_client, market["seller"])
    buyer.post(f"/listings/{market['offer'].id}/inquire", {"message": "Hej"})
    conversation = session.scalars(select(Conversation)).one()
    seller.post(f"/messages/{conversation.id}/deal", terms("300"))
    deal = session.scalars(select(Deal)).one()
    buyer.post(f"/deals/{deal.id}/accept", {"version": "1"})
    seller.post(f"/deals/{deal.id}/deliveries", {"quantity": "120", "delivered_on": TODAY})
    body = buyer.get(f"/api/v1/deals/{deal.id}").get_json()
    assert body["status"] == "delivering"
    assert body["parties"]["supplier"]["name"] == "Sågverket AB"
    assert body["agreed"]["total_quantity"] == 300
    [delivery] = body["deliveries"]
    assert delivery["quantity"] == 120
    matches_impact = buyer.get(f"/api/v1/listings/{market['offer'].id}/matches").get_json()
    impact_keys = set(delivery["impact"])
    for feature in matches_impact["features"]:  # the same shape as the matches API's impact
        assert set(feature["properties"]["impact"]) == impact_keys
    assert {"co2e_kg", "sek", "factor_set", "terms"} <= impact_keys
    assert delivery["impact"]["co2e_kg"] == pytest.approx(deal.deliveries[0].co2e_kg)
    listed = seller.get("/api/v1/deals").get_json()
    assert [d["id"] for d in listed["deals"]] == [deal.id]


def test_anonymous_listing_hidden_until_the_seller_accepts(make_client, session, mailbox, market):
    offer: Listing = market["offer"]
    offer.visibility = "anonymous"
    session.flush()
    buyer = as_user(make_client, market["buyer"])
    seller = as_user(make_client, market["seller"])
    hidden = ("Sågverket AB", "Sågverket i Edsbyn", "Anna Säljare")

    def visible_to_buyer(conversation_id: int) -> str:
        return "".join(
            text_of(buyer.get(url))
            for url in (f"/listings/{offer.id}", f"/messages/{conversation_id}", "/messages")
        )

    buyer.post(f"/listings/{offer.id}/inquire", {"message": "Hej, vem är ni?"})
    conversation = session.scalars(select(Conversation)).one()
    seller_view = text_of(seller.get(f"/messages/{conversation.id}"))
    assert "Pelletsfabriken AB" in seller_view and "Erik Köpare" in seller_view
    seller.post(f"/messages/{conversation.id}", {"body": "Vi har gott om spån."})
    before = visible_to_buyer(conversation.id)
    assert not any(name in before for name in hidden), [n for n in hidden if n in before]
    email = mailbox.messages("buyer@pellets.example")[0]
    assert not any(name in email["text"] + email["html"] for name in hidden)
    assert "The firm behind the listing" in email["text"]

    assert seller.post(f"/messages/{conversation.id}/accept").status_code == 303
    after = visible_to_buyer(conversation.id)
    assert all(name in after for name in hidden), [n for n in hidden if n not in after]
    # Another firm still sees neither the firm nor the site.
    outsider_view = text_of(as_user(make_client, market["outsider"]).get(f"/listings/{offer.id}"))
    assert not any(name in outsider_view for name in hidden)


def test_staff_read_everything_and_post_flagged(make_client, session, mailbox, market):
    staff = UserFactory(organisation=None, org_role=None, is_staff=True, name="Maja Facilitator")
    buyer = as_user(make_client, market["buyer"])
    buyer.post(f"/listings/{market['offer'].id}/inquire", {"message": "Hej"})
    conversation = session.scalars(select(Conversation)).one()
    client = as_user(make_client, staff)
    assert "Sågspån av gran" in text_of(client.get("/messages"))
    client.post(f"/messages/{conversation.id}", {"body": "Jag kan hjälpa till med transporten."})
    page = text_of(buyer.get(f"/messages/{conversation.id}"))
    assert "Maja Facilitator (regional staff)" in page
    for to in ("seller@saw.example", "buyer@pellets.example"):  # staff write to both firms
        assert "Jag kan hjälpa till" in mailbox.messages(to)[0]["text"]
    assert client.get(f"/messages/{conversation.id}/deal").status_code == 403


def test_bad_terms_are_shown_beside_the_field_and_nothing_is_saved(make_client, session, market):
    buyer = as_user(make_client, market["buyer"])
    buyer.post(f"/listings/{market['offer'].id}/inquire", {"message": "Hej"})
    conversation = session.scalars(select(Conversation)).one()
    response = buyer.post(
        f"/messages/{conversation.id}/deal", terms("100", recurrence="month", price_sek="")
    )
    assert response.status_code == 422
    page = text_of(response)
    assert 'id="end_date-error"' in page
    assert "A recurring deal needs a start and an end date." in page
    assert session.scalars(select(Deal)).first() is None


def test_the_last_tonnes_cannot_be_agreed_twice(make_client, session, market):
    market["offer"].remaining_quantity = Decimal("100")
    session.flush()
    seller = as_user(make_client, market["seller"])
    deals = []
    for user in (market["buyer"], market["outsider"]):
        client = as_user(make_client, user)
        client.post(f"/listings/{market['offer'].id}/inquire", {"message": "Hej"})
        conversation = session.scalars(
            select(Conversation).where(Conversation.inquirer_org_id == user.organisation_id)
        ).one()
        client.post(f"/messages/{conversation.id}/deal", terms("80"))
        deals.append(session.scalars(select(Deal).order_by(Deal.id.desc())).first())
    seller.post(f"/deals/{deals[0].id}/accept", {"version": "1"})
    response = seller.post(f"/deals/{deals[1].id}/accept", {"version": "1"}, follow_redirects=True)
    assert "Only 20 t remain of the offer" in text_of(response)
    session.refresh(deals[1])
    assert deals[1].status == "proposed"


def test_a_delivery_counts_only_once_the_other_firm_confirms_it(make_client, session, market):
    buyer = as_user(make_client, market["buyer"])
    seller = as_user(make_client, market["seller"])
    staff_user = UserFactory(organisation=None, org_role=None, is_staff=True)
    staff = as_user(make_client, staff_user)
    buyer.post(f"/listings/{market['offer'].id}/inquire", {"message": "Hej"})
    conversation = session.scalars(select(Conversation)).one()
    seller.post(f"/messages/{conversation.id}/deal", terms("300"))
    deal = session.scalars(select(Deal)).one()
    buyer.post(f"/deals/{deal.id}/accept", {"version": "1"})
    yesterday = (swedish_today() - timedelta(days=1)).isoformat()
    refused = buyer.post(
        f"/deals/{deal.id}/deliveries", {"quantity": "120", "delivered_on": yesterday}
    )
    assert refused.status_code == 422 and "cannot be dated before" in text_of(refused)
    assert (
        buyer.post(
            f"/deals/{deal.id}/deliveries", {"quantity": "120,5", "delivered_on": TODAY}
        ).status_code
        == 303
    )

    def stats() -> dict:  # type: ignore[type-arg]
        return staff.get("/api/v1/stats").get_json()

    before = stats()
    assert before["realised"]["deliveries"] == 0 and before["realised"]["tonnes"] == 0
    assert before["pending"] == {"deliveries": 1, "tonnes": 120.5}
    [delivery] = buyer.get(f"/api/v1/deals/{deal.id}").get_json()["deliveries"]
    assert delivery["status"] == "pending" and delivery["quantity"] == 120.5
    assert "Realised exchanges" in text_of(buyer.get("/firm"))
    assert "Unconfirmed deliveries" in text_of(staff.get("/staff"))
    assert f"/deals/{deal.id}#delivery-" in text_of(staff.get("/staff/deliveries"))
    # The firm that logged it cannot confirm it; the other firm does.
    url = f"/deals/{deal.id}/deliveries/{delivery['id']}/confirm"
    buyer.post(url)
    assert buyer.get(f"/api/v1/deals/{deal.id}").get_json()["deliveries"][0]["status"] == "pending"
    assert seller.post(url).status_code == 303
    after = stats()
    assert after["realised"]["deliveries"] == 1 and after["realised"]["tonnes"] == 120.5
    assert after["pending"] == {"deliveries": 0, "tonnes": 0.0}
    body = seller.get(f"/api/v1/deals/{deal.id}").get_json()
    assert body["deliveries"][0]["status"] == "confirmed" and body["confirmed_quantity"] == 120.5


def test_a_disputed_delivery_is_corrected_through_the_pages(make_client, session, market):
    buyer = as_user(make_client, market["buyer"])
    seller = as_user(make_client, market["seller"])
    buyer.post(f"/listings/{market['offer'].id}/inquire", {"message": "Hej"})
    conversation = session.scalars(select(Conversation)).one()
    seller.post(f"/messages/{conversation.id}/deal", terms("300"))
    deal = session.scalars(select(Deal)).one()
    buyer.post(f"/deals/{deal.id}/accept", {"version": "1"})
    seller.post(f"/deals/{deal.id}/deliveries", {"quantity": "100", "delivered_on": TODAY})
    session.refresh(deal)
    delivery = deal.deliveries[0]
    base = f"/deals/{deal.id}/deliveries/{delivery.id}"
    buyer.post(f"{base}/dispute", {"reason": ""})  # a dispute needs a reason
    session.refresh(delivery)
    assert delivery.status == "pending"
    buyer.post(f"{base}/dispute", {"reason": "Vågsedeln visar 90 ton."})
    session.refresh(delivery)
    assert delivery.status == "disputed"
    page = text_of(seller.get(f"/deals/{deal.id}"))
    assert "Vågsedeln visar 90 ton." in page and "Correct the delivery" in page
    assert seller.post(f"{base}/edit", {"quantity": "90", "delivered_on": TODAY}).status_code == 303
    session.refresh(delivery)
    assert (delivery.status, delivery.quantity) == ("pending", Decimal("90"))
    assert buyer.post(f"{base}/confirm").status_code == 303
    session.refresh(delivery)
    assert delivery.status == "confirmed"
    assert seller.get(f"{base}/edit").status_code == 404  # confirmed deliveries are final


def test_every_error_of_the_deal_terms_shows_at_once(make_client, session, market):
    buyer = as_user(make_client, market["buyer"])
    buyer.post(f"/listings/{market['offer'].id}/inquire", {"message": "Hej"})
    conversation = session.scalars(select(Conversation)).one()
    today = swedish_today()
    bad = terms(
        "abc",  # the form's own check
        price_sek="",  # the rule: a price model "price" needs a price
        recurrence="month",
        start_date=today.isoformat(),
        end_date=(today - timedelta(days=3)).isoformat(),  # the rule: ends before it starts
        substitution_ratio="1,5",  # the form's own check
    )
    response = buyer.post(f"/messages/{conversation.id}/deal", bad)
    page = text_of(response)
    assert response.status_code == 422
    for message in (
        "Enter a price between 0 and 10 000 000 SEK.",
        "The end date must be on or after the start date.",
    ):
        assert message in page, message
    assert page.count('class="error"') >= 4
    assert session.scalars(select(Deal)).all() == []
