"""One state change in the request's transaction, as every view runs it.

The change runs; a rule it breaks (a `DomainError`) rolls the transaction back and is shown
beside the fields of the form it came from, or flashed when there is no form. Otherwise the
emails it queued are read, the transaction is committed, the work that has to wait for the commit
is handed on (emails, alert fan-out) and the success message is flashed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash, redirect
from werkzeug.wrappers import Response

from marketplace.extensions import db
from marketplace.services.errors import DomainError
from marketplace.web.helpers import attach_domain_error, flash_domain_error
from marketplace.web.inputs import Form
from marketplace.web.jobs import send_after_commit

T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    """A change that went through and was committed, with what the service returned."""

    value: T


def attempt(
    change: Callable[[], T],
    *,
    form: Form | None = None,
    emails: Callable[[T], list[int]] | None = None,
    after_commit: Callable[[T], object] | None = None,
    success: str | Callable[[T], str] | None = None,
    category: str = "success",
) -> Done[T] | None:
    """Run `change` (a service call on `db.session`); `None` when a rule refused it.

    `emails` queues the change's emails in the same transaction (their ids are sent after the
    commit); `after_commit` gets the value once it is committed; `success` (a message, or one
    made from the value) is flashed last, in `category`.
    """
    try:
        value = change()
    except DomainError as error:
        db.session.rollback()
        if form is None:
            flash_domain_error(error)
        else:
            attach_domain_error(form, error)
        return None
    email_ids = emails(value) if emails is not None else []
    db.session.commit()
    send_after_commit(email_ids)
    if after_commit is not None:
        after_commit(value)
    if success is not None:
        flash(success(value) if callable(success) else success, category)
    return Done(value)


def checked(form: Form, rules: Callable[[], object]) -> bool:
    """Whether a submission may go to the service. When a field does not parse, `rules` (the
    service's checks, on what did parse) still run, so every error shows at once; nothing is
    saved."""
    if not form.is_submitted():
        return False
    if form.validate():
        return True
    try:
        rules()
    except DomainError as error:
        attach_domain_error(form, error, beside_shape=False)
    return False


def attempt_and_redirect(
    change: Callable[[], T],
    location: str,
    *,
    after_commit: Callable[[T], object] | None = None,
    success: str | Callable[[T], str] | None = None,
) -> Response:
    """`attempt` for a button: whatever came of it, back to `location` (303, a fresh GET)."""
    attempt(change, after_commit=after_commit, success=success)
    return redirect(location, code=303)
