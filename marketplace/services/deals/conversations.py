"""Inquiries and conversations between two firms about a listing; who may see them; unread.

Only members of the two firms and regional staff (and administrators) reach a conversation;
anyone else gets "not found", the same answer as for an id that does not exist. The listing's
firm sees the inquirer from the start; for an anonymous listing the inquirer sees the listing's
firm and site only once that firm has accepted the inquiry (or proposed or agreed a deal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from marketplace.services.errors import N_, DomainError, Forbidden, NotFound
from marketplace.services.listings.liveness import is_live
from models.accounts import User
from models.base import utcnow
from models.conversations import Conversation, ConversationRead, Message
from models.listings import Listing

MAX_MESSAGE = 5000


def is_staff(actor: User) -> bool:
    return bool(actor.is_staff or actor.is_admin)


def may_see(actor: User, org_ids: tuple[int, int]) -> bool:
    return is_staff(actor) or (
        actor.organisation_id is not None and actor.organisation_id in org_ids
    )


def get_conversation(session: Session, *, actor: User, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or not may_see(actor, conversation.org_ids):
        raise NotFound()
    return conversation


def is_party(actor: User, conversation: Conversation) -> bool:
    """A member of one of the two firms (staff who are not in either firm are observers)."""
    return actor.organisation_id is not None and actor.organisation_id in conversation.org_ids


def side_of(actor: User, conversation: Conversation) -> str | None:
    """'listing' or 'inquirer' for members of the two firms, None for staff."""
    if actor.organisation_id == conversation.listing_org_id:
        return "listing"
    if actor.organisation_id == conversation.inquirer_org_id:
        return "inquirer"
    return None


def identity_revealed(conversation: Conversation) -> bool:
    """Whether the inquirer may see the listing's firm and exact site."""
    return not conversation.listing.is_anonymous or conversation.accepted_at is not None


def revealed_to(session: Session, listing: Listing, viewer: User | None) -> bool:
    """Whether the viewer's firm has an accepted inquiry on this (anonymous) listing."""
    if viewer is None or viewer.organisation_id is None or not listing.is_anonymous:
        return False
    stmt = select(Conversation.id).where(
        Conversation.listing_id == listing.id,
        Conversation.inquirer_org_id == viewer.organisation_id,
        Conversation.accepted_at.is_not(None),
    )
    return session.scalar(stmt.limit(1)) is not None


# --- naming the parties (anonymity) -----------------------------------------------------------

Translate = Callable[..., str]  # (msgid, **params) -> text: the web's or an email's gettext

HIDDEN_FIRM = N_("The firm behind the listing")
STAFF_FIRM = N_("Regional staff")
STAFF_PERSON = N_("%(name)s (regional staff)")
FORMER_MEMBER = N_("A former member")


def hidden_from(conversation: Conversation, viewer_org_id: int | None) -> bool:
    """Whether the viewer's firm is the inquirer, not yet allowed to see the listing's firm."""
    return (
        viewer_org_id == conversation.inquirer_org_id
        and viewer_org_id != conversation.listing_org_id
        and not identity_revealed(conversation)
    )


class PartyNames:
    """How one viewer names the firms and people of a conversation, on pages, in the API and in
    emails: the inquirer sees an anonymous listing's firm (and who in it acts) only once that
    firm accepts, which a staff introduction does; the listing's firm and staff see every name.
    The viewer is a firm's id (None for staff outside both firms); `translate` gives the texts
    in the viewer's language."""

    def __init__(
        self, conversation: Conversation, viewer_org_id: int | None, translate: Translate
    ) -> None:
        self.hidden = hidden_from(conversation, viewer_org_id)
        self.listing_org_id = conversation.listing_org_id
        self.names = {
            conversation.listing_org_id: conversation.listing_org.name,
            conversation.inquirer_org_id: conversation.inquirer_org.name,
        }
        self.translate = translate

    def firm(self, org_id: int | None) -> str:
        """A firm of the conversation; None stands for regional staff."""
        if org_id is None:
            return self.translate(STAFF_FIRM)
        if self.hidden and org_id == self.listing_org_id:
            return self.translate(HIDDEN_FIRM)
        return self.names.get(org_id, "")

    def person(self, org_id: int | None, person: User | None) -> str:
        """The author of a message or change: "Name, Firm" or "Name (regional staff)"."""
        known = person is not None and person.deleted_at is None
        name = person.name if known and person is not None else self.translate(FORMER_MEMBER)
        if org_id is None:
            return self.translate(STAFF_PERSON, name=name)
        if self.hidden and org_id == self.listing_org_id:
            return self.firm(org_id)
        firm = self.firm(org_id)
        return f"{name}, {firm}" if firm else name


# --- inquiries and messages -------------------------------------------------------------------


@dataclass(frozen=True)
class InquiryInput:
    message: str
    wanted_quantity: Decimal | None = None
    wanted_from: date | None = None
    wanted_until: date | None = None
    counterpart_id: int | None = None  # the inquirer's own listing, when inquiring from a match


def _clean_body(body: str, field: str = "body") -> str:
    text = body.strip()
    if not text:
        raise DomainError(N_("Write a message."), field=field)
    if len(text) > MAX_MESSAGE:
        raise DomainError(N_("Use at most %(n)d characters."), field=field, n=MAX_MESSAGE)
    return text


def _counterpart(
    session: Session, actor: User, listing: Listing, listing_id: int | None
) -> int | None:
    if listing_id is None:
        return None
    own = session.get(Listing, listing_id)
    if (
        own is None
        or own.organisation_id != actor.organisation_id
        or own.direction == listing.direction
        or own.kind != listing.kind
    ):
        raise DomainError(
            N_("Choose one of your firm's listings that fits."), field="counterpart_id"
        )
    return own.id


def open_conversation_for(
    session: Session, listing_id: int, organisation_id: int
) -> Conversation | None:
    stmt = select(Conversation).where(
        Conversation.listing_id == listing_id,
        Conversation.inquirer_org_id == organisation_id,
        Conversation.status == "open",
    )
    return session.scalars(stmt.order_by(Conversation.id.desc()).limit(1)).first()


def start_inquiry(
    session: Session, *, actor: User, listing_id: int, data: InquiryInput, today: date
) -> tuple[Conversation, Message]:
    """An inquiry: opens a conversation (or adds to the firm's open one on this listing)."""
    if actor.organisation_id is None:
        raise Forbidden(N_("Only members of a firm can send inquiries."))
    listing = session.get(Listing, listing_id)
    if listing is None or listing.status == "draft":
        raise NotFound()
    if listing.organisation_id == actor.organisation_id:
        raise DomainError(N_("This is your own firm's listing."))
    if not is_live(listing, today):
        raise DomainError(N_("This listing is no longer available."))
    body = _clean_body(data.message, "message")
    if data.wanted_quantity is not None and not Decimal(0) < data.wanted_quantity <= Decimal(
        "1000000000"
    ):
        raise DomainError(
            N_("Enter a quantity above zero and below one billion."), field="wanted_quantity"
        )
    if data.wanted_from and data.wanted_until and data.wanted_until < data.wanted_from:
        raise DomainError(
            N_("The end date must be on or after the start date."), field="wanted_until"
        )
    counterpart_id = _counterpart(session, actor, listing, data.counterpart_id)
    conversation = open_conversation_for(session, listing.id, actor.organisation_id)
    if conversation is None:
        conversation = Conversation(
            listing_id=listing.id,
            listing_org_id=listing.organisation_id,
            inquirer_org_id=actor.organisation_id,
            started_by_id=actor.id,
        )
        session.add(conversation)
    conversation.counterpart_id = counterpart_id or conversation.counterpart_id
    conversation.wanted_quantity = data.wanted_quantity or conversation.wanted_quantity
    conversation.wanted_from = data.wanted_from or conversation.wanted_from
    conversation.wanted_until = data.wanted_until or conversation.wanted_until
    session.flush()
    return conversation, add_message(session, conversation, actor, body)


def add_message(session: Session, conversation: Conversation, actor: User, body: str) -> Message:
    party = is_party(actor, conversation)
    message = Message(
        conversation_id=conversation.id,
        author_id=actor.id,
        author_org_id=actor.organisation_id if party else None,
        as_staff=not party,
        body=body,
    )
    session.add(message)
    touch(session, conversation, actor)
    session.flush()
    return message


def touch(
    session: Session, conversation: Conversation, actor: User, now: datetime | None = None
) -> None:
    """Record activity (a message or a deal change): unread for everyone but the actor."""
    now = now or utcnow()
    conversation.last_activity_at = now
    conversation.last_activity_by_id = actor.id
    _set_read(session, conversation.id, actor.id, now)


def post_message(session: Session, *, actor: User, conversation_id: int, body: str) -> Message:
    conversation = get_conversation(session, actor=actor, conversation_id=conversation_id)
    if not conversation.is_open:
        raise DomainError(N_("The conversation is closed."))
    return add_message(session, conversation, actor, _clean_body(body))


def accept_inquiry(session: Session, *, actor: User, conversation_id: int) -> Conversation:
    """The listing's firm accepts: an anonymous listing's firm and site become visible."""
    conversation = get_conversation(session, actor=actor, conversation_id=conversation_id)
    if side_of(actor, conversation) != "listing":
        raise Forbidden(N_("Only the listing's firm can accept the inquiry."))
    if conversation.accepted_at is None:
        mark_accepted(conversation, actor)
        touch(session, conversation, actor)
    return conversation


def mark_accepted(conversation: Conversation, actor: User) -> None:
    conversation.accepted_at = utcnow()
    conversation.accepted_by_id = actor.id


def close_conversation(session: Session, *, actor: User, conversation_id: int) -> Conversation:
    conversation = get_conversation(session, actor=actor, conversation_id=conversation_id)
    if not is_party(actor, conversation):
        raise Forbidden(N_("Only the two firms can close the conversation."))
    if conversation.is_open:
        conversation.status = "closed"
        conversation.closed_at = utcnow()
        conversation.closed_by_id = actor.id
        touch(session, conversation, actor)
    return conversation


def reopen_conversation(session: Session, *, actor: User, conversation_id: int) -> Conversation:
    conversation = get_conversation(session, actor=actor, conversation_id=conversation_id)
    if not is_party(actor, conversation):
        raise Forbidden(N_("Only the two firms can reopen the conversation."))
    if not conversation.is_open:
        conversation.status = "open"
        conversation.closed_at = None
        touch(session, conversation, actor)
    return conversation


# --- read markers and the inbox ---------------------------------------------------------------


def _set_read(session: Session, conversation_id: int, user_id: int, now: datetime) -> None:
    marker = session.scalars(
        select(ConversationRead).where(
            ConversationRead.conversation_id == conversation_id,
            ConversationRead.user_id == user_id,
        )
    ).first()
    if marker is None:
        session.add(ConversationRead(conversation_id=conversation_id, user_id=user_id, read_at=now))
    elif marker.read_at < now:
        marker.read_at = now


def mark_read(session: Session, *, actor: User, conversation_id: int) -> None:
    conversation = get_conversation(session, actor=actor, conversation_id=conversation_id)
    _set_read(session, conversation.id, actor.id, max(utcnow(), conversation.last_activity_at))


def _unread_condition(actor: User) -> ColumnElement[bool]:
    return and_(
        or_(
            ConversationRead.read_at.is_(None),
            ConversationRead.read_at < Conversation.last_activity_at,
        ),
        or_(
            Conversation.last_activity_by_id.is_(None), Conversation.last_activity_by_id != actor.id
        ),
    )


def _with_reads(actor: User) -> tuple[type[ConversationRead], ColumnElement[bool]]:
    return (
        ConversationRead,
        and_(
            ConversationRead.conversation_id == Conversation.id,
            ConversationRead.user_id == actor.id,
        ),
    )


def inbox(
    session: Session, *, actor: User, everyone: bool = False, limit: int = 200
) -> list[tuple[Conversation, bool]]:
    """The actor's firm's conversations, newest activity first, each with whether it is unread.
    Staff see every conversation when `everyone` is set."""
    stmt = select(Conversation, _unread_condition(actor)).outerjoin(*_with_reads(actor))
    if not (everyone and is_staff(actor)):
        if actor.organisation_id is None:
            return []
        org = actor.organisation_id
        stmt = stmt.where(
            or_(Conversation.listing_org_id == org, Conversation.inquirer_org_id == org)
        )
    stmt = stmt.order_by(Conversation.last_activity_at.desc(), Conversation.id.desc()).limit(limit)
    return [(conversation, bool(unread)) for conversation, unread in session.execute(stmt)]


def unread_count(session: Session, actor: User) -> int:
    """How many of the actor's firm's conversations have news the actor has not read."""
    if actor.organisation_id is None:
        return 0
    org = actor.organisation_id
    stmt = (
        select(func.count())
        .select_from(Conversation)
        .outerjoin(*_with_reads(actor))
        .where(
            or_(Conversation.listing_org_id == org, Conversation.inquirer_org_id == org),
            _unread_condition(actor),
        )
    )
    return int(session.scalar(stmt) or 0)


def members_to_notify(session: Session, org_ids: list[int], *, exclude: int | None) -> list[User]:
    """Active, verified members of the given firms (not the person who acted, nor a deleted
    account)."""
    stmt = select(User).where(
        User.organisation_id.in_(org_ids),
        User.active.is_(True),
        User.deleted_at.is_(None),
        User.email_verified_at.is_not(None),
    )
    if exclude is not None:
        stmt = stmt.where(User.id != exclude)
    return list(session.scalars(stmt.order_by(User.id)))
