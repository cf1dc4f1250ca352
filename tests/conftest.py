"""Test fixtures: a real database per run (SQLite file and PostgreSQL), rolled back per test."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from marketplace import create_app
from marketplace.config import Settings
from marketplace.extensions import db, limiter
from marketplace.services.mail.transport import read_mailbox
from models.engine import make_engine
from tests import factories

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def alembic_config(connection: Connection) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["connection"] = connection
    config.attributes["configure_logger"] = False
    return config


def postgres_engine_or_skip() -> Engine:
    """The PostgreSQL test engine; unreachable is a skip locally and an error under CI=true."""
    engine = make_engine(Settings(database_url=PG_URL).sqlalchemy_url)
    try:
        with engine.connect():
            pass
    except Exception as exc:
        engine.dispose()
        message = f"PostgreSQL not reachable at {PG_URL}: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return engine


def reset_postgres_schema(engine: Engine, schema: str = "public") -> None:
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database on each backend, shared by the session's tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
        engine = make_engine(url)
    else:
        engine = postgres_engine_or_skip()
        reset_postgres_schema(engine)
        url = Settings(database_url=PG_URL).sqlalchemy_url
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    settings = Settings(
        env="testing",
        secret_key=SECRET,
        database_url=database_url,
        instance_path=tmp_path_factory.mktemp("instance"),
        base_url="http://localhost",
    )
    return create_app(settings)


@pytest.fixture
def production_app(database_url: str, tmp_path: Path) -> Flask:
    """The app as deployed (secure cookies, https base URL) on the test database."""
    settings = Settings(
        env="production",
        secret_key=SECRET,
        database_url=database_url,
        instance_path=tmp_path,
        base_url="https://marketplace.example",
    )
    return create_app(settings)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    transaction = conn.begin()
    yield conn
    transaction.rollback()
    conn.close()


@pytest.fixture
def session(app: Flask, connection: Connection) -> Iterator[Session]:
    """A session inside the test's transaction; the app's requests join the same transaction."""
    db.configure(app, connection, join_transaction_mode="create_savepoint")
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    factories.bind(session)
    yield session
    factories.bind(None)
    session.close()


class Mailbox:
    """Emails the app wrote with the file backend during this test."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def clear(self) -> None:
        for path in self.directory.glob("*"):
            path.unlink()

    def messages(self, to: str | None = None) -> list[dict[str, str]]:
        return read_mailbox(self.directory, to=to)

    def last_link(self, to: str) -> str:
        """The first URL in the newest email to `to`, as a path on the test server."""
        messages = self.messages(to)
        assert messages, f"no email to {to}"
        match = re.search(r"http://localhost(/\S+)", messages[0]["text"])
        assert match, messages[0]["text"]
        return match.group(1)


@pytest.fixture
def mailbox(app: Flask) -> Mailbox:
    box = Mailbox(app.extensions["settings"].mail_dir)
    box.directory.mkdir(parents=True, exist_ok=True)
    box.clear()
    return box


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """The Flask test client plus CSRF tokens taken from a rendered page, as a browser would."""

    def __init__(self, client: FlaskClient) -> None:
        self.raw = client

    def csrf_token(self) -> str:
        page = self.raw.get("/").get_data(as_text=True)
        match = CSRF_INPUT.search(page)
        assert match, "no CSRF token on the start page"
        return match.group(1)

    def get(self, url: str, **kwargs):  # type: ignore[no-untyped-def]
        return self.raw.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True, **kwargs):  # type: ignore[no-untyped-def]
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self.raw.post(url, data=data, **kwargs)

    def login(self, email: str, password: str = factories.TEST_PASSWORD) -> None:
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]

    def logout(self) -> None:
        self.post("/logout")


@pytest.fixture
def client(app: Flask, session: Session) -> Client:
    limiter.reset()
    return Client(app.test_client())


@pytest.fixture
def make_client(app: Flask, session: Session):  # type: ignore[no-untyped-def]
    """Several independent browsers in one test."""
    limiter.reset()
    return lambda: Client(app.test_client())


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def without_tokens(page: str) -> str:
    """The page without CSRF tokens, which are timestamped and so differ between requests."""
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", page)


def visible_text(page: str) -> str:
    """The page's text as a reader sees it: no scripts, styles, tags or attribute values, and
    nothing marked `translate="no"` (codes such as SNI 16.101 are not numbers to format)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<(\w+)[^>]*translate="no"[^>]*>.*?</\1>', " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def english_numbers(text: str) -> list[str]:
    """Numbers in English format: dot decimals (0.1252) and comma thousands (1,848,000).

    A Swedish decimal such as 0,775 is not a thousands group: a group after a leading 0 is
    skipped (Swedish pages drop trailing zeros, so 69,300 can only be English).
    """
    dots = r"(?<![\w.,])\d+\.\d+(?![\w.])"
    thousands = r"(?<![\w.,])[1-9]\d{0,2}(?:,\d{3})+(?![\d])"
    return re.findall(f"{dots}|{thousands}", text)
