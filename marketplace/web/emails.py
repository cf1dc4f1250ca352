"""Account emails (verify, reset, invite): rendered in the recipient's language, queued in the
outbox with the request's commit, and delivered by the mail job."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, url_for

from marketplace.extensions import db
from marketplace.services.accounts import users
from marketplace.services.accounts.security import make_token
from marketplace.services.mail import outbox
from marketplace.services.mail.compose import render_email
from marketplace.services.mail.transport import sender_domain
from marketplace.web.helpers import locale as current_locale
from marketplace.web.jobs import send_after_commit
from models.accounts import User


def signed_url(endpoint: str, purpose: str, payload: dict[str, object]) -> str:
    token = make_token(current_app.config["SECRET_KEY"], purpose, payload)
    base = current_app.extensions["settings"].base_url.rstrip("/")
    return base + url_for(endpoint, token=token)


def send_templated(
    *, to: str, locale: str, template: str, purpose: str, user_id: int | None = None, **context: Any
) -> bool:
    """Queue emails/<template> in `locale`, commit, and hand it to the mail job."""
    settings = current_app.extensions["settings"]
    envelope = outbox.Envelope(
        key=f"{purpose}:{uuid.uuid4().hex}",  # each request for such a link is its own email
        to=to,
        purpose=purpose,
        locale=locale,
        rendered=render_email(template, locale, **context),
        user_id=user_id,
    )
    email_id = outbox.queue(
        db.session, envelope, domain=sender_domain(settings.mail_default_sender)
    )
    db.session.commit()
    send_after_commit([email_id] if email_id is not None else [])
    return True


def send_verification(user: User) -> None:
    _send_link(
        user, "verify", signed_url("auth.verify", "verify", users.verification_payload(user))
    )


def send_reset(user: User) -> None:
    url = signed_url("auth.reset_password", "reset", users.reset_payload(user))
    _send_link(user, "reset", url)


def _send_link(user: User, purpose: str, url: str) -> None:
    """An account email whose template is named by its purpose, with the signed link."""
    send_templated(
        to=user.email,
        locale=user.locale or current_locale(),
        template=purpose,
        purpose=purpose,
        user=user,
        url=url,
    )
