"""Accounts: registration, login and sessions, verification, password reset, invitations, roles,
deactivation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.services.accounts import audit
from marketplace.services.accounts.security import (
    fingerprint,
    hash_password,
    needs_rehash,
    verify_password,
)
from marketplace.services.errors import N_, DomainError
from models.accounts import OrgRole, SignIn, User, new_session_token
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
