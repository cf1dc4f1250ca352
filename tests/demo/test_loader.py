"""The demo loader: realistic, idempotent, refused in production; its logins work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from marketplace.demo.loader import DEMO_PASSWORD, DemoRefused, load_demo
from marketplace.services.deals.conversations import unread_count
from marketplace.services.deals.deliveries import realised_totals
from marketplace.services.mail.context import MailContext
from models import Conversation, Deal, Listing, Organisation, OutboxEmail, Site, User
from models.base import swedish_today, utcnow
from tests.conftest import text_of
from workers.jobs.mail import build_message_summaries

FARMER = "kontakt@lovasens-gard.demo.example"  # on the daily summary of new messages


def count(session, model, *where):  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_loads_once_with_firms_across_the_region(session):
    load_demo(session, production=False, today=swedish_today())
    firms, listings = count(session, Organisation), count(session, Listing)
    assert 20 <= firms <= 35
    assert count(session, Listing, Listing.status == "published") >= 40
    municipalities = session.scalars(select(func.distinct(Site.municipality_code))).all()
    counties = {code[:2] for code in municipalities if code}
    assert len(municipalities) >= 15 and counties == {"17", "20", "21"}
    kinds = set(session.scalars(select(func.distinct(Listing.kind))))
    assert kinds == {"material", "energy", "capacity"}
    assert count(session, Listing, Listing.visibility == "anonymous") >= 1
    assert count(session, Listing, Listing.is_hazardous.is_(True)) >= 1

    assert (
        load_demo(session, production=False, today=swedish_today()) == "Demo data already loaded."
    )
    assert (count(session, Organisation), count(session, Listing)) == (firms, listings)


def test_demo_refuses_production(session):
    with pytest.raises(DemoRefused):
        load_demo(session, production=True, today=swedish_today())
    assert count(session, User) == 0


def test_demo_logins(client, session):
    load_demo(session, production=False, today=swedish_today())
    session.flush()
    client.login("seller@demo.example", DEMO_PASSWORD)
    page = text_of(client.get("/firm"))
    for title in session.scalars(
        select(Listing.title)
        .join(User, User.organisation_id == Listing.organisation_id)
        .where(User.email == "seller@demo.example")
    ):
        assert title.replace("&", "&amp;") in page
    assert "sågspån" in page.lower()
    client.logout()
    client.login("staff@demo.example", DEMO_PASSWORD)
    staff = session.scalar(select(User).where(User.email == "staff@demo.example"))
    assert staff.is_staff and staff.organisation_id is None
    client.logout()
    client.login("admin@demo.example", DEMO_PASSWORD)
    assert client.get("/admin/users").status_code == 200


def test_cli_demo_load_refuses_in_production(database_url, tmp_path):
    from marketplace import create_app
    from marketplace.config import Settings

    app = create_app(
        Settings(
            env="production",
            secret_key="p" * 40,
            database_url=database_url,
            instance_path=tmp_path,
            base_url="https://m.example",
        )
    )
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "refuses" in result.output


def test_demo_has_completed_deals_with_realised_savings(session):
    load_demo(session, production=False, today=swedish_today())
    completed = count(session, Deal, Deal.status == "completed")
    assert completed >= 3
    region = realised_totals(session)
    assert region.deliveries >= 5 and region.tonnes > 0 and region.co2e_kg > 0 and region.sek > 0
    # The demo's buyer and seller logins see figures of their own.
    seller = session.scalars(select(User).where(User.email == "seller@demo.example")).one()
    assert realised_totals(session, seller.organisation_id).co2e_kg > 0
    # An anonymous listing's deal went through an accepted inquiry.
    anonymous = session.scalars(
        select(Conversation)
        .join(Listing, Listing.id == Conversation.listing_id)
        .where(Listing.visibility == "anonymous")
    ).all()
    assert anonymous and all(c.accepted_at is not None for c in anonymous)
    # Nobody opens the demo to a pile of unread old conversations; one farm has one new message,
    # waiting for its daily summary.
    unread = {u.email: unread_count(session, u) for u in session.scalars(select(User))}
    assert {email: n for email, n in unread.items() if n} == {FARMER: 1}


def test_demo_shows_a_daily_summary_of_new_messages(session):
    load_demo(session, production=False, today=swedish_today())
    farmer = session.scalars(select(User).where(User.email == FARMER)).one()
    assert farmer.message_mail == "daily"
    sessions = sessionmaker(
        bind=session.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    ctx = MailContext(base_url="http://localhost", secret="s" * 32, domain="demo.example")
    [email_id] = build_message_summaries(sessions, ctx, now=utcnow(), grace=timedelta(0))
    summary = session.get(OutboxEmail, email_id)
    assert summary is not None and summary.to_address == FARMER
    assert "Vi får mer mesa i vår." in summary.text and "Vänerns" in summary.text
