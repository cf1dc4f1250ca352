"""Handing work to the background after a commit, and what composing an email needs.

Both are built once by the app factory (`marketplace.web.register_web`): the `Background` that
enqueues jobs (RQ with REDIS_URL, else run in this process) and the `MailContext` services use to
compose emails. Views reach them only through these functions.
"""

from __future__ import annotations

from typing import Protocol, cast

from flask import current_app
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.services.mail.context import MailContext
from marketplace.services.matching.stored import due_ids
from models.listings import Listing

DUE_BATCH = 200  # a bulk change leaves the rest to the sweep


class Background(Protocol):
    """The jobs the web asks for (`workers.background.Background`)."""

    def send_emails(self, email_ids: list[int]) -> None: ...

    def fan_out(self, listing_ids: list[int]) -> None: ...

    def refresh_matches(self, listing_ids: list[int]) -> None: ...

    def run_export(self, job_id: int) -> None: ...

    def run_periodic(self, name: str) -> bool: ...


def background() -> Background:
    return cast(Background, current_app.extensions["background"])


def mail_context() -> MailContext:
    return cast(MailContext, current_app.extensions["mail_context"])


def send_after_commit(email_ids: list[int]) -> None:
    background().send_emails(email_ids)


def fan_out_after_commit(listing_ids: list[int]) -> None:
    background().fan_out(listing_ids)


def due_fanouts(organisation_id: int) -> list[int]:
    """A firm's listings whose alerts still have to be checked (after a publish or a move)."""
    stmt = select(Listing.id).where(
        Listing.organisation_id == organisation_id, Listing.fanout_due.is_(True)
    )
    return list(db.session.scalars(stmt))


def refresh_matches_after_request() -> None:
    """Hand the listings whose match lists are due to the job (after a state change).

    The request's own transaction ends before the job runs: the view has committed what it
    meant to, and an inline job must not run inside a transaction the teardown rolls back."""
    with db.session.no_autoflush:
        ids = due_ids(db.session, limit=DUE_BATCH)
    db.session.rollback()
    background().refresh_matches(ids)
