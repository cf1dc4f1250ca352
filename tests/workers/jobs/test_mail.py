"""The daily message summary and the retention purge through a real RQ worker on Redis: a
doubled scheduler tick sends one summary to an SMTP server, and the purge blanks what is old."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from rq import Queue
from rq.serializers import JSONSerializer

from marketplace.services.deals.conversations import InquiryInput, start_inquiry
from models import OutboxEmail
from models.base import swedish_today, utcnow
from tests.factories import ListingFactory, SiteFactory, UserFactory
from tests.workers.conftest import factories_on
from workers.jobs.mail import send_message_summaries
from workers.jobs.maintenance import purge_expired
from workers.queues import MAIL, MAINTENANCE


def test_a_doubled_tick_sends_one_summary_and_the_purge_blanks_it_later(
    workers, sessions, redis, sink
):
    now = utcnow()
    with sessions() as session, factories_on(session):
        seller = UserFactory(email="daily@saw.example", locale="en")
        seller.message_mail = "daily"
        # Summarised three days ago: today's summary (or yesterday's, before 07:00) is owed.
        seller.messages_summarised_until = now - timedelta(days=3)
        buyer = UserFactory(email="buyer@pellets.example")
        SiteFactory(organisation=buyer.organisation)
        offer = ListingFactory(site=SiteFactory(organisation=seller.organisation), title="Bark")
        _, message = start_inquiry(
            session, actor=buyer, listing_id=offer.id, today=swedish_today(),
            data=InquiryInput(message="Har ni bark kvar?", wanted_quantity=Decimal("20")),
        )  # fmt: skip
        message.created_at = now - timedelta(hours=1)
        session.commit()
        seller_id = seller.id
    mail = Queue(MAIL, connection=redis, serializer=JSONSerializer)
    mail.enqueue(send_message_summaries)
    mail.enqueue(send_message_summaries)
    workers.burst(MAIL)
    messages = sink.messages()
    assert [m["To"] for m in messages] == ["daily@saw.example"]
    body = messages[0].get_body(("plain",)).get_content()
    assert "Har ni bark kvar?" in body and "Bark" in body
    with sessions() as session:
        [row] = session.query(OutboxEmail).filter(OutboxEmail.user_id == seller_id).all()
        assert row.key.startswith("messages:daily:") and row.status == "sent"
        # Pretend it went out long ago: the nightly purge blanks it.
        row.sent_at = now - timedelta(days=91)
        session.commit()
    Queue(MAINTENANCE, connection=redis, serializer=JSONSerializer).enqueue(purge_expired)
    workers.burst(MAINTENANCE)
    with sessions() as session:
        row = session.get(OutboxEmail, row.id)
        assert row is not None and (row.text, row.html, row.to_address) == ("", "", "")
        assert row.subject == "1 new message in your conversations"
