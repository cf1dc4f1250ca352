"""Accounts: registration, login and sessions, verification, password reset, invitations, roles,
deactivation."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.services.accounts import audit
from marketplace.services.accounts.security import (
    hash_password,
)
from marketplace.services.accounts.users import (
    _ensure_email_free,
    check_password_rules,
    find_user_by_email,
    normalise_email,
)
from marketplace.services.errors import N_, DomainError, Forbidden, NotFound
from models.accounts import Invitation, OrgRole, User, new_session_token
from models.base import utcnow
from models.organisations import Organisation

# --- invitations ----------------------------------------------------------------------


def _require_owner(actor: User) -> Organisation:
    if actor.organisation is None or actor.org_role != OrgRole.OWNER:
        raise Forbidden(N_("Only the firm's owners can manage members."))
    return actor.organisation


def invite_member(session: Session, *, actor: User, email: str) -> Invitation:
    """Invite a colleague by email; one open invitation per address and firm."""
    organisation = _require_owner(actor)
    email = normalise_email(email)
    existing = find_user_by_email(session, email)
    if existing is not None and existing.organisation_id == organisation.id:
        raise DomainError(N_("This person is already a member of your firm."), field="email")
    if existing is not None and existing.organisation_id is not None:
        raise DomainError(N_("This person already belongs to another firm."), field="email")
    if _open_invitation_for(session, organisation.id, email) is not None:
        raise _already_invited(email)
    invitation = Invitation(organisation=organisation, email=email, invited_by_id=actor.id)
    try:
        with session.begin_nested():  # the partial unique index decides a concurrent twin
            session.add(invitation)
            session.flush()
    except IntegrityError:
        raise _already_invited(email) from None
    return invitation


def _open_invitation_for(session: Session, organisation_id: int, email: str) -> Invitation | None:
    return session.scalar(
        select(Invitation).where(
            Invitation.organisation_id == organisation_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )


def _already_invited(email: str) -> DomainError:
    return DomainError(
        N_(
            "An invitation to %(email)s is already open. You can send it again or withdraw it "
            "under Open invitations."
        ),
        field="email",
        email=email,
    )


def resend_invitation(session: Session, *, actor: User, invitation_id: int) -> Invitation:
    """The same open invitation, to be sent again (with a fresh link)."""
    organisation = _require_owner(actor)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        raise NotFound()
    if not invitation.is_open:
        raise DomainError(N_("This invitation has already been used or withdrawn."))
    invitation.created_at = utcnow()
    session.flush()
    return invitation


def invitation_payload(invitation: Invitation) -> dict[str, object]:
    return {"iid": invitation.id, "email": invitation.email}


def open_invitation(session: Session, payload: dict[str, object]) -> Invitation:
    invitation = session.get(Invitation, payload.get("iid"))
    if invitation is None or invitation.email != payload.get("email") or not invitation.is_open:
        raise DomainError(N_("This invitation has already been used or withdrawn."))
    return invitation


def accept_invitation(
    session: Session,
    invitation: Invitation,
    *,
    user: User | None = None,
    name: str = "",
    password: str = "",
    locale: str | None = None,
) -> User:
    """Join the inviting firm: an existing firm-less user, or a new account for the address."""
    if user is None:
        _ensure_email_free(session, invitation.email)
        check_password_rules(password, invitation.email)
        user = User(
            email=invitation.email,
            name=name.strip(),
            password_hash=hash_password(password),
            locale=locale,
            email_verified_at=utcnow(),
        )
        session.add(user)
    elif user.email != invitation.email:
        raise DomainError(N_("This invitation was sent to another email address."))
    elif user.organisation_id is not None:
        raise DomainError(N_("You already belong to a firm."))
    user.organisation_id = invitation.organisation_id
    user.org_role = OrgRole.MEMBER
    invitation.accepted_at = utcnow()
    session.flush()
    return user


def revoke_invitation(session: Session, *, actor: User, invitation_id: int) -> None:
    organisation = _require_owner(actor)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        raise NotFound()
    if invitation.is_open:
        invitation.revoked_at = utcnow()


def open_invitations(session: Session, organisation_id: int) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.organisation_id == organisation_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def set_member_role(session: Session, *, actor: User, member_id: int, role: str) -> None:
    """Make a member an owner or an owner a member; a firm always keeps one owner."""
    organisation = _require_owner(actor)
    member = session.get(User, member_id)
    if member is None or member.organisation_id != organisation.id:
        raise NotFound()
    if role not in (OrgRole.OWNER, OrgRole.MEMBER):
        raise DomainError(N_("Unknown role."))
    if role == OrgRole.MEMBER and member.org_role == OrgRole.OWNER:
        _ensure_another_owner(session, organisation.id, member.id)
    if member.org_role != role:
        audit.record(
            session, "member_role_changed", actor=actor, subject=member,
            organisation_id=organisation.id, before=member.org_role, after=role,
        )  # fmt: skip
    member.org_role = role


def remove_member(session: Session, *, actor: User, member_id: int) -> None:
    organisation = _require_owner(actor)
    member = session.get(User, member_id)
    if member is None or member.organisation_id != organisation.id:
        raise NotFound()
    if member.org_role == OrgRole.OWNER:
        _ensure_another_owner(session, organisation.id, member.id)
    audit.record(
        session, "member_removed", actor=actor, subject=member, organisation_id=organisation.id
    )
    member.organisation_id = None
    member.org_role = None
    member.session_token = new_session_token()


def _ensure_another_owner(session: Session, organisation_id: int, leaving_id: int) -> None:
    others = session.scalar(
        select(func.count(User.id)).where(
            User.organisation_id == organisation_id,
            User.org_role == OrgRole.OWNER,
            User.id != leaving_id,
        )
    )
    if not others:
        raise DomainError(N_("A firm must keep at least one owner."))
