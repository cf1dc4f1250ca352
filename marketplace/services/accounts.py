"""Accounts: registration, login and sessions, verification, password reset, invitations, roles,
deactivation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.services import audit
from marketplace.services.errors import N_, DomainError, Forbidden, NotFound
from marketplace.services.security import (
    fingerprint,
    hash_password,
    needs_rehash,
    verify_password,
)
from models.accounts import Invitation, OrgRole, SignIn, User, new_session_token
from models.base import utcnow
from models.organisations import Organisation

MIN_PASSWORD = 10
MAX_PASSWORD = 200


@dataclass(frozen=True)
class FirmDetails:
    name: str
    org_number: str  # already normalised
    sni_code: str | None = None
    website: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def check_password_rules(password: str, email: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(N_("Use at least %(n)d characters."), field="password", n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise DomainError(N_("Use at most %(n)d characters."), field="password", n=MAX_PASSWORD)
    if password.strip().lower() == normalise_email(email):
        raise DomainError(N_("The password must not be your email address."), field="password")


def _ensure_email_free(session: Session, email: str) -> None:
    if find_user_by_email(session, email) is not None:
        raise DomainError(
            N_("An account with this email address already exists. Log in or reset your password."),
            field="email",
        )


@dataclass(frozen=True)
class Registration:
    """What a registration did: `created` a firm and its owner `user`, or nothing, because
    `user` already holds the address (the view then tells that user by email)."""

    user: User
    created: bool


def register_firm_owner(
    session: Session,
    *,
    email: str,
    password: str,
    name: str,
    firm: FirmDetails,
    locale: str | None = None,
) -> Registration:
    """Create a firm and its first user (the owner); the email is not yet verified.

    An address that already has an account is not an error the registrant sees: the answer
    must not tell who has an account. The rules that do not depend on the address run first,
    and the password is hashed either way, so both cases take about as long."""
    check_password_rules(password, email)
    if session.scalar(select(Organisation.id).where(Organisation.org_number == firm.org_number)):
        raise _firm_taken()
    password_hash = hash_password(password)
    existing = find_user_by_email(session, email)
    if existing is not None:
        return Registration(user=existing, created=False)
    organisation = Organisation(
        name=firm.name.strip(),
        org_number=firm.org_number,
        sni_code=(firm.sni_code or "").strip() or None,
        website=firm.website or None,
        contact_email=firm.contact_email or normalise_email(email),
        contact_phone=firm.contact_phone or None,
    )
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=password_hash,
        organisation=organisation,
        org_role=OrgRole.OWNER,
        locale=locale,
    )
    try:
        with session.begin_nested():  # a concurrent registration may have taken either
            session.add_all([organisation, user])
            session.flush()
    except IntegrityError:
        existing = find_user_by_email(session, email)
        if existing is None:
            raise _firm_taken() from None
        return Registration(user=existing, created=False)
    return Registration(user=user, created=True)


def _firm_taken() -> DomainError:
    return DomainError(
        N_(
            "A firm with this organisation number is already registered. "
            "Ask one of its members to invite you."
        ),
        field="org_number",
    )


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    name: str,
    verified: bool = False,
    is_staff: bool = False,
    is_admin: bool = False,
    locale: str | None = None,
) -> User:
    """A user without a firm (regional staff, administrators); used by CLI and demo."""
    _ensure_email_free(session, email)
    check_password_rules(password, email)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password),
        is_staff=is_staff,
        is_admin=is_admin,
        locale=locale,
        email_verified_at=utcnow() if verified else None,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with these credentials, or None; upgrades outdated hashes.

    A deactivated account with the right password is told so (DomainError) rather than left to
    guess: only someone who knows the password learns it."""
    user = find_user_by_email(session, email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or user.deleted_at is not None:
        return None
    if not user.active:
        raise DomainError(
            N_("This account has been deactivated. Contact the administrator of the service.")
        )
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


# --- sessions -------------------------------------------------------------------------------

SIGN_INS_SHOWN = 10


def record_sign_in(session: Session, user: User, *, user_agent: str = "") -> SignIn:
    """Note a successful sign-in (shown on the account page; purged after the retention)."""
    now = utcnow()
    user.last_login_at = now
    entry = SignIn(user_id=user.id, at=now, user_agent=(user_agent or "")[:200])
    session.add(entry)
    return entry


def recent_sign_ins(session: Session, user: User, limit: int = SIGN_INS_SHOWN) -> list[SignIn]:
    return list(
        session.scalars(
            select(SignIn)
            .where(SignIn.user_id == user.id)
            .order_by(SignIn.at.desc(), SignIn.id.desc())
            .limit(limit)
        )
    )


def end_sessions(session: Session, user: User, *, everywhere: bool = False) -> None:
    """Rotate the session token: every session and remember-me cookie holding the old one stops
    working (logout does this too, so a copied cookie is worthless after "Log out")."""
    user.session_token = new_session_token()
    if everywhere:
        audit.record(session, "signed_out_everywhere", actor=user, subject=user)


# --- email verification and password reset ----------------------------------------------


def verification_payload(user: User) -> dict[str, object]:
    return {"uid": user.id, "email": user.email}


def verify_email(session: Session, payload: dict[str, object]) -> User:
    """Mark the address in a verification token as verified (once)."""
    user = session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        raise DomainError(N_("This verification link is not valid."))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def reset_payload(user: User) -> dict[str, object]:
    # Binding the token to the current hash makes it single-use: resetting changes the hash.
    return {"uid": user.id, "fp": fingerprint(user.password_hash, user.email)}


def user_for_reset(session: Session, payload: dict[str, object]) -> User:
    user = session.get(User, payload.get("uid"))
    if user is None or payload.get("fp") != fingerprint(user.password_hash, user.email):
        raise DomainError(N_("This password reset link has already been used or is not valid."))
    return user


def set_password(session: Session, user: User, new_password: str) -> None:
    """Set a new password and sign the user out everywhere else."""
    check_password_rules(new_password, user.email)
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    if user.email_verified_at is None:
        # Following a link sent to the address proves control of it.
        user.email_verified_at = utcnow()


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise DomainError(N_("The current password is wrong."), field="current_password")
    set_password(session, user, new)
    audit.record(session, "password_changed", actor=user, subject=user)


def load_user(session: Session, user_id: str) -> User | None:
    """Resolve a Flask-Login id "<id>:<session token>"; stale tokens resolve to None."""
    uid, _, token = user_id.partition(":")
    if not uid.isdigit():
        return None
    user = session.get(User, int(uid))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def is_live(user: User) -> bool:
    """May sign in and receive email: neither deactivated nor deleted."""
    return user.active and user.deleted_at is None


def update_profile(session: Session, user: User, *, name: str, locale: str | None) -> None:
    user.name = name.strip()
    user.locale = locale if locale in ("sv", "en") else None


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
