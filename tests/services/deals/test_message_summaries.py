"""Rules of the daily message summary: whose messages count, the period, the one-per-day key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from marketplace.services.deals.conversations import (
    InquiryInput,
    add_message,
    start_inquiry,
)
from marketplace.services.deals.message_summaries import (
    EXCERPT,
    new_messages,
    period_start,
    summarise,
)
from marketplace.services.mail import outbox
from marketplace.services.mail.compose import Rendered
from marketplace.services.mail.context import MailContext
from models import OutboxEmail
from models.base import swedish_today, utcnow
from tests.factories import ListingFactory, SiteFactory, UserFactory

CTX = MailContext(base_url="http://localhost", secret="s" * 32, domain="test.example")


def conversation_with(session, text: str = "Hej!"):  # type: ignore[no-untyped-def]
    seller = UserFactory(locale="en")
    buyer = UserFactory()
    SiteFactory(organisation=buyer.organisation)
    offer = ListingFactory(site=SiteFactory(organisation=seller.organisation), title="Spån")
    conversation, message = start_inquiry(
        session, actor=buyer, listing_id=offer.id, data=InquiryInput(message=text),
        today=swedish_today(),
    )  # fmt: skip
    return seller, buyer, conversation, message


def window() -> dict[str, datetime]:
    return {"since": utcnow() - timedelta(hours=1), "until": utcnow() + timedelta(seconds=1)}


def test_the_period_starts_at_seven_swedish_time():
    assert period_start("2026-12-03") == datetime(2026, 12, 3, 6, 0, tzinfo=UTC)  # CET
    assert period_start("2026-06-03") == datetime(2026, 6, 3, 5, 0, tzinfo=UTC)  # CEST


def test_only_the_other_side_and_staff_count_and_emailed_messages_do_not(session):
    seller, buyer, conversation, _first = conversation_with(session)
    colleague = UserFactory(organisation=seller.organisation, org_role="member")
    staff = UserFactory(organisation=None, org_role=None, is_staff=True)
    add_message(session, conversation, colleague, "Vi svarar snart.")
    by_staff = add_message(session, conversation, staff, "Jag kan hjälpa till.")
    [found] = new_messages(session, seller, **window())
    assert (found.count, found.latest.id, found.new_conversation) == (2, by_staff.id, True)
    # Writing in a conversation reads it: nothing before is news to the writer any more.
    by_seller = add_message(session, conversation, seller, "Hej, välkommen!")
    assert new_messages(session, seller, **window()) == []
    [found] = new_messages(session, buyer, **window())
    assert (found.count, found.latest.id) == (3, by_seller.id)
    # A message that already went out as an email of its own (an introduction) is left out.
    outbox.queue(
        session,
        outbox.Envelope(
            key=f"message:{by_seller.id}:{buyer.id}", to=buyer.email, purpose="conv.message",
            locale="en", rendered=Rendered("s", "t", "h"), user_id=buyer.id,
        ),
        domain="test.example",
    )  # fmt: skip
    [found] = new_messages(session, buyer, **window())
    assert (found.count, found.latest.id) == (2, by_staff.id)


def test_the_latest_message_is_shortened_in_the_email(session):
    seller, _buyer, _conversation, _message = conversation_with(session, "ord " * 400)
    bounds = window()
    email_id = summarise(session, CTX, seller, key="k", now=utcnow(), **bounds)
    row = session.get(OutboxEmail, email_id)
    assert row is not None and "ord ord" in row.text and "…" in row.text
    assert max(len(line) for line in row.text.splitlines()) <= EXCERPT
    assert seller.messages_summarised_until == bounds["until"]


def test_a_concurrent_second_run_finds_the_key_taken_and_moves_nothing(session):
    seller, _buyer, _conversation, _message = conversation_with(session)
    bounds = window()
    assert summarise(session, CTX, seller, key="messages:daily:d:1", now=utcnow(), **bounds)
    # The other run read the person before the first one committed: same key, same window.
    seller.messages_summarised_until = bounds["since"]
    stale = summarise(session, CTX, seller, key="messages:daily:d:1", now=utcnow(), **bounds)
    assert stale is None
    assert seller.messages_summarised_until == bounds["since"]  # left for the winner's commit
    count = select(func.count()).select_from(OutboxEmail).where(OutboxEmail.user_id == seller.id)
    assert session.scalar(count) == 1


def test_nothing_new_sends_nothing_but_moves_the_mark(session):
    seller, _buyer, _conversation, _message = conversation_with(session)
    later = {"since": utcnow() + timedelta(seconds=1), "until": utcnow() + timedelta(minutes=5)}
    assert summarise(session, CTX, seller, key="k2", now=utcnow(), **later) is None
    assert seller.messages_summarised_until == later["until"]
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
