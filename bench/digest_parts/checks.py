"""Whether every user got exactly one digest, and the in-process profile."""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import sessionmaker

from digest_parts.recipients import SENDER
from marketplace.services.mail import outbox
from marketplace.services.mail.context import MailContext
from marketplace.services.mail.transport import (
    MailSettings,
)
from models.alerts import Notification
from models.outbox import OutboxEmail
from workers.jobs.alerts import build_digests
from workers.jobs.mail import deliver

# --- checks and profile --------------------------------------------------------------------


def verify(engine: Engine, users: int) -> list[str]:
    problems = []
    with engine.connect() as conn:
        rows = conn.execute(
            select(OutboxEmail.user_id, OutboxEmail.status, func.count())
            .where(OutboxEmail.purpose == "digest")
            .group_by(OutboxEmail.user_id, OutboxEmail.status)
        ).all()
        pending = conn.scalar(
            select(func.count()).select_from(Notification).where(Notification.state == "pending")
        )
    per_user: dict[int, int] = {}
    unsent = 0
    for user_id, status, n in rows:
        per_user[user_id] = per_user.get(user_id, 0) + int(n)
        if status != "sent":
            unsent += int(n)
    total = sum(per_user.values())
    if total != users:
        problems.append(f"{total} digest rows for {users} users")
    if len(per_user) != users or any(n != 1 for n in per_user.values()):
        twice = sum(1 for n in per_user.values() if n > 1)
        problems.append(f"{len(per_user)} users got a digest, {twice} more than one")
    if unsent:
        problems.append(f"{unsent} digest rows not 'sent'")
    if pending:
        problems.append(f"{pending} notifications still pending")
    return problems


def reset(engine: Engine) -> None:
    """Back to 'every notification pending, no digest' (for the in-process profile)."""
    with engine.begin() as conn:
        conn.execute(update(Notification).values(state="pending", outbox_id=None))
        conn.execute(OutboxEmail.__table__.delete())


def profile_in_process(args: argparse.Namespace, engine: Engine, port: int) -> None:
    """The same work in this process (no RQ), under cProfile: where the time goes."""
    reset(engine)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    ctx = MailContext(base_url="https://symbios.example", secret=args.secret, domain="x.example")
    settings = MailSettings(
        backend="smtp", sender=SENDER, directory=Path(), server="127.0.0.1", port=port
    )
    now = datetime.now(UTC)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    ids = build_digests(sessions, ctx, "daily", now=now, today=now.date())
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"\n--- profile: build_digests in-process, {len(ids) / elapsed:.0f} emails/s ---")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for i in range(0, len(ids), outbox.BATCH):
        deliver(sessions, ids[i : i + outbox.BATCH], settings)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"\n--- profile: deliver in-process, {len(ids) / elapsed:.0f} emails/s ---")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
