"""A daily summary of new messages, for people who chose it over an email per message.

One email per person and day (outbox key `messages:daily:<day>:<user>`), from 07:00 Swedish
time like the alert digests. It lists the conversations of the person's firm with messages from
the other firm (or regional staff) that arrived since `User.messages_summarised_until` and that
the person has not read; muted conversations, their own firm's messages and messages already
emailed to them (a staff introduction) are left out. Queuing the email and advancing
`messages_summarised_until` happen in one commit, so a second run the same day finds nothing
new, and the key makes a concurrent run create nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from marketplace.services.deals.conversations import PartyNames
from marketplace.services.mail import links, outbox
from marketplace.services.mail.compose import TIMEZONE, render_email, translate
from marketplace.services.mail.context import MailContext
from marketplace.services.mail.periods import DIGEST_HOUR
from models.accounts import User
from models.conversations import Conversation, ConversationMute, ConversationRead, Message
from models.outbox import OutboxEmail

# A message stamped this shortly before a run may not be committed yet: it waits a day rather
# than being skipped for good.
GRACE = timedelta(minutes=2)
FIRST_WINDOW = timedelta(days=1)  # no summary yet and no starting point: the last day
EXCERPT = 300
CHUNK = 200


@dataclass(frozen=True)
class NewMessages:
    """One conversation's messages the person has not had: how many, and the latest."""

    conversation: Conversation
    count: int
    latest: Message
    new_conversation: bool  # opened in the window (a new inquiry or introduction)


def period_start(period: str) -> datetime:
    """When a day's summary period starts (07:00 Swedish time), in UTC."""
    local = datetime.combine(date.fromisoformat(period), time(DIGEST_HOUR), ZoneInfo(TIMEZONE))
    return local.astimezone(UTC)


def new_messages(
    session: Session, user: User, *, since: datetime, until: datetime
) -> list[NewMessages]:
    """The conversations with messages for `user` in (since, until], latest activity first."""
    org = user.organisation_id
    if org is None:
        return []
    stmt = (
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .outerjoin(
            ConversationRead,
            and_(
                ConversationRead.conversation_id == Message.conversation_id,
                ConversationRead.user_id == user.id,
            ),
        )
        .outerjoin(
            ConversationMute,
            and_(
                ConversationMute.conversation_id == Message.conversation_id,
                ConversationMute.user_id == user.id,
            ),
        )
        .where(
            or_(Conversation.listing_org_id == org, Conversation.inquirer_org_id == org),
            Message.created_at > since,
            Message.created_at <= until,
            or_(Message.author_id.is_(None), Message.author_id != user.id),
            or_(Message.author_org_id.is_(None), Message.author_org_id != org),
            or_(ConversationRead.read_at.is_(None), ConversationRead.read_at < Message.created_at),
            ConversationMute.id.is_(None),
        )
        .order_by(Message.conversation_id, Message.id)
    )
    messages = list(session.scalars(stmt))
    emailed = _already_emailed(session, user, messages)
    grouped: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        if message.id not in emailed:
            grouped[message.conversation_id].append(message)
    found = [
        NewMessages(
            conversation=items[-1].conversation,
            count=len(items),
            latest=items[-1],
            new_conversation=items[-1].conversation.created_at > since,
        )
        for items in grouped.values()
    ]
    return sorted(found, key=lambda n: (n.latest.created_at, n.latest.id), reverse=True)


def _already_emailed(session: Session, user: User, messages: list[Message]) -> set[int]:
    """Messages that went out as an email of their own (e.g. a staff introduction)."""
    keys = {f"message:{m.id}:{user.id}": m.id for m in messages}
    if not keys:
        return set()
    found = session.scalars(select(OutboxEmail.key).where(OutboxEmail.key.in_(list(keys))))
    return {keys[key] for key in found}


def _excerpt(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _item(ctx: MailContext, user: User, found: NewMessages, locale: str) -> dict[str, Any]:
    conversation = found.conversation
    names = PartyNames(conversation, user.organisation_id, partial(translate, locale))
    other = next(org for org in conversation.org_ids if org != user.organisation_id)
    return {
        "title": conversation.listing.title,
        "firm": names.firm(other),
        "count": found.count,
        "new": found.new_conversation,
        "author": names.person(found.latest.author_org_id, found.latest.author),
        "at": found.latest.created_at,
        "excerpt": _excerpt(found.latest.body),
        "url": links.conversation(ctx.base_url, conversation.id),
    }


def summary_envelope(
    ctx: MailContext, user: User, found: list[NewMessages], *, key: str
) -> outbox.Envelope:
    locale = user.locale or "sv"
    items = [_item(ctx, user, entry, locale) for entry in found]
    rendered = render_email(
        "message_summary",
        locale,
        user=user,
        items=items,
        count=sum(entry.count for entry in found),
        settings_url=links.account(ctx.base_url),
    )
    return outbox.Envelope(
        key=key,
        to=user.email,
        purpose="message_summary",
        locale=locale,
        rendered=rendered,
        user_id=user.id,
    )


def summarise(
    session: Session,
    ctx: MailContext,
    user: User,
    *,
    key: str,
    since: datetime,
    until: datetime,
    now: datetime,
) -> int | None:
    """Queue the summary of (since, until] under `key` and advance the user's mark to `until`;
    the new outbox id, or None when there was nothing new or this key was already used."""
    if until <= since:
        return None
    found = new_messages(session, user, since=since, until=until)
    email_id = None
    if found:
        envelope = summary_envelope(ctx, user, found, key=key)
        email_id = outbox.queue(session, envelope, domain=ctx.domain, now=now)
        if email_id is None:
            return None  # another run sent this one; it advanced the mark
    user.messages_summarised_until = until
    return email_id


def due_user_ids(session: Session, period: str) -> list[int]:
    """People on the daily summary whose summary for `period` is still owed."""
    stmt = select(User.id).where(
        User.message_mail == "daily",
        User.active.is_(True),
        User.deleted_at.is_(None),
        User.email_verified_at.is_not(None),
        User.organisation_id.is_not(None),
        or_(
            User.messages_summarised_until.is_(None),
            User.messages_summarised_until < period_start(period),
        ),
    )
    return list(session.scalars(stmt.order_by(User.id)))


def build_chunk(
    session: Session,
    ctx: MailContext,
    user_ids: list[int],
    *,
    period: str,
    now: datetime,
    grace: timedelta = GRACE,
) -> list[int]:
    """Queue the summaries owed to these people (at most `CHUNK` of `due_user_ids`) in the
    caller's transaction; the new outbox ids. The caller commits each chunk, so its emails and
    the advanced marks land together (workers.jobs.mail.build_message_summaries)."""
    created: list[int] = []
    users = session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id))
    for user in users:
        email_id = summarise(
            session,
            ctx,
            user,
            key=f"messages:daily:{period}:{user.id}",
            since=user.messages_summarised_until or now - FIRST_WINDOW,
            until=now - grace,
            now=now,
        )
        if email_id is not None:
            created.append(email_id)
    return created
