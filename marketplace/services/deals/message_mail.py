"""Who gets an email about what happens in a conversation: mutes and the daily-summary choice.

- A person can mute one conversation: no email about it at all (messages, acceptance, closing,
  deal terms, deliveries); the inbox and the unread count still show it. Colleagues who have
  not muted it are emailed as before.
- A person chooses an email per message (`each`, the default) or one summary a day (`daily`,
  `services.message_summaries`). The choice covers messages (an inquiry is one); changes of state
  (accepted, closed, reopened, deal proposed, countered, agreed, cancelled, deliveries to confirm
  or disputed, an introduction by regional staff) are rare and often wait for the person's answer,
  so they are emailed at once either way, unless the conversation is muted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from marketplace.services.deals.conversations import get_conversation, is_party
from marketplace.services.deals.message_summaries import summarise
from marketplace.services.errors import N_, DomainError, Forbidden
from marketplace.services.mail.context import MailContext
from models.accounts import User
from models.conversations import Conversation, ConversationMute

MESSAGE_MAIL = ("each", "daily")
SUMMARISED_EVENTS = frozenset({"inquiry", "message"})  # what `daily` gathers into the summary


def muted_user_ids(session: Session, conversation_id: int) -> set[int]:
    stmt = select(ConversationMute.user_id).where(
        ConversationMute.conversation_id == conversation_id
    )
    return set(session.scalars(stmt))


def muted_conversation_ids(session: Session, user_id: int) -> set[int]:
    stmt = select(ConversationMute.conversation_id).where(ConversationMute.user_id == user_id)
    return set(session.scalars(stmt))


def is_muted(session: Session, user_id: int, conversation_id: int) -> bool:
    return conversation_id in muted_conversation_ids(session, user_id)


def wanting_email(
    session: Session, conversation: Conversation, users: Iterable[User], event: str
) -> list[User]:
    """The people among `users` who want an email of their own about `event` now."""
    muted = muted_user_ids(session, conversation.id)
    summarised = event in SUMMARISED_EVENTS
    return [
        user
        for user in users
        if user.id not in muted and not (summarised and user.message_mail == "daily")
    ]


def set_muted(session: Session, *, actor: User, conversation_id: int, muted: bool) -> Conversation:
    """Mute or unmute a conversation for the actor (a member of one of the two firms)."""
    conversation = get_conversation(session, actor=actor, conversation_id=conversation_id)
    if not is_party(actor, conversation):
        raise Forbidden(N_("Only members of the two firms get emails about a conversation."))
    if muted:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(ConversationMute)
            .values(conversation_id=conversation.id, user_id=actor.id)
            .on_conflict_do_nothing(index_elements=["conversation_id", "user_id"])
        )
    else:
        session.execute(
            delete(ConversationMute).where(
                ConversationMute.conversation_id == conversation.id,
                ConversationMute.user_id == actor.id,
            )
        )
    return conversation


def set_message_mail(
    session: Session, ctx: MailContext, user: User, choice: str, *, now: datetime
) -> int | None:
    """Save the choice. Going daily starts the summary window now; going back to an email per
    message sends what has come since the last summary at once (nothing waits for a summary
    that will no longer come). The id of that email, if one was queued."""
    if choice not in MESSAGE_MAIL:
        raise DomainError(N_("Choose how to hear about new messages."), field="message_mail")
    if choice == user.message_mail:
        return None
    user.message_mail = choice
    if choice == "daily":
        user.messages_summarised_until = now
        return None
    since = user.messages_summarised_until
    if since is None:
        return None
    email_id = summarise(
        session,
        ctx,
        user,
        key=f"messages:final:{user.id}:{int(since.timestamp())}",
        since=since,
        until=now,
        now=now,
    )
    user.messages_summarised_until = None
    return email_id
