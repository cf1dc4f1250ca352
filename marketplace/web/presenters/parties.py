"""How the current user sees the people and firms of one conversation (the anonymity rule)."""

from __future__ import annotations

from flask_login import current_user

from marketplace.services.deals import conversations
from marketplace.web.helpers import translate
from models.conversations import Conversation


class Names(conversations.PartyNames):
    """How the current user sees the people and firms of one conversation (anonymity rule)."""

    def __init__(self, conversation: Conversation) -> None:
        super().__init__(conversation, current_user.organisation_id, translate)
