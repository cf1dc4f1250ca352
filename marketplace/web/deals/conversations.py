"""Inquiries and conversations: send an inquiry, read and answer, accept, close, reopen.

Members of other firms get 404 for any conversation, whether it exists or not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.services.deals import conversations, message_mail
from marketplace.services.listings.lifecycle import get_visible_listing
from marketplace.services.listings.liveness import is_live
from marketplace.services.reference.validation import ascii_int
from marketplace.web import limits, outcomes
from marketplace.web.deals.common import (
    attempt,
    bp,
    notify,
    page_context,
)
from marketplace.web.deals.forms import (
    InquiryForm,
    MessageForm,
)
from marketplace.web.helpers import (
    form_status,
    options,
)
from marketplace.web.policy import policy
from marketplace.web.presenters.parties import Names
from models.base import swedish_today
from models.conversations import Conversation, Message
from models.listings import Listing

# --- inquiries ----------------------------------------------------------------------------------


def _counterpart_choices(listing: Listing) -> list[Any]:
    own = db.session.scalars(
        select(Listing)
        .where(
            Listing.organisation_id == current_user.organisation_id,
            Listing.direction != listing.direction,
            Listing.kind == listing.kind,
            Listing.status == "published",
        )
        .order_by(Listing.title)
    ).all()
    return options([("", _("None")), *((str(item.id), item.title) for item in own)])


@bp.route("/listings/<int:listing_id>/inquire", methods=["GET", "POST"])
@policy("firm")
def inquire(listing_id: int) -> ResponseReturnValue:
    listing = get_visible_listing(db.session, listing_id=listing_id, viewer=current_user)
    if listing.organisation_id == current_user.organisation_id:
        abort(404)
    existing = conversations.open_conversation_for(
        db.session, listing.id, current_user.organisation_id
    )
    if existing is not None and request.method == "GET":
        return redirect(url_for("deals.conversation", conversation_id=existing.id))
    form = InquiryForm()
    form.counterpart_id.choices = _counterpart_choices(listing)
    counterpart = ascii_int(request.args.get("counterpart"), low=1)
    if request.method == "GET" and counterpart is not None:
        form.counterpart_id.data = str(counterpart)
    valid = form.validate_on_submit()
    refused = valid and limits.refusal("message", user_id=current_user.id)
    if refused:
        form.message.errors = [*form.message.errors, refused]
    elif valid:
        data = conversations.InquiryInput(
            message=form.message.data or "",
            wanted_quantity=form.wanted_quantity.data,
            wanted_from=form.wanted_from.data,
            wanted_until=form.wanted_until.data,
            counterpart_id=ascii_int(form.counterpart_id.data, low=1),
        )
        started = outcomes.attempt(
            lambda: conversations.start_inquiry(
                db.session,
                actor=current_user,
                listing_id=listing.id,
                data=data,
                today=swedish_today(),
            ),
            form=form,
            emails=_inquiry_emails,
            success=_("Your inquiry has been sent."),
        )
        if started:
            conversation, _message = started.value
            return redirect(url_for("deals.conversation", conversation_id=conversation.id), 303)
    return render_template(
        "deals/inquire.html", form=form, listing=listing, live=is_live(listing, swedish_today())
    ), 429 if refused else form_status(form)


def _inquiry_emails(started: tuple[Conversation, Message]) -> list[int]:
    conversation, message = started
    event = "inquiry" if len(conversation.messages) == 1 else "message"
    return notify(conversation, event, f"message:{message.id}", body=message.body)


# --- conversations ---------------------------------------------------------------------------


@bp.get("/messages")
@policy("party")
def inbox() -> ResponseReturnValue:
    everyone = current_user.organisation_id is None or request.args.get("all") == "1"
    rows = conversations.inbox(db.session, actor=current_user, everyone=everyone)
    return render_template(
        "deals/inbox.html",
        rows=[(c, unread, Names(c)) for c, unread in rows],
        everyone=everyone,
        muted=message_mail.muted_conversation_ids(db.session, current_user.id),
    )


def _timeline(conversation: Conversation) -> list[tuple[Any, str, Any]]:
    """Messages and deal changes in the order they happened."""
    items: list[tuple[Any, str, Any]] = [
        (m.created_at, "message", m) for m in conversation.messages
    ]
    for deal in conversation.deals:
        items += [(e.created_at, "event", e) for e in deal.events]
    return sorted(items, key=lambda item: (item[0], item[1] == "message"))


def _conversation_page(
    conversation: Conversation, form: MessageForm, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "deals/conversation.html",
        form=form,
        timeline=_timeline(conversation),
        unread=conversations.unread_count(db.session, current_user) > 0,
        muted=message_mail.is_muted(db.session, current_user.id, conversation.id),
        **page_context(conversation),
    ), status


@bp.get("/messages/<int:conversation_id>")
@policy("party")
def conversation(conversation_id: int) -> ResponseReturnValue:
    found = conversations.get_conversation(
        db.session, actor=current_user, conversation_id=conversation_id
    )
    return _conversation_page(found, MessageForm())


@bp.post("/messages/<int:conversation_id>")
@policy("party")
def post_message(conversation_id: int) -> ResponseReturnValue:
    found = conversations.get_conversation(
        db.session, actor=current_user, conversation_id=conversation_id
    )
    form = MessageForm()
    if form.validate_on_submit():
        refused = limits.refusal("message", user_id=current_user.id)
        if refused:
            form.body.errors = [*form.body.errors, refused]
            return _conversation_page(found, form, 429)
        if outcomes.attempt(
            lambda: conversations.post_message(
                db.session, actor=current_user, conversation_id=found.id, body=form.body.data or ""
            ),
            form=form,
            emails=lambda message: notify(
                found, "message", f"message:{message.id}", body=message.body
            ),
            success=_("Your message has been sent."),
        ):
            return redirect(
                url_for("deals.conversation", conversation_id=found.id) + "#latest", 303
            )
    return _conversation_page(found, form, 422)


@bp.post("/messages/<int:conversation_id>/read")
@policy("party")
def mark_read(conversation_id: int) -> ResponseReturnValue:
    conversations.mark_read(db.session, actor=current_user, conversation_id=conversation_id)
    db.session.commit()
    if request.headers.get("X-Requested-With") == "fetch":
        return "", 204
    return redirect(url_for("deals.conversation", conversation_id=conversation_id), 303)


def _conversation_action(
    conversation_id: int, change: Callable[..., Conversation], event: str, success: str
) -> ResponseReturnValue:
    """One change by a party; others' conversations (and unknown ids) are 404 from the service."""

    def action() -> list[int]:
        found = change(db.session, actor=current_user, conversation_id=conversation_id)
        return notify(found, event, f"{event}:{found.id}:{found.last_activity_at.timestamp()}")

    attempt(action, success)
    return redirect(url_for("deals.conversation", conversation_id=conversation_id), 303)


@bp.post("/messages/<int:conversation_id>/accept")
@policy("party")
def accept_inquiry(conversation_id: int) -> ResponseReturnValue:
    return _conversation_action(
        conversation_id,
        conversations.accept_inquiry,
        "accepted",
        _("The inquiry is accepted: the other firm now sees your firm and site."),
    )


@bp.post("/messages/<int:conversation_id>/close")
@policy("party")
def close(conversation_id: int) -> ResponseReturnValue:
    return _conversation_action(
        conversation_id,
        conversations.close_conversation,
        "closed",
        _("The conversation is closed."),
    )


@bp.post("/messages/<int:conversation_id>/reopen")
@policy("party")
def reopen(conversation_id: int) -> ResponseReturnValue:
    return _conversation_action(
        conversation_id,
        conversations.reopen_conversation,
        "reopened",
        _("The conversation is open again."),
    )


@bp.post("/messages/<int:conversation_id>/mute")
@policy("party")
def mute(conversation_id: int) -> ResponseReturnValue:
    """Mute (muted=1) or unmute the conversation's emails for the current user only."""
    muted = request.form.get("muted") == "1"

    def action() -> list[int]:
        message_mail.set_muted(
            db.session, actor=current_user, conversation_id=conversation_id, muted=muted
        )
        return []

    attempt(
        action,
        _("Muted: you will get no email about this conversation.")
        if muted
        else _("You will get emails about this conversation again."),
    )
    return redirect(url_for("deals.conversation", conversation_id=conversation_id), 303)
