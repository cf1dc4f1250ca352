"""A person's own data (GDPR articles 15, 17 and 20): everything held about them as JSON, and
deleting their account.

Deletion keeps the firm's business records (listings, conversations, deals, deliveries) under
the firm, so the region's realised figures do not change; what identifies the person goes: the
account row stays only as an anonymous tombstone (so "who did this" reads "a former member"),
their subscriptions, notifications, sign-ins and emails are deleted, and their name and address
are cut out of free text that others wrote or that was sent about them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from marketplace.services.accounts import audit
from marketplace.services.accounts.security import verify_password
from marketplace.services.errors import N_, DomainError
from models.accounts import AuditEntry, Invitation, OrgRole, SignIn, User, new_session_token
from models.alerts import AlertSubscription, Notification
from models.base import Base, utcnow
from models.conversations import Conversation, ConversationMute, ConversationRead, Message
from models.deals import DealEvent
from models.deliveries import Delivery
from models.facilitation import FirmNote, ListingReport
from models.impact import StoredEstimate
from models.listings import Listing
from models.organisations import Organisation
from models.outbox import OutboxEmail

EXPORT_VERSION = 1
SECRET_COLUMNS = frozenset({"password_hash", "session_token"})
REMOVED = "[…]"  # what a deleted person's name or address becomes inside others' text
MIN_NAME_TO_SCRUB = 3  # shorter names would cut ordinary words out of other people's text


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: Base, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {
        column.key: _value(getattr(obj, column.key))
        for column in obj.__table__.columns
        if column.key not in SECRET_COLUMNS | skip
    }


def _all(session: Session, model: type[Base], *conditions: Any) -> list[Any]:
    return list(session.scalars(select(model).where(*conditions).order_by(model.id)))  # type: ignore[attr-defined]


def export_user_data(session: Session, user: User) -> dict[str, Any]:
    """Everything the service holds about `user`, in a documented, machine-readable shape."""
    organisation = user.organisation
    messages = session.execute(
        select(Message, Listing.id, Listing.title)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Listing, Listing.id == Conversation.listing_id)
        .where(Message.author_id == user.id)
        .order_by(Message.id)
    ).all()
    emails = _all(
        session,
        OutboxEmail,
        or_(OutboxEmail.user_id == user.id, OutboxEmail.to_address == user.email),
    )
    return {
        "format": "symbiosis-marketplace personal data export",
        "version": EXPORT_VERSION,
        "exported_at": _value(utcnow()),
        "profile": _row(user),
        "membership": (
            {
                "organisation_id": organisation.id,
                "organisation_name": organisation.name,
                "org_number": organisation.org_number,
                "role": user.org_role,
            }
            if organisation is not None
            else None
        ),
        "sign_ins": [_row(s) for s in _all(session, SignIn, SignIn.user_id == user.id)],
        "messages": [
            {**_row(message), "listing_id": listing_id, "listing_title": title}
            for message, listing_id, title in messages
        ],
        "alert_subscriptions": [
            _row(a) for a in _all(session, AlertSubscription, AlertSubscription.user_id == user.id)
        ],
        "notifications": [
            _row(n) for n in _all(session, Notification, Notification.user_id == user.id)
        ],
        "muted_conversations": [
            m.conversation_id
            for m in _all(session, ConversationMute, ConversationMute.user_id == user.id)
        ],
        "emails": [_row(e, skip=frozenset({"headers"})) for e in emails],
        "invitations_sent": [
            _row(i) for i in _all(session, Invitation, Invitation.invited_by_id == user.id)
        ],
        "invitations_received": [
            _row(i) for i in _all(session, Invitation, Invitation.email == user.email)
        ],
        "listings_created": [
            {"id": listing.id, "title": listing.title, "status": listing.status}
            for listing in _all(session, Listing, Listing.created_by_id == user.id)
        ],
        "deal_actions": [
            _row(e, skip=frozenset({"terms_json"}))
            for e in _all(session, DealEvent, DealEvent.actor_id == user.id)
        ],
        "deliveries_logged": [
            d.id for d in _all(session, Delivery, Delivery.logged_by_id == user.id)
        ],
        "listing_reports": [
            _row(r) for r in _all(session, ListingReport, ListingReport.reporter_id == user.id)
        ],
        "firm_notes_written": [
            _row(n) for n in _all(session, FirmNote, FirmNote.author_id == user.id)
        ],
        "stored_estimates": [
            e.id for e in _all(session, StoredEstimate, StoredEstimate.created_by_id == user.id)
        ],
        "audit_log": [
            {**_row(entry, skip=frozenset({"details"})), "details": audit.details_of(entry)}
            for entry in _all(
                session,
                AuditEntry,
                or_(AuditEntry.actor_id == user.id, AuditEntry.subject_user_id == user.id),
            )
        ],
    }


# --- deletion -------------------------------------------------------------------------------


def _other_owners(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(User.id)).where(
                User.organisation_id == user.organisation_id,
                User.org_role == OrgRole.OWNER,
                User.id != user.id,
            )
        )
        or 0
    )


def _other_members(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(User.id)).where(
                User.organisation_id == user.organisation_id, User.id != user.id
            )
        )
        or 0
    )


def firm_on_deletion(session: Session, user: User) -> str:
    """What deleting `user` means for their firm: "none" (no firm, or another owner stays),
    "hand_over" (other members but no other owner: make one an owner first) or "close" (the
    last member: the firm is closed with the account)."""
    if user.organisation_id is None or user.org_role != OrgRole.OWNER:
        return "none"
    if _other_owners(session, user):
        return "none"
    return "hand_over" if _other_members(session, user) else "close"


def close_firm(session: Session, *, actor: User) -> Organisation:
    """The last member closes the firm: live listings withdrawn, open invitations revoked.

    Its deals and deliveries stay (they are the region's realised exchanges)."""
    organisation = actor.organisation
    if organisation is None or actor.org_role != OrgRole.OWNER:
        raise DomainError(N_("Only the firm's owners can close it."))
    if _other_members(session, actor):
        raise DomainError(N_("Only the firm's last member can close it."))
    now = utcnow()
    for listing in _all(
        session,
        Listing,
        Listing.organisation_id == organisation.id,
        Listing.status.in_(("published", "draft")),
    ):
        listing.status = "closed"
        listing.closed_at = now
    for invitation in _all(
        session,
        Invitation,
        Invitation.organisation_id == organisation.id,
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
    ):
        invitation.revoked_at = now
    organisation.closed_at = now
    audit.record(session, "firm_closed", actor=actor, organisation_id=organisation.id)
    return organisation


def _scrub(text: str | None, needles: list[str]) -> str | None:
    if not text:
        return text
    for needle in needles:
        if needle.casefold() in text.casefold():
            lowered, out, start = text.casefold(), [], 0
            while (at := lowered.find(needle.casefold(), start)) != -1:
                out.append(text[start:at] + REMOVED)
                start = at + len(needle)
            text = "".join(out) + text[start:]
    return text


# Free text others wrote or that was sent about the person: (model, text columns).
FREE_TEXT: tuple[tuple[type[Base], tuple[str, ...]], ...] = (
    (Message, ("body",)),
    (OutboxEmail, ("subject", "text", "html")),
    (FirmNote, ("body",)),
    (ListingReport, ("reason",)),
    (DealEvent, ("note",)),
    (Delivery, ("note",)),
    (Organisation, ("contact_email",)),
)


def _scrub_free_text(session: Session, needles: list[str]) -> None:
    for model, columns in FREE_TEXT:
        for needle in needles:
            condition = or_(
                *(
                    func.lower(getattr(model, c)).contains(needle.lower(), autoescape=True)
                    for c in columns
                )
            )
            for obj in session.scalars(select(model).where(condition)):
                for column in columns:
                    setattr(obj, column, _scrub(getattr(obj, column), [needle]))
    for organisation in session.scalars(
        select(Organisation).where(Organisation.contact_email == REMOVED)
    ):
        organisation.contact_email = None


def delete_account(
    session: Session, user: User, *, password: str, close_firm_too: bool = False
) -> None:
    """Delete (anonymise) `user` after checking the password; see the module docstring."""
    if not verify_password(user.password_hash, password):
        raise DomainError(N_("The password is wrong."), field="password")
    if user.is_admin and not session.scalar(
        select(func.count(User.id)).where(
            User.is_admin.is_(True), User.active.is_(True), User.id != user.id
        )
    ):
        raise DomainError(
            N_("You are the only administrator. Make someone else an administrator first.")
        )
    firm = firm_on_deletion(session, user)
    if firm == "hand_over":
        raise DomainError(
            N_(
                "You are the last owner of %(firm)s. Make another member an owner under My firm "
                "→ Members first, or remove the other members and close the firm."
            ),
            firm=user.organisation.name if user.organisation else "",
        )
    if firm == "close":
        if not close_firm_too:
            raise DomainError(
                N_("Tick the box to close the firm together with your account."),
                field="close_firm",
            )
        close_firm(session, actor=user)
    organisation_id = user.organisation_id
    email, name = user.email, user.name.strip()
    session.flush()

    for model in (SignIn, AlertSubscription, Notification, ConversationRead, ConversationMute):
        for obj in _all(session, model, model.user_id == user.id):
            session.delete(obj)
    for email_row in _all(
        session, OutboxEmail, or_(OutboxEmail.user_id == user.id, OutboxEmail.to_address == email)
    ):
        session.delete(email_row)
    for invitation in _all(session, Invitation, Invitation.email == email):
        session.delete(invitation)
    session.flush()
    needles = [email] + ([name] if len(name) >= MIN_NAME_TO_SCRUB else [])
    _scrub_free_text(session, needles)

    user.email = f"deleted-{user.id}@deleted.invalid"
    user.name = ""
    user.password_hash = "!"  # noqa: S105  # never a valid hash: no password opens it
    user.session_token = new_session_token()
    user.active = False
    user.deleted_at = utcnow()
    user.deactivated_at = None
    user.email_verified_at = None
    user.last_login_at = None
    user.locale = None
    user.is_staff = False
    user.is_admin = False
    user.organisation_id = None
    user.org_role = None
    user.alerts_muted = True
    user.messages_summarised_until = None
    audit.record(
        session, "account_deleted", actor=user, subject=user, organisation_id=organisation_id
    )
    session.flush()
