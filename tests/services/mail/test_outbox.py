"""The outbox against a real SMTP server (aiosmtpd in-process): claims, retries, failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from marketplace.services.mail import outbox
from marketplace.services.mail.compose import Rendered
from marketplace.services.mail.transport import MailSettings
from models.base import utcnow
from models.outbox import OutboxEmail
from tests.support.smtp_sink import free_port, read_maildir, start_sink
from workers.jobs.mail import deliver


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[MailSettings, Path]]:
    maildir = tmp_path / "Maildir"
    controller = start_sink(maildir)
    settings = MailSettings(
        backend="smtp",
        sender="Symbios <no-reply@test.example>",
        directory=tmp_path,
        server="127.0.0.1",
        port=controller.port,
        timeout=5,
    )
    yield settings, maildir
    controller.stop()


def sessions_for(session: Session) -> sessionmaker[Session]:
    return sessionmaker(
        bind=session.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def queue(session: Session, to: str, key: str | None = None, **headers: str) -> int:
    envelope = outbox.Envelope(
        key=key or f"test:{to}",
        to=to,
        purpose="alert",
        locale="sv",
        rendered=Rendered("Ämne", "Text å ä ö", "<p>HTML</p>"),
        headers=headers or None,
    )
    email_id = outbox.queue(session, envelope, domain="test.example")
    assert email_id is not None
    return email_id


def test_the_same_key_is_queued_once(session):
    first = queue(session, "a@x.example", key="digest:daily:2026-11-27:1")
    again = outbox.queue(
        session,
        outbox.Envelope(
            "digest:daily:2026-11-27:1", "a@x.example", "digest", "sv", Rendered("s", "t", "h")
        ),
        domain="test.example",
    )
    assert first and again is None
    assert len(session.scalars(select(OutboxEmail)).all()) == 1


def test_a_claim_is_exclusive_until_its_lease_runs_out(session):
    email_id = queue(session, "a@x.example")
    now = utcnow()
    assert outbox.claim(session, [email_id], now=now) == [email_id]
    assert outbox.claim(session, [email_id], now=now + timedelta(minutes=5)) == []
    assert outbox.due_ids(session, now=now + timedelta(minutes=5)) == []
    later = now + outbox.LEASE + timedelta(seconds=1)  # the worker is presumed dead
    assert outbox.due_ids(session, now=later) == [email_id]
    assert outbox.claim(session, [email_id], now=later) == [email_id]
    assert session.get(OutboxEmail, email_id).attempts == 2


def test_delivery_over_smtp_with_headers_and_a_stable_message_id(session, sink):
    settings, maildir = sink
    ids = [
        queue(session, f"user{i}@x.example", **{"List-Unsubscribe": "<http://localhost/u/1>"})
        for i in range(3)
    ]
    report = deliver(sessions_for(session), ids, settings)
    assert (report.sent, report.failed, report.retrying) == (3, 0, 0)
    messages = read_maildir(maildir)
    assert sorted(m["To"] for m in messages) == [f"user{i}@x.example" for i in range(3)]
    row = session.get(OutboxEmail, ids[0])
    session.refresh(row)
    assert row.status == "sent" and row.sent_at is not None
    by_to = {m["To"]: m for m in messages}
    assert by_to["user0@x.example"]["Message-ID"] == row.message_id
    assert by_to["user0@x.example"]["List-Unsubscribe"] == "<http://localhost/u/1>"
    assert by_to["user0@x.example"].get_body(("plain",)).get_content().strip() == "Text å ä ö"
    # Delivering the same rows again sends nothing: they are no longer claimable.
    assert deliver(sessions_for(session), ids, settings).skipped == 3
    assert len(read_maildir(maildir)) == 3


def test_451_is_retried_with_backoff_and_550_fails_for_good(session, sink):
    settings, maildir = sink
    temp = queue(session, "tempfail@x.example")
    bad = queue(session, "reject@x.example")
    fine = queue(session, "fine@x.example")
    start = utcnow()
    report = deliver(sessions_for(session), [temp, bad, fine], settings, clock=lambda: start)
    assert (report.sent, report.retrying, report.failed) == (1, 1, 1)
    session.expire_all()
    temp_row, bad_row = session.get(OutboxEmail, temp), session.get(OutboxEmail, bad)
    assert temp_row.status == "pending" and "451" in temp_row.last_error
    assert temp_row.next_attempt_at == start + outbox.retry_delay(1)
    assert bad_row.status == "failed" and "550" in bad_row.last_error
    assert outbox.status_counts(session) == {"pending": 1, "sending": 0, "sent": 1, "failed": 1}
    # Not due yet; after the backoff the retry goes through.
    assert outbox.due_ids(session, now=start + timedelta(seconds=30)) == []
    later = start + outbox.retry_delay(1)
    assert outbox.due_ids(session, now=later) == [temp]
    assert deliver(sessions_for(session), [temp], settings, clock=lambda: later).sent == 1
    assert sorted(m["To"] for m in read_maildir(maildir)) == [
        "fine@x.example",
        "tempfail@x.example",
    ]


def test_an_unreachable_server_is_a_temporary_failure(session, tmp_path):
    settings = MailSettings(
        backend="smtp",
        sender="a@test.example",
        directory=tmp_path,
        server="127.0.0.1",
        port=free_port(),
        timeout=2,
    )
    email_id = queue(session, "a@x.example")
    report = deliver(sessions_for(session), [email_id], settings)
    assert report.retrying == 1
    session.expire_all()
    assert session.get(OutboxEmail, email_id).status == "pending"


def test_gives_up_after_the_last_attempt(session, sink):
    settings, _ = sink
    email_id = queue(session, "tempfail-always@x.example")
    row = session.get(OutboxEmail, email_id)
    row.attempts = outbox.MAX_ATTEMPTS - 1
    session.flush()
    # The sink accepts 'tempfail' addresses on their second try; make this its first at 451.
    report = deliver(sessions_for(session), [email_id], settings)
    assert report.failed == 1


def test_backoff_grows_and_is_capped():
    delays = [outbox.retry_delay(n) for n in range(1, 10)]
    assert delays == sorted(delays)
    assert delays[0] == timedelta(minutes=1) and delays[-1] == timedelta(hours=6)


def test_retry_failed_puts_it_back(session):
    email_id = queue(session, "a@x.example")
    assert not outbox.retry_failed(session, email_id, now=utcnow())
    session.get(OutboxEmail, email_id).status = "failed"
    session.flush()
    assert outbox.retry_failed(session, email_id, now=utcnow())


def test_composed_mime_round_trips_and_keeps_user_text_out_of_the_headers():
    from email import message_from_bytes, policy

    from marketplace.services.mail.transport import OutgoingEmail, compose

    email = OutgoingEmail(
        to="anna@x.example",
        subject="Sågspån från Älvdalen\r\nBcc: victim@evil.example " + "lång " * 30,
        text="Hej Anna,\nå ä ö\n",
        html="<p>Hej <b>Anna</b> – å ä ö</p>",
        purpose="alert",
        message_id="<abc@test.example>",
        headers={"List-Unsubscribe": "<http://localhost/alerts/unsubscribe/t>"},
    )
    raw, _, message_id = compose(email, "Symbiosmarknaden <no-reply@test.example>")
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"].startswith("Sågspån från Älvdalen Bcc: victim@evil.example lång")
    assert parsed["Bcc"] is None and message_id == parsed["Message-ID"] == "<abc@test.example>"
    assert parsed["From"].addresses[0].display_name == "Symbiosmarknaden"
    assert parsed.get_body(("plain",)).get_content() == "Hej Anna,\nå ä ö\n"
    assert parsed.get_body(("html",)).get_content() == "<p>Hej <b>Anna</b> – å ä ö</p>"
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
