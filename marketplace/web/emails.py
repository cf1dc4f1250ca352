"""Rendering account emails in the recipient's language and handing them to the mailer."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from marketplace.services.mail import MailSettings, OutgoingEmail, send_email
from marketplace.services.security import make_token

log = logging.getLogger(__name__)


def mail_settings() -> MailSettings:
    s = current_app.extensions["settings"]
    return MailSettings(
        backend=s.mail_backend,
        sender=s.mail_default_sender,
        directory=s.mail_dir,
        server=s.mail_server,
        port=s.mail_port,
        use_tls=s.mail_use_tls,
        use_ssl=s.mail_use_ssl,
        username=s.mail_username,
        password=s.mail_password,
    )


def signed_url(endpoint: str, purpose: str, payload: dict[str, object]) -> str:
    token = make_token(current_app.config["SECRET_KEY"], purpose, payload)
    base = current_app.extensions["settings"].base_url.rstrip("/")
    return base + url_for(endpoint, token=token)


def send_templated(*, to: str, locale: str, template: str, purpose: str, **context: Any) -> bool:
    """Render emails/<template>.{txt,html} in `locale` and send; False (logged) on failure."""
    with force_locale(locale):
        subject = render_template(f"emails/{template}.subject.txt", **context).strip()
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", subject=subject, **context)
        failed_message = _("We could not send the email just now. Please try again later.")
    try:
        send_email(
            mail_settings(),
            OutgoingEmail(to=to, subject=subject, text=text, html=html, purpose=purpose),
        )
    except OSError:
        log.exception("sending %s email failed", purpose)
        from flask import flash

        flash(failed_message, "error")
        return False
    return True
