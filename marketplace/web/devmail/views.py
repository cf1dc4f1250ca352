"""The demo's mailbox: emails the file backend wrote, readable without SMTP (development only)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.services.mail.transport import read_mailbox
from marketplace.web.jobs import background
from marketplace.web.policy import policy

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")


@bp.get("")
@policy("development")
def inbox() -> ResponseReturnValue:
    to = request.args.get("to") or None
    messages = read_mailbox(current_app.extensions["settings"].mail_dir, to=to)
    return render_template("devmail/inbox.html", messages=messages[:200], to=to)


@bp.get("/<message_id>")
@policy("development")
def show(message_id: str) -> ResponseReturnValue:
    messages = read_mailbox(current_app.extensions["settings"].mail_dir)
    message = next((m for m in messages if m["id"] == message_id), None)
    if message is None:
        abort(404)
    return render_template("devmail/show.html", message=message)


@bp.get("/<message_id>/html")
@policy("development")
def show_html(message_id: str) -> ResponseReturnValue:
    messages = read_mailbox(current_app.extensions["settings"].mail_dir)
    message = next((m for m in messages if m["id"] == message_id), None)
    if message is None:
        abort(404)
    response = current_app.response_class(message["html"], mimetype="text/html")
    # The email's own HTML, shown as the recipient's client would: no scripts, own origin.
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    return response


@bp.post("/run/<job>")
@policy("development")
def run(job: str) -> ResponseReturnValue:
    """Demo without a scheduler: run a periodic job now (digests, message summaries, sweep)."""
    if not background().run_periodic(job):
        abort(404)
    flash(_("Done. New emails, if any, are listed below."), "success")
    return redirect(url_for("devmail.inbox"), code=303)
