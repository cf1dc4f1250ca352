"""Accounts: registration, login and sessions, verification, password reset, invitations, roles,
deactivation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.services.accounts import audit
from marketplace.services.errors import N_, DomainError, Forbidden, NotFound
from models.accounts import User, new_session_token
from models.base import utcnow

# --- platform roles -----------------------------------------------------------------------


def set_platform_roles(
    session: Session, *, actor: User | None, user_id: int, is_staff: bool, is_admin: bool
) -> User:
    """Grant or withdraw regional-staff and administrator roles (actor None: the CLI)."""
    if actor is not None and not actor.is_admin:
        raise Forbidden()
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    if actor is not None and user.id == actor.id and not is_admin:
        raise DomainError(N_("You cannot remove your own administrator role."))
    before = {"is_staff": user.is_staff, "is_admin": user.is_admin}
    after = {"is_staff": is_staff, "is_admin": is_admin}
    if before != after:
        audit.record(
            session, "roles_changed", actor=actor, subject=user, before=before, after=after
        )
    user.is_staff = is_staff
    user.is_admin = is_admin
    return user


def _admin_target(session: Session, actor: User, user_id: int) -> User:
    if not actor.is_admin:
        raise Forbidden()
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound()
    return user


def deactivate_user(session: Session, *, actor: User, user_id: int) -> User:
    """Stop a person signing in or receiving email; their firm's records stay as they are."""
    user = _admin_target(session, actor, user_id)
    if user.id == actor.id:
        raise DomainError(N_("You cannot deactivate your own account."))
    if user.active:
        user.active = False
        user.deactivated_at = utcnow()
        user.session_token = new_session_token()
        audit.record(session, "user_deactivated", actor=actor, subject=user)
    return user


def reactivate_user(session: Session, *, actor: User, user_id: int) -> User:
    user = _admin_target(session, actor, user_id)
    if not user.active:
        user.active = True
        user.deactivated_at = None
        audit.record(session, "user_reactivated", actor=actor, subject=user)
    return user


def user_for_admin_mail(session: Session, *, actor: User, user_id: int, kind: str) -> User:
    """The user an administrator sends a verification ("verify") or reset ("reset") email to."""
    user = _admin_target(session, actor, user_id)
    if not user.active:
        raise DomainError(N_("Reactivate the account before sending it email."))
    if kind == "verify" and user.is_verified:
        raise DomainError(N_("This address is already verified."))
    audit.record(
        session, "verification_sent" if kind == "verify" else "reset_sent", actor=actor,
        subject=user,
    )  # fmt: skip
    return user


def list_users(session: Session, *, query: str = "", limit: int = 200) -> list[User]:
    stmt = select(User).where(User.deleted_at.is_(None)).order_by(User.email).limit(limit)
    if query:
        stmt = stmt.where(User.email.contains(query.strip().lower(), autoescape=True))
    return list(session.scalars(stmt))
