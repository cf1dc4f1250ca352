"""Real jobs: committed databases, Redis (test db 15), an SMTP sink process, worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from marketplace.config import Settings
from models.engine import make_engine, writer_engine
from tests import factories
from tests.conftest import IN_CI, PG_URL, ROOT, SECRET, alembic_config, reset_postgres_schema
from tests.support.smtp_sink import SinkProcess

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def redis() -> Iterator[Redis]:
    conn = Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except Exception as exc:
        _unavailable(f"Redis not reachable at {REDIS_URL}: {exc}")
    conn.flushdb()  # only the test database number
    yield conn
    conn.flushdb()
    conn.close()


def _postgres_jobs_url() -> str:
    """A database of its own (`<test db>_jobs`): jobs commit, so the rolled-back one won't do."""
    url = make_url(Settings(database_url=PG_URL).sqlalchemy_url)
    name = f"{url.database}_jobs"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        _unavailable(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def jobs_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database whose commits a worker process can see."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jobs.db'}"
        engine = make_engine(url)
    else:
        url = _postgres_jobs_url()
        engine = make_engine(url)
        reset_postgres_schema(engine)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    engine.dispose()
    yield url


@pytest.fixture
def sessions(jobs_db: str) -> Iterator[sessionmaker[Session]]:
    engine = writer_engine(make_engine(jobs_db))
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def factories_on(session: Session) -> AbstractContextManager[None]:
    """The test factories writing into a session that the test commits itself."""
    return factories.bound_to(session)


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[SinkProcess]:
    process = SinkProcess(tmp_path / "Maildir")
    yield process
    process.stop()


@dataclass
class Workers:
    env: dict[str, str]

    def command(self, *args: str, timeout: float = 180) -> str:
        """Run `python -m workers …`; a non-zero exit fails the test."""
        result = subprocess.run(
            [sys.executable, "-m", "workers", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def burst(self, *queues: str) -> None:
        extra = ["--queues", ",".join(queues)] if queues else []
        self.command("worker", "--burst", *extra)

    def start(self) -> subprocess.Popen[bytes]:
        """A worker in its own process group: killing the group also ends the RQ scheduler
        process the worker forks, which would otherwise outlive the test."""
        return subprocess.Popen(
            [sys.executable, "-m", "workers", "worker"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


@pytest.fixture
def workers(jobs_db: str, redis: Redis, sink: SinkProcess, tmp_path: Path) -> Workers:
    env = {
        **os.environ,
        "MARKETPLACE_ENV": "testing",
        "DATABASE_URL": jobs_db,
        "REDIS_URL": REDIS_URL,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(sink.port),
        "MAIL_DEFAULT_SENDER": "Symbios <no-reply@test.example>",
        "SECRET_KEY": SECRET,
        "BASE_URL": "http://localhost",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "OUTBOX_LEASE_SECONDS": "2",
    }
    return Workers(env)
