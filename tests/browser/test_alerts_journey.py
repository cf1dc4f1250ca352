"""A buyer draws an area and subscribes; another firm publishes inside it; the alert email goes
out through a real RQ worker on real Redis to an SMTP server, and its links work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from redis import Redis
from shapely.geometry import Point, shape
from sqlalchemy import select

from geo.distance import geodesic_m
from marketplace.extensions import db
from models.accounts import User
from models.alerts import AlertSubscription
from models.listings import Listing
from tests.browser.conftest import (
    CHROMIUM,
    LiveServer,
    assert_no_more_mail,
    start_live_server,
    wait_for_mail,
)
from tests.browser.test_journey import assert_accessible, login
from tests.conftest import IN_CI, ROOT, SECRET
from tests.factories import ListingFactory, SiteFactory
from tests.support.smtp_sink import SinkProcess
from tests.workers.conftest import REDIS_URL, factories_on

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def alert_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, SinkProcess]]:
    redis = Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"Redis not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    redis.flushdb()
    instance = tmp_path_factory.mktemp("alerts-live")
    sink = SinkProcess(instance / "Maildir")
    live = start_live_server(
        instance, redis_url=REDIS_URL, mail_server="127.0.0.1", mail_port=sink.port
    )
    env = {
        **os.environ,
        "MARKETPLACE_ENV": "development",
        "DATABASE_URL": live.url,
        "REDIS_URL": REDIS_URL,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(sink.port),
        "SECRET_KEY": SECRET,
        "BASE_URL": live.base,
        "INSTANCE_PATH": str(instance),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "workers", "worker"], env=env, cwd=ROOT, start_new_session=True
    )
    yield live, sink
    os.killpg(worker.pid, signal.SIGTERM)  # the worker and the scheduler process it forks
    try:
        worker.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    live.stop()
    sink.stop()
    redis.flushdb()
    redis.close()


@pytest.fixture
def alert_page(browser, alert_server):  # type: ignore[no-untyped-def]
    live, _ = alert_server
    context = browser.new_context(base_url=live.base, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _draft_for_seller(live: LiveServer, lon: float, lat: float, title: str) -> int:
    """A draft sawdust offer of the demo sawmill at a new site at (lon, lat)."""
    with live.app.app_context(), db.write_session() as session, factories_on(session):
        seller = session.scalars(select(User).where(User.email == "seller@demo.example")).one()
        site = SiteFactory(
            organisation=seller.organisation, lon=lon, lat=lat, municipality_code=None
        )
        listing = ListingFactory(site=site, status="draft", published_at=None, title=title)
        session.commit()
        return listing.id


def test_draw_an_area_subscribe_and_get_the_alert(alert_page, alert_server, browser):
    assert Path(CHROMIUM).exists()
    live, sink = alert_server
    page = alert_page
    login(page, "buyer@demo.example")
    page.goto("/alerts")
    assert_accessible(page)
    page.goto("/alerts/new")
    page.locator("#name").fill("Sågspån i mitt område")
    page.locator("input[name=area_kind][value=polygon]").check()
    area_map = page.locator("[data-map=alert-area]")
    area_map.scroll_into_view_if_needed()
    box = area_map.bounding_box()
    cx, cy, dx, dy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, 60, 45
    for x, y in ((cx - dx, cy - dy), (cx + dx, cy - dy), (cx + dx, cy + dy), (cx - dx, cy + dy)):
        page.mouse.click(x, y)
    expect(page.locator("#polygon")).not_to_have_value("")
    drawn = shape(json.loads(page.locator("#polygon").input_value()))
    page.locator("details:has(input[name=categories]) > summary").click()
    page.locator("input[name=categories][value=sawdust]").check()
    page.locator("input[name=cadence][value=instant]").check()
    page.locator("button[name=action][value=preview]").click()
    expect(page.locator("#preview-heading")).to_be_visible()
    assert_accessible(page)
    page.locator("button[name=action][value=save]").click()
    page.wait_for_url("**/alerts/*")
    assert "Sågspån i mitt område" in page.locator("h1").inner_text()
    assert_accessible(page)

    # Another firm publishes sawdust outside the area, then inside it.
    inside_point = drawn.representative_point()
    # Outside the drawn area and beyond the demo buyer's own 150 km sawdust alert.
    far = next(
        p
        for p in (Point(12.13, 59.39), Point(16.99, 62.05), Point(13.50, 59.38))
        if not drawn.contains(p) and geodesic_m(15.42, 60.48, [p.x], [p.y])[0] > 170_000
    )
    outside = _draft_for_seller(live, far.x, far.y, "Sågspån utanför området")
    inside = _draft_for_seller(live, inside_point.x, inside_point.y, "Sågspån inne i området")
    seller_context = browser.new_context(base_url=live.base, locale="sv-SE")
    seller = seller_context.new_page()
    login(seller, "seller@demo.example")
    for listing_id in (outside, inside):
        seller.goto(f"/listings/{listing_id}")
        seller.locator(f"form[action='/listings/{listing_id}/publish'] button").click()
        seller.wait_for_url(f"**/listings/{listing_id}")
    seller_context.close()

    (email,) = wait_for_mail(sink, 1)
    assert_no_more_mail(live, sink, 1)  # both fan-outs done, nothing queued for the outside one
    assert email["To"] == "buyer@demo.example"
    assert "Sågspån inne i området" in email["Subject"]
    body = email.get_body(("plain",)).get_content()
    assert f"{live.base}/listings/{inside}" in body and "utanför" not in body
    html = email.get_body(("html",)).get_content()
    assert f"{live.base}/alerts" in html

    # The manage link and the one-click unsubscribe link work in the browser.
    page.goto(f"{live.base}/alerts")
    expect(page.locator("main")).to_contain_text("Sågspån i mitt område")
    unsubscribe = str(email["List-Unsubscribe"]).strip("<>")
    anonymous = browser.new_context(locale="sv-SE")
    link_page = anonymous.new_page()
    link_page.goto(unsubscribe)
    assert_accessible(link_page)
    link_page.locator("main form button").click()
    expect(link_page.locator("main [role=status]")).to_be_visible()
    anonymous.close()
    with live.app.app_context(), db.write_session() as session:
        sub = session.scalars(
            select(AlertSubscription).where(AlertSubscription.name == "Sågspån i mitt område")
        ).one()
        assert sub.paused
        assert session.get(Listing, inside).status == "published"
