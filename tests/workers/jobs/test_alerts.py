"""Jobs through real RQ workers on real Redis, mail to a real SMTP server in another process."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from marketplace import create_app
from marketplace.config import Settings
from marketplace.extensions import db
from marketplace.services.alerts import subscriptions
from marketplace.services.alerts.subscriptions import SubscriptionInput
from marketplace.services.listings import lifecycle
from models.accounts import User
from models.alerts import AlertSubscription, Notification
from models.base import swedish_today, utcnow
from models.outbox import OutboxEmail
from tests.conftest import SECRET
from tests.factories import TEST_PASSWORD_HASH, ListingFactory, SiteFactory, UserFactory
from tests.workers.conftest import REDIS_URL, factories_on
from workers.jobs.alerts import fan_out_listing, send_digests
from workers.queues import ALERTS, RQDispatcher


def recipients(messages: list[EmailMessage]) -> Counter[str]:
    return Counter(str(m["To"]) for m in messages)


def publish(session: Session, seller: User, lon: float, lat: float, title: str) -> int:
    site = SiteFactory(organisation=seller.organisation, lon=lon, lat=lat)
    draft = ListingFactory(site=site, status="draft", published_at=None, title=title)
    lifecycle.publish_listing(session, actor=seller, listing_id=draft.id, today=swedish_today())
    return draft.id


def test_instant_alert_through_a_worker_with_working_links(sessions, workers, sink, jobs_db):
    with sessions() as session, factories_on(session):
        buyer = UserFactory(email="buyer@pellets.example", locale="en")
        seller = UserFactory()
        sub = subscriptions.create_subscription(
            session,
            actor=buyer,
            data=SubscriptionInput(
                name="Sawdust near Falun",
                area_kind="circle",
                center_lon=15.633,
                center_lat=60.607,
                radius_km=30,
                categories=("sawdust",),
            ),
        )
        inside = publish(session, seller, 15.70, 60.65, "Sawdust inside")
        outside = publish(session, seller, 17.14, 60.67, "Sawdust in Gävle")
        session.commit()
        sub_id = sub.id
    queue = RQDispatcher(REDIS_URL)
    for listing_id in (inside, outside):
        queue.enqueue(fan_out_listing, listing_id, queue=ALERTS)
    workers.burst()
    (message,) = sink.messages()
    assert message["To"] == "buyer@pellets.example"
    assert "Sawdust inside" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = message.get_body(("plain",)).get_content()
    assert f"http://localhost/listings/{inside}" in body and "Gävle" not in body

    # The links work against the web app on the same database, without logging in.
    app = create_app(
        Settings(
            env="testing", secret_key=SECRET, database_url=jobs_db, base_url="http://localhost"
        )
    )
    client = app.test_client()
    manage = client.get("/alerts")
    assert manage.status_code == 302 and "/login" in manage.headers["Location"]
    unsubscribe = str(message["List-Unsubscribe"]).strip("<>").removeprefix("http://localhost")
    assert client.get(unsubscribe).status_code == 200
    assert client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with sessions() as session:
        assert session.get(AlertSubscription, sub_id).paused
    db.state(app).engine.dispose()


def _digest_world(sessions: sessionmaker[Session], users: int) -> None:
    """`users` verified users with a daily alert that already caught one live listing each."""
    with sessions() as session, factories_on(session):
        seller = UserFactory()
        listing = ListingFactory(site=SiteFactory(organisation=seller.organisation))
        org = seller.organisation_id
        session.flush()
        now = utcnow()
        rows = [
            {
                "email": f"reader{i}@x.example",
                "name": f"Reader {i}",
                "password_hash": TEST_PASSWORD_HASH,
                "email_verified_at": now,
                "locale": "sv",
                "alerts_muted": False,
                "is_staff": False,
                "is_admin": False,
                "active": True,
                "session_token": f"t{i}",
                "created_at": now,
            }
            for i in range(users)
        ]
        session.execute(insert(User), rows)
        ids = session.scalars(
            select(User.id).where(User.id != seller.id).where(User.organisation_id.is_(None))
        ).all()
        session.execute(
            insert(AlertSubscription),
            [
                {
                    "user_id": uid,
                    "name": "Daily",
                    "area_kind": "regions",
                    "region_codes": "20",
                    "directions": "offer",
                    "kinds": "",
                    "categories": "",
                    "ewc_prefixes": "",
                    "keywords": "",
                    "cadence": "daily",
                    "paused": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for uid in ids
            ],
        )
        subs = dict(session.execute(select(AlertSubscription.user_id, AlertSubscription.id)).all())
        session.execute(
            insert(Notification),
            [
                {
                    "user_id": uid,
                    "subscription_id": subs[uid],
                    "listing_id": listing.id,
                    "cadence": "daily",
                    "state": "pending",
                    "created_at": now,
                }
                for uid in ids
            ],
        )
        assert org is not None
        session.commit()


def test_concurrent_digest_sweeps_send_one_per_user_and_period(sessions, workers, sink):
    _digest_world(sessions, 40)
    with ThreadPoolExecutor(2) as pool:  # two sweeps at the same moment; errors propagate
        for result in [pool.submit(workers.command, "digests", "daily") for _ in range(2)]:
            result.result()
    workers.burst()
    got = recipients(sink.messages())
    assert len(got) == 40 and set(got.values()) == {1}
    workers.command("digests", "daily")  # a second sweep in the same period
    workers.burst()
    assert len(sink.messages()) == 40
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 40


def test_worker_killed_three_times_mid_batch(sessions, workers, sink, redis):
    users = 1000
    _digest_world(sessions, users)
    RQDispatcher(REDIS_URL).enqueue(send_digests, "daily", queue=ALERTS)
    kills = 0
    for threshold in (100, 350, 600):
        worker = workers.start()
        sink.wait_for(threshold, 120, until=lambda w=worker: w.poll() is not None)
        assert worker.poll() is None, "the worker stopped on its own"
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its scheduler process
        worker.wait()
        kills += 1
    # Restarted: whatever the killed workers held is handed on once their leases (2 s) end.
    deadline = time.monotonic() + 180
    while len(recipients(sink.messages())) < users and time.monotonic() < deadline:
        time.sleep(2.5)
        workers.command("digests", "daily")  # idempotent: only users still owed a digest
        workers.command("sweep", "--grace", "0")
        workers.burst()
    got = recipients(sink.messages())
    assert len(got) == users, f"{users - len(got)} recipients got no digest"
    duplicates = sum(got.values()) - users
    assert duplicates <= kills, got.most_common(5)
    with sessions() as session:
        sent = session.scalar(select(func.count()).where(OutboxEmail.status == "sent"))
        assert sent == users


def test_redis_flushed_with_work_pending_loses_nothing(sessions, workers, sink, redis):
    with sessions() as session, factories_on(session):
        buyer, other_buyer, seller = UserFactory(), UserFactory(), UserFactory()
        for user in (buyer, other_buyer):
            subscriptions.create_subscription(
                session,
                actor=user,
                data=SubscriptionInput(
                    name="All of Dalarna", area_kind="regions", region_codes=("20",)
                ),
            )
        first = publish(session, seller, 15.63, 60.60, "First")
        session.commit()
    queue = RQDispatcher(REDIS_URL)
    queue.enqueue(fan_out_listing, first, queue=ALERTS)
    redis.flushdb()  # the fan-out job is gone
    workers.burst()
    assert sink.messages() == []
    workers.command("sweep", "--grace", "0")
    workers.burst(ALERTS)  # fan-out only: the emails are queued in the outbox and on Redis …
    with sessions() as session:
        assert session.scalar(select(func.count()).where(OutboxEmail.status == "pending")) == 2
    redis.flushdb()  # … and the delivery jobs are lost too
    workers.command("sweep", "--grace", "0")
    workers.burst()
    assert sorted(recipients(sink.messages())) == sorted([buyer.email, other_buyer.email])
