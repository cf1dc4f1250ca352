"""SQLite with several writer processes never sees "database is locked"."""

from __future__ import annotations

import multiprocessing

from alembic import command
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import Organisation
from models.engine import make_engine, writer_engine
from tests.conftest import alembic_config

PROCESSES = 4
WRITES = 40


def _writer(url: str, worker: int) -> None:
    engine = writer_engine(make_engine(url))
    for n in range(WRITES):
        # Read-then-write in one transaction: the pattern that deadlocks with deferred BEGIN.
        with Session(engine) as session, session.begin():
            total = session.scalar(select(func.count()).select_from(Organisation))
            session.add(
                Organisation(name=f"W{worker}-{n}", org_number=f"{worker:02d}{n:04d}-{total % 10}")
            )
            session.execute(update(Organisation).where(Organisation.id == 1).values(name="first"))
    engine.dispose()


def test_concurrent_writer_processes_all_succeed(tmp_path):
    url = f"sqlite:///{tmp_path / 'concurrent.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with Session(engine) as session, session.begin():
        session.add(Organisation(name="seed", org_number="000000-0000"))
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(url, w)) for w in range(PROCESSES)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
    assert [p.exitcode for p in workers] == [0] * PROCESSES
    with Session(engine) as session:
        assert (
            session.scalar(select(func.count()).select_from(Organisation)) == 1 + PROCESSES * WRITES
        )
    engine.dispose()
