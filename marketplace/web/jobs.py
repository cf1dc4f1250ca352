"""Handing work to the background after a commit: RQ with REDIS_URL, else run in-process."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from marketplace.extensions import db
from models.listings import Listing
from workers.context import JobContext, mail_context, mail_settings
from workers.jobs.alerts import fan_out_listing
from workers.jobs.mail import send_emails
from workers.queues import ALERTS, MAIL, Dispatcher, InlineDispatcher, RQDispatcher


def dispatcher(app: Flask | None = None) -> Dispatcher:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    settings = app.extensions["settings"]
    if settings.redis_url:
        if "rq" not in app.extensions:
            app.extensions["rq"] = RQDispatcher(settings.redis_url)
        return app.extensions["rq"]
    return InlineDispatcher(lambda: inline_context(app))


def inline_context(app: Flask) -> JobContext:
    """Jobs run in the web process use the app's own database sessions and settings."""
    settings = app.extensions["settings"]
    return JobContext(
        settings=settings,
        sessions=db.state(app).writer,
        mail=mail_settings(settings),
        notify=mail_context(settings),
        dispatcher=InlineDispatcher(lambda: inline_context(app)),
    )


def enqueue(func: Any, *args: Any, queue: str) -> None:
    dispatcher().enqueue(func, *args, queue=queue)


def send_after_commit(email_ids: list[int]) -> None:
    if email_ids:
        enqueue(send_emails, email_ids, queue=MAIL)


def fan_out_after_commit(listing_ids: list[int]) -> None:
    for listing_id in listing_ids:
        enqueue(fan_out_listing, listing_id, queue=ALERTS)


def due_fanouts(organisation_id: int) -> list[int]:
    """A firm's listings whose alerts still have to be checked (after a publish or a move)."""
    stmt = select(Listing.id).where(
        Listing.organisation_id == organisation_id, Listing.fanout_due.is_(True)
    )
    return list(db.session.scalars(stmt))
