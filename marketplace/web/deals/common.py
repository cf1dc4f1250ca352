"""Shared by the conversation and deal pages: the blueprint, emails with the commit, and how
the viewer sees the two firms (anonymity)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash
from flask_login import current_user

from marketplace.extensions import db
from marketplace.services.deals import conversations
from marketplace.services.deals.deal_mail import queue_conversation_emails
from marketplace.services.errors import Forbidden
from marketplace.web import outcomes
from marketplace.web.helpers import (
    translate,
)
from marketplace.web.jobs import mail_context
from marketplace.web.presenters.labels import DEAL_LABELS
from marketplace.web.presenters.parties import Names
from models.conversations import Conversation

bp = Blueprint("deals", __name__)

# --- emails and commits ----------------------------------------------------------------------


def notify(conversation: Conversation, event: str, key: str, **details: Any) -> list[int]:
    """Queue the event's emails in the current transaction; their ids for after the commit."""
    return queue_conversation_emails(
        db.session, mail_context(), conversation, current_user, event, key=key, **details
    )


def attempt(action: Callable[[], list[int]], success: str) -> bool:
    """Run a state change that queues its emails (their ids, sent after the commit); rule
    violations and refusals are flashed, nothing is kept."""
    try:
        done = outcomes.attempt(action, emails=lambda email_ids: email_ids, success=success)
    except Forbidden as error:
        db.session.rollback()
        flash(translate(error.message), "error")
        return False
    return done is not None


# --- naming parties (anonymity) ---------------------------------------------------------------


def page_context(conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation": conversation,
        "side": conversations.side_of(current_user, conversation),
        "names": Names(conversation),
        "revealed": conversations.identity_revealed(conversation),
        "labels": DEAL_LABELS,
    }
