"""Benchmark databases: a SQLite file or a dedicated PostgreSQL database, migrated, filled in
bulk and analysed."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, insert, make_url, text
from sqlalchemy.exc import OperationalError

from marketplace.config import Settings
from models.base import Base
from models.engine import make_engine
from support import ROOT

CHUNK = 5_000  # rows per Core executemany on SQLite


def migrate(engine: Engine) -> None:
    with engine.begin() as conn:
        config = Config(str(ROOT / "alembic.ini"))
        config.attributes["connection"] = conn
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")


def analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def database_name(url: str) -> str:
    return make_url(Settings(database_url=url).sqlalchemy_url).database or ""


def refusal(url: str) -> str | None:
    """Why the PostgreSQL database of `url` may not be used (the tests' `test` and `test_*`,
    the maintenance database, odd names), or None."""
    name = database_name(url)
    if name in ("test", "postgres") or name.startswith("test_"):
        return f"refusing to use database {name!r}: give a dedicated bench database"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        return f"refusing to use database {name!r}: give a dedicated bench database"
    return None


@dataclass(frozen=True)
class Database:
    engine: Engine
    url: str  # what a worker process is given as DATABASE_URL
    fresh: bool  # False: kept from an earlier run (keep=True)


@contextmanager
def bench_database(
    backend: str, pg_url: str, *, sqlite_path: Path | None = None, keep: bool = False
) -> Iterator[Database]:
    """A SQLite file (in a temporary directory unless `sqlite_path`) or the PostgreSQL database
    named by `pg_url`; removed at the end, and emptied first, unless `keep`."""
    if backend == "postgresql":
        with postgres_database(pg_url, keep=keep) as db:
            yield db
    elif sqlite_path is None:
        with (
            tempfile.TemporaryDirectory(prefix="bench_") as tmp,
            sqlite_database(Path(tmp) / "bench.db", keep=False) as db,
        ):
            yield db
    else:
        with sqlite_database(sqlite_path, keep=keep) as db:
            yield db


@contextmanager
def migrated(backend: str, pg_url: str, versions: dict[str, str]) -> Iterator[Database]:
    """A fresh `bench_database`, migrated to head; PostgreSQL's version noted in `versions`."""
    with bench_database(backend, pg_url) as db:
        migrate(db.engine)
        server_version(db.engine, versions)
        yield db


@contextmanager
def sqlite_database(path: Path, *, keep: bool) -> Iterator[Database]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = not (keep and path.exists())
    if fresh:
        remove_sqlite(path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        yield Database(engine, url, fresh)
    finally:
        engine.dispose()
        if not keep:
            remove_sqlite(path)


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def postgres_database(url: str, *, keep: bool) -> Iterator[Database]:
    """The database named by `url`, via the `postgres` maintenance database: dropped and
    created (unless `keep` and it exists), dropped at the end unless `keep`."""
    problem = refusal(url)
    if problem:
        raise SystemExit(problem)
    target = make_url(Settings(database_url=url).sqlalchemy_url)
    name = target.database or ""
    admin = make_engine(
        target.set(database="postgres").render_as_string(False), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            exists = bool(
                conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            )
            fresh = not (keep and exists)
            if fresh:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        raise SystemExit(f"PostgreSQL not reachable ({exc.orig}); try --backends sqlite") from exc
    engine = make_engine(target.render_as_string(False))
    try:
        yield Database(engine, url, fresh)
    finally:
        engine.dispose()
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def server_version(engine: Engine, versions: dict[str, str]) -> None:
    """Note the PostgreSQL server's version in `versions` (nothing for SQLite)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            versions["PostgreSQL"] = str(conn.scalar(text("SHOW server_version")))


def bulk_write(
    conn: Connection, model: type[Base], columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    """COPY on PostgreSQL, Core executemany in chunks on SQLite."""
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        statement = f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    insert_dicts(conn, model, (dict(zip(columns, row, strict=True)) for row in rows))


def insert_dicts(
    conn: Connection, model: type[Base], rows: Iterable[dict[str, Any]], chunk: int = CHUNK
) -> None:
    """Core `insert(model)` of dict rows, `chunk` rows per executemany."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == chunk:
            conn.execute(insert(model), batch)
            batch = []
    if batch:
        conn.execute(insert(model), batch)


def move_sequences(conn: Connection, tables: Iterable[str]) -> None:
    """After rows with explicit ids were written: the PostgreSQL id sequences follow them."""
    if conn.dialect.name != "postgresql":
        return
    for name in tables:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT max(id) FROM {name}))"
            )
        )
