"""Muting a conversation and the daily summary of new messages, as users see them: the buttons
and the settings form, which emails are queued (or not) for whom, and the daily job."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import Conversation, OutboxEmail
from models.base import swedish_today, utcnow
from models.conversations import ConversationMute
from tests.conftest import text_of
from tests.factories import ListingFactory, SiteFactory, UserFactory
from workers.context import InlineDispatcher, use
from workers.jobs.mail import send_message_summaries

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def next_seven(after: datetime) -> datetime:
    """The first 07:00 Swedish time after `after` (when a daily summary period starts)."""
    moment = after.astimezone(STOCKHOLM)
    start = datetime.combine(moment.date(), time(7), STOCKHOLM)
    return start if start > moment else start + timedelta(days=1)


def local(day_offset: int, hour: int) -> datetime:
    """A moment in Swedish time, `day_offset` days from today."""
    return datetime.combine(swedish_today() + timedelta(days=day_offset), time(hour), STOCKHOLM)


@pytest.fixture
def market(session):  # type: ignore[no-untyped-def]
    seller = UserFactory(email="seller@saw.example", name="Anna Säljare")
    seller.organisation.name = "Sågverket AB"
    colleague = UserFactory(
        email="colleague@saw.example", name="Bo Kollega", organisation=seller.organisation,
        org_role="member",
    )  # fmt: skip
    buyer = UserFactory(email="buyer@pellets.example", name="Erik Köpare")
    buyer.organisation.name = "Pelletsfabriken AB"
    SiteFactory(organisation=buyer.organisation)
    offer = ListingFactory(
        site=SiteFactory(organisation=seller.organisation),
        title="Sågspån av gran",
        quantity=Decimal("8000"),
    )
    return {"seller": seller, "colleague": colleague, "buyer": buyer, "offer": offer}


def as_user(make_client, user):  # type: ignore[no-untyped-def]
    client = make_client()
    client.login(user.email)
    return client


def inquire(session, buyer_client, offer) -> Conversation:  # type: ignore[no-untyped-def]
    response = buyer_client.post(f"/listings/{offer.id}/inquire", {"message": "Hej! 500 ton?"})
    assert response.status_code == 303, text_of(response)[:2000]
    return session.scalars(select(Conversation)).one()


def emails_to(session, user, prefix: str = "") -> list[OutboxEmail]:  # type: ignore[no-untyped-def]
    stmt = select(OutboxEmail).where(
        OutboxEmail.user_id == user.id, OutboxEmail.key.startswith(prefix)
    )
    return list(session.scalars(stmt.order_by(OutboxEmail.id)))


def run_summaries(app, when: datetime) -> int:  # type: ignore[no-untyped-def]
    """The hourly job as the scheduler would run it at `when` (its delivery on the same clock)."""
    ctx = app.extensions["background"].inline_context()
    ctx.now = lambda: when.astimezone(ZoneInfo("UTC"))  # type: ignore[method-assign]
    ctx.dispatcher = InlineDispatcher(lambda: ctx)
    with use(ctx):
        return send_message_summaries()


def terms() -> dict[str, str]:
    return {
        "quantity": "100", "recurrence": "once", "price_model": "price", "price_sek": "200",
        "transport_by": "supplier", "transport_mode": "truck", "baseline_route": "incineration",
        "substitution_ratio": "1",
    }  # fmt: skip


# --- muting one conversation ------------------------------------------------------------------


def test_a_muted_conversation_emails_the_colleague_but_not_the_muted_member(
    make_client, session, mailbox, market
):
    buyer = as_user(make_client, market["buyer"])
    seller = as_user(make_client, market["seller"])
    conversation = inquire(session, buyer, market["offer"])
    page = text_of(seller.get(f"/messages/{conversation.id}"))
    assert "Mute this conversation" in page

    response = seller.post(f"/messages/{conversation.id}/mute", {"muted": "1"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/messages/{conversation.id}"
    page = text_of(seller.get(f"/messages/{conversation.id}"))
    assert "Muted: you will get no email about this conversation." in page  # the flash
    assert "Email me about this conversation again" in page
    assert "Mute this conversation" not in page
    assert seller.post(f"/messages/{conversation.id}/mute", {"muted": "1"}).status_code == 303
    assert session.scalar(select(func.count()).select_from(ConversationMute)) == 1  # once

    mailbox.clear()
    buyer.post(f"/messages/{conversation.id}", {"body": "Kan ni leverera i januari?"})
    # Only the inquiry, from before the mute.
    assert [e.purpose for e in emails_to(session, market["seller"], "message:")] == ["conv.inquiry"]
    [to_colleague] = [
        e
        for e in emails_to(session, market["colleague"], "message:")
        if e.purpose == "conv.message"
    ]
    assert "Kan ni leverera i januari?" in to_colleague.text
    assert [m["subject"] for m in mailbox.messages("seller@saw.example")] == []
    assert len(mailbox.messages("colleague@saw.example")) == 1

    # Deal changes are not emailed to the muted member either; the colleague still hears.
    assert buyer.post(f"/messages/{conversation.id}/deal", terms()).status_code == 303
    assert emails_to(session, market["seller"], "deal-event:") == []
    assert len(emails_to(session, market["colleague"], "deal-event:")) == 1

    # The inbox and the unread count still show it, marked as muted.
    inbox = text_of(seller.get("/messages"))
    assert re.search(r'nav-count">1<', inbox) and 'tag--muted">Muted<' in inbox

    # Unmuted: the next message reaches the member again.
    assert seller.post(f"/messages/{conversation.id}/mute", {"muted": "0"}).status_code == 303
    assert "Mute this conversation" in text_of(seller.get(f"/messages/{conversation.id}"))
    buyer.post(f"/messages/{conversation.id}", {"body": "Hallå?"})
    assert ["Hallå?" in e.text for e in emails_to(session, market["seller"], "message:")][-1]
    assert 'tag--muted">Muted<' not in text_of(seller.get("/messages"))


def test_a_mute_is_personal_and_only_for_the_two_firms(make_client, session, market):
    buyer = as_user(make_client, market["buyer"])
    conversation = inquire(session, buyer, market["offer"])
    outsider = as_user(make_client, UserFactory(email="outsider@else.example"))
    assert outsider.post(f"/messages/{conversation.id}/mute", {"muted": "1"}).status_code == 404
    assert buyer.post("/messages/999999/mute", {"muted": "1"}).status_code == 404
    staff = as_user(
        make_client, UserFactory(email="staff@region.example", organisation=None, is_staff=True)
    )
    response = staff.post(f"/messages/{conversation.id}/mute", {"muted": "1"})
    assert response.status_code == 303
    assert "Only members of the two firms get emails" in text_of(
        staff.get(f"/messages/{conversation.id}")
    )
    assert session.scalar(select(func.count()).select_from(ConversationMute)) == 0
    assert "Mute this conversation" not in text_of(staff.get(f"/messages/{conversation.id}"))


# --- the daily summary --------------------------------------------------------------------------


def choose(client, value: str):  # type: ignore[no-untyped-def]
    return client.post("/account/message-mail", {"message_mail": value})


def test_the_settings_form_saves_the_choice_and_refuses_anything_else(make_client, session, market):
    seller = as_user(make_client, market["seller"])
    page = text_of(seller.get("/account"))
    assert "Emails about new messages" in page
    assert re.search(r'value="each"[^>]*checked|checked[^>]*value="each"', page)
    response = choose(seller, "daily")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account#message-mail-heading"
    session.refresh(market["seller"])
    assert market["seller"].message_mail == "daily"
    assert market["seller"].messages_summarised_until is not None
    assert re.search(r'value="daily"[^>]*checked|checked[^>]*value="daily"', text_of(
        seller.get("/account")
    ))  # fmt: skip
    for bad in ("weekly", "", "daily\x00"):
        response = choose(seller, bad)
        assert response.status_code == 422
        assert 'id="message_mail-error"' in text_of(response)
    session.refresh(market["seller"])
    assert market["seller"].message_mail == "daily"
    assert (
        seller.post("/account/message-mail", {"message_mail": "each"}, csrf=False).status_code
        == 400
    )


def test_daily_means_no_email_per_message_and_one_summary_a_day(
    app, make_client, session, mailbox, market
):
    seller_user, buyer_user = market["seller"], market["buyer"]
    seller_user.locale = "sv"
    seller = as_user(make_client, seller_user)
    buyer = as_user(make_client, buyer_user)
    assert choose(seller, "daily").status_code == 303
    conversation = inquire(session, buyer, market["offer"])
    buyer.post(f"/messages/{conversation.id}", {"body": "Vi kan hämta själva."})

    # No email per message for the seller; the colleague (each) still gets both.
    assert emails_to(session, seller_user, "message:") == []
    assert len(emails_to(session, market["colleague"], "message:")) == 2
    # A deal proposal needs an answer: it is emailed at once, daily or not.
    assert buyer.post(f"/messages/{conversation.id}/deal", terms()).status_code == 303
    assert len(emails_to(session, seller_user, "deal-event:")) == 1
    # The seller's own firm's message is no news to the seller.
    as_user(make_client, market["colleague"]).post(
        f"/messages/{conversation.id}", {"body": "Jag svarar i morgon."}
    )

    # The first summary is owed from the first 07:00 after the seller chose it, not before.
    session.refresh(seller_user)
    due = next_seven(seller_user.messages_summarised_until)
    assert run_summaries(app, due - timedelta(minutes=30)) == 0
    mailbox.clear()
    assert run_summaries(app, due + timedelta(minutes=15)) == 1
    [summary] = emails_to(session, seller_user, "messages:daily:")
    assert summary.key == f"messages:daily:{due.date().isoformat()}:{seller_user.id}"
    [email] = mailbox.messages("seller@saw.example")
    assert email["subject"] == summary.subject and "2" in email["subject"]
    text = email["text"]
    assert text.startswith("Hej Anna Säljare!")  # Swedish: the seller's language
    assert "Sågspån av gran" in text and "Pelletsfabriken AB" in text
    assert "Vi kan hämta själva." in text  # the latest message
    assert "Jag svarar i morgon." not in text
    assert f"http://localhost/messages/{conversation.id}" in text
    assert "http://localhost/account" in text
    assert re.search(r"\d{1,2} [a-zåäö]+\.? \d{4} \d\d:\d\d", text)  # a Swedish date
    session.refresh(seller_user)
    assert seller_user.messages_summarised_until > utcnow()  # the mark moved to the run's time

    # A second run, the same hour or later that day, sends nothing more.
    assert run_summaries(app, due + timedelta(minutes=15)) == 0
    assert run_summaries(app, due + timedelta(hours=8)) == 0
    assert len(mailbox.messages("seller@saw.example")) == 1
    # The next day, with nothing new, nothing either.
    assert run_summaries(app, due + timedelta(days=1, minutes=15)) == 0


def test_the_summary_skips_muted_and_read_conversations_and_inactive_or_deleted_people(
    app, make_client, session, market
):
    seller_user = market["seller"]
    seller = as_user(make_client, seller_user)
    buyer = as_user(make_client, market["buyer"])
    other_offer = ListingFactory(
        site=SiteFactory(organisation=seller_user.organisation), title="Bark"
    )
    third = ListingFactory(site=SiteFactory(organisation=seller_user.organisation), title="Flis")
    choose(seller, "daily")
    first = inquire(session, buyer, market["offer"])
    buyer.post(f"/listings/{other_offer.id}/inquire", {"message": "Och barken?"})
    buyer.post(f"/listings/{third.id}/inquire", {"message": "Och flisen?"})
    muted, read = [
        c
        for c in session.scalars(select(Conversation).order_by(Conversation.id))
        if c.id != first.id
    ]
    seller.post(f"/messages/{muted.id}/mute", {"muted": "1"})
    seller.post(f"/messages/{read.id}/read")
    assert run_summaries(app, local(1, 8)) == 1
    [summary] = emails_to(session, seller_user, "messages:daily:")
    assert "Sågspån av gran" in summary.text
    assert "Bark" not in summary.text and "Flis" not in summary.text

    # Inactive and deleted people on the daily summary get none.
    inactive = UserFactory(organisation=seller_user.organisation, org_role="member", active=False)
    deleted = UserFactory(
        organisation=seller_user.organisation, org_role="member", deleted_at=utcnow()
    )
    for person in (inactive, deleted):
        person.message_mail = "daily"
        person.messages_summarised_until = utcnow() - timedelta(days=1)
    session.flush()
    assert run_summaries(app, local(2, 8)) == 0
    assert emails_to(session, inactive) == [] and emails_to(session, deleted) == []


def test_going_back_to_an_email_per_message_sends_what_waited(
    app, make_client, session, mailbox, market
):
    seller = as_user(make_client, market["seller"])
    buyer = as_user(make_client, market["buyer"])
    choose(seller, "daily")
    conversation = inquire(session, buyer, market["offer"])
    mailbox.clear()
    response = choose(seller, "each")
    assert response.status_code == 303
    page = text_of(seller.get("/account"))
    assert "The messages since your last summary have been emailed to you." in page
    [final] = emails_to(session, market["seller"], "messages:final:")
    assert "Hej! 500 ton?" in final.text
    assert len(mailbox.messages("seller@saw.example")) == 1
    session.refresh(market["seller"])
    assert market["seller"].messages_summarised_until is None
    # Saving "each" again sends nothing; the next message is emailed on its own again.
    choose(seller, "each")
    assert len(emails_to(session, market["seller"], "messages:")) == 1
    buyer.post(f"/messages/{conversation.id}", {"body": "Nytt meddelande"})
    assert "Nytt meddelande" in emails_to(session, market["seller"], "message:")[-1].text
    assert run_summaries(app, local(1, 8)) == 0


def test_no_email_per_message_to_inactive_or_deleted_members(make_client, session, market):
    seller_org = market["seller"].organisation
    inactive = UserFactory(organisation=seller_org, org_role="member", active=False)
    deleted = UserFactory(organisation=seller_org, org_role="member", deleted_at=utcnow())
    buyer = as_user(make_client, market["buyer"])
    inquire(session, buyer, market["offer"])
    assert emails_to(session, inactive) == [] and emails_to(session, deleted) == []
    assert len(emails_to(session, market["seller"], "message:")) == 1
