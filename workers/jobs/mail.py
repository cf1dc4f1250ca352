"""Mail jobs: deliver outbox rows in batches over one connection."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from marketplace.services.outbox import BATCH, deliver
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
