"""A live server on loopback (fresh SQLite database, demo data) and Playwright with chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import BaseWSGIServer, make_server

from geo.boundaries import read_boundary_file
from marketplace import create_app
from marketplace.config import Settings
from marketplace.demo.loader import load_demo
from marketplace.extensions import db
from marketplace.services.reference.boundaries import import_boundaries
from marketplace.services.reference.taxonomy import import_ewc, parse_ewc_file
from models import Listing, OutboxEmail
from models.base import swedish_today
from models.engine import make_engine
from tests.conftest import IN_CI, SECRET, SHARED_DATA, alembic_config
from tests.support.smtp_sink import SinkProcess

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.browser


@dataclass
class LiveServer:
    base: str
    url: str  # the database
    app: Flask
    server: BaseWSGIServer

    def stop(self) -> None:
        self.server.shutdown()
        db.state(self.app).engine.dispose()


def _not_ready(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def start_live_server(instance: Path, **settings: object) -> LiveServer:
    """The app in development mode with demo data, EWC codes and boundaries, on 127.0.0.1."""
    url = f"sqlite:///{instance / 'live.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    engine.dispose()

    def configured(base_url: str) -> Settings:
        return Settings(
            env="development",
            secret_key=SECRET,
            database_url=url,
            instance_path=instance,
            base_url=base_url,
            **settings,  # type: ignore[arg-type]
        )

    # The port first, so that the app is made with its final base URL: links in emails (and the
    # job context, made once with the app) point at this server.
    server = make_server("127.0.0.1", 0, _not_ready, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app = create_app(configured(base))
    with app.app_context(), db.write_session() as session, session.begin():
        load_demo(session, production=False, today=swedish_today())
        import_ewc(session, parse_ewc_file(SHARED_DATA / "ewc-codes.json"))
        import_boundaries(
            session, read_boundary_file(SHARED_DATA / "norra_mellansverige_kommuner.geojson")
        )
    server.app = app
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return LiveServer(base, url, app, server)


def wait_for_mail(sink: SinkProcess, count: int, timeout: float = 30) -> list[Any]:
    """The sink's messages once it holds at least `count` (woken by each arrival)."""
    if not sink.wait_for(count, timeout):
        raise AssertionError(f"expected {count} emails, got {sink.count()}")
    return sink.messages()


def mail_settled(live: LiveServer) -> bool:
    """Nothing left that could still send an email: every published listing's alerts are fanned
    out and every queued email is sent or has failed (all email goes through the outbox)."""
    with live.app.app_context(), db.write_session() as session:
        fanouts = session.scalar(
            select(func.count()).select_from(Listing).where(Listing.fanout_due.is_(True))
        )
        unsent = session.scalar(
            select(func.count())
            .select_from(OutboxEmail)
            .where(OutboxEmail.status.in_(("pending", "sending")))
        )
    return fanouts == 0 and unsent == 0


def assert_no_more_mail(
    live: LiveServer, sink: SinkProcess, count: int, timeout: float = 30
) -> None:
    """The sink holds exactly `count` emails and no more will come: wait (on arrivals) until the
    app has nothing left to send, then count. An extra email fails the test as soon as it is
    queued or arrives, with no fixed sleep."""
    if not sink.wait_for(count + 1, timeout, until=lambda: mail_settled(live)):
        raise AssertionError(f"the app still had email to send after {timeout} s")
    assert sink.count() == count, f"expected {count} emails, got {sink.count()}"


@contextmanager
def live_with_smtp(instance: Path, **settings: object) -> Iterator[tuple[LiveServer, SinkProcess]]:
    """The demo server delivering its email by SMTP to a sink process (jobs inline unless
    `redis_url` is given)."""
    sink = SinkProcess(instance / "Maildir")
    live = start_live_server(instance, mail_server="127.0.0.1", mail_port=sink.port, **settings)
    try:
        yield live, sink
    finally:
        live.stop()
        sink.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Inline jobs and the file mailbox (no Redis): the demo's setup."""
    live = start_live_server(tmp_path_factory.mktemp("live"))
    yield live.base
    live.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        message = f"chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
