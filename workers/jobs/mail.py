"""Mail jobs: deliver outbox rows in batches over one connection; the daily message summaries."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from marketplace.services.deals.message_summaries import (
    GRACE,
    build_message_summaries,
)
from marketplace.services.mail.outbox import BATCH, deliver
from workers.context import JobContext, current
from workers.queues import MAIL


def send_emails(email_ids: list[int]) -> dict[str, Any]:
    """Claim and send these outbox rows (any already claimed or sent are skipped)."""
    ctx = current()
    report = deliver(
        ctx.sessions, [int(i) for i in email_ids], ctx.mail, clock=ctx.now, lease=ctx.lease
    )
    return asdict(report)


def enqueue_delivery(ctx: JobContext, email_ids: list[int]) -> None:
    for start in range(0, len(email_ids), BATCH):
        ctx.dispatcher.enqueue(send_emails, email_ids[start : start + BATCH], queue=MAIL)


def send_message_summaries(grace_seconds: int = int(GRACE.total_seconds())) -> int:
    """The day's summaries of new messages still owed (from 07:00); how many were created.
    Messages newer than `grace_seconds` wait for the next day (they may not be committed yet)."""
    ctx = current()
    grace = timedelta(seconds=grace_seconds)
    email_ids = build_message_summaries(ctx.sessions, ctx.notify, now=ctx.now(), grace=grace)
    enqueue_delivery(ctx, email_ids)
    return len(email_ids)
