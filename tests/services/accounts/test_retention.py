"""Retention: old sent emails are blanked, old notifications and sign-ins deleted; recent ones,
and emails not yet done, are kept. Through the service, the nightly job and `flask ops purge`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from marketplace.services.accounts.retention import RetentionPeriods, purge
from marketplace.services.mail import outbox
from marketplace.services.mail.compose import Rendered
from models import OutboxEmail
from models.accounts import SignIn
from models.alerts import Notification
from models.base import utcnow
from tests.conftest import text_of
from tests.factories import ListingFactory, UserFactory
from workers.context import use
from workers.jobs.maintenance import purge_expired

PERIODS = RetentionPeriods(outbox_days=90, notification_days=365, sign_in_days=90)
DAY = timedelta(days=1)


def email(session, key: str, *, status: str, age: timedelta, user=None) -> int:  # type: ignore[no-untyped-def]
    """An outbox row as delivery leaves it, `age` ago."""
    at = utcnow() - age
    envelope = outbox.Envelope(
        key=key,
        to=f"{key}@mail.example",
        purpose="conv.message",
        locale="sv",
        rendered=Rendered("Nytt i samtalet", "Hej Anna! Text", "<p>Hej Anna!</p>"),
        user_id=user.id if user is not None else None,
        headers={"List-Unsubscribe": "<http://localhost/alerts/unsubscribe/x>"},
    )
    email_id = outbox.queue(session, envelope, domain="test.example", now=at)
    assert email_id is not None
    sent_at = at if status == "sent" else None
    session.execute(
        update(OutboxEmail).where(OutboxEmail.id == email_id).values(status=status, sent_at=sent_at)
    )
    return email_id


@dataclass
class Rows:
    emails: dict[str, int]
    notes: dict[str, int]
    sign_ins: dict[str, int]


@pytest.fixture
def rows(session) -> Rows:  # type: ignore[no-untyped-def]
    user = UserFactory()
    ages = {"old": 91 * DAY, "recent": 89 * DAY}
    emails = {
        f"{status}-{name}": email(session, f"{status}-{name}", status=status, age=age, user=user)
        for status in ("sent", "pending", "failed")
        for name, age in ages.items()
    }
    notes = {}
    for state in ("emailed", "dropped", "pending"):
        for name, age in (("old", 366 * DAY), ("recent", 364 * DAY)):
            note = Notification(
                user_id=user.id, listing_id=ListingFactory().id, cadence="daily", state=state,
                created_at=utcnow() - age,
            )  # fmt: skip
            session.add(note)
            session.flush()
            notes[f"{state}-{name}"] = note.id
    sign_ins = {}
    for name, age in ages.items():
        sign_in = SignIn(user_id=user.id, at=utcnow() - age, user_agent="Firefox")
        session.add(sign_in)
        session.flush()
        sign_ins[name] = sign_in.id
    return Rows(emails, notes, sign_ins)


def remaining(session, model, ids: dict[str, int]) -> set[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    found = set(session.scalars(select(model.id).where(model.id.in_(ids.values()))))
    return {name for name, row_id in ids.items() if row_id in found}


def assert_purged(session, rows: Rows) -> None:  # type: ignore[no-untyped-def]
    session.expire_all()
    for name, email_id in rows.emails.items():
        row = session.get(OutboxEmail, email_id)
        assert row is not None, name  # the row stays: its key stops a second sending
        assert row.subject == "Nytt i samtalet" and row.user_id is not None
        if name == "sent-old":
            assert (row.text, row.html, row.to_address, row.headers) == ("", "", "", "{}")
            assert row.status == "sent" and row.sent_at is not None
        else:
            assert row.text == "Hej Anna! Text" and row.to_address == f"{name}@mail.example"
    assert remaining(session, Notification, rows.notes) == {
        "emailed-recent", "dropped-recent", "pending-old", "pending-recent",
    }  # fmt: skip
    assert remaining(session, SignIn, rows.sign_ins) == {"recent"}


def test_purge_removes_only_what_is_past_its_period(session, rows):
    report = purge(session, PERIODS, now=utcnow())
    assert (report.emails_blanked, report.notifications_deleted, report.sign_ins_deleted) == (
        1, 2, 1,
    )  # fmt: skip
    assert_purged(session, rows)
    again = purge(session, PERIODS, now=utcnow())
    assert (again.emails_blanked, again.notifications_deleted, again.sign_ins_deleted) == (0, 0, 0)


def test_the_periods_are_settings(session, rows):
    short = RetentionPeriods(outbox_days=30, notification_days=30, sign_in_days=30)
    report = purge(session, short, now=utcnow())
    assert (report.emails_blanked, report.notifications_deleted, report.sign_ins_deleted) == (
        2, 4, 2,
    )  # fmt: skip
    assert remaining(session, Notification, rows.notes) == {"pending-old", "pending-recent"}


def test_the_nightly_job_purges(app, session, rows):
    with use(app.extensions["background"].inline_context()):
        assert purge_expired() == {
            "emails_blanked": 1, "notifications_deleted": 2, "sign_ins_deleted": 1,
        }  # fmt: skip
    assert_purged(session, rows)


def test_flask_ops_purge(app, session, rows):
    result = app.test_cli_runner().invoke(args=["ops", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 sent emails blanked (older than 90 days)" in result.output
    assert "2 notifications deleted (older than 365 days)" in result.output
    assert "1 sign-ins deleted (older than 90 days)" in result.output
    assert_purged(session, rows)


def test_the_staff_mail_page_still_counts_and_lists_after_a_purge(client, session, rows):
    purge(session, PERIODS, now=utcnow())
    UserFactory(email="admin@region.example", organisation=None, org_role=None, is_admin=True)
    client.login("admin@region.example")
    page = text_of(client.get("/admin/mail"))
    assert 'data-count="sent">2<' in page and 'data-count="failed">2<' in page
    assert "failed-old@mail.example" in page  # failed emails are not purged: staff may resend


def test_an_email_sent_just_inside_the_period_is_kept(session):
    now = datetime(2026, 12, 3, 3, 0, tzinfo=utcnow().tzinfo)
    kept = email(session, "edge", status="sent", age=timedelta(0))
    session.execute(
        update(OutboxEmail).where(OutboxEmail.id == kept).values(sent_at=now - 90 * DAY)
    )
    assert purge(session, PERIODS, now=now).emails_blanked == 0  # exactly 90 days: not older
    assert purge(session, PERIODS, now=now + timedelta(seconds=1)).emails_blanked == 1
