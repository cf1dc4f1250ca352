"""Accounts: registration, login, tokens, password reset, invitations and roles."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from marketplace.services.accounts import members, users
from marketplace.services.accounts.administration import set_platform_roles
from marketplace.services.accounts.members import (
    accept_invitation,
    invitation_payload,
    invite_member,
    open_invitation,
    remove_member,
    resend_invitation,
    revoke_invitation,
    set_member_role,
)
from marketplace.services.accounts.security import TokenError, make_token, read_token
from marketplace.services.accounts.users import (
    FirmDetails,
    authenticate,
    load_user,
    record_sign_in,
    register_firm_owner,
    reset_payload,
    set_password,
    user_for_reset,
    verification_payload,
    verify_email,
)
from marketplace.services.errors import DomainError, Forbidden, NotFound
from models import Invitation, Organisation, User
from tests.factories import TEST_PASSWORD, UserFactory, org_number

NEW_PASSWORD = "a much longer passphrase"
SECRET = "s" * 40


def register(session, email="Anna@Firma.SE", password=NEW_PASSWORD, orgnr=None):
    firm = FirmDetails(name="  Sågverket AB ", org_number=orgnr or org_number())
    return register_firm_owner(session, email=email, password=password, name="Anna", firm=firm)


# --- registration ------------------------------------------------------------------------------


def test_register_creates_the_firm_and_its_unverified_owner(session):
    registration = register(session)
    assert registration.created
    user = registration.user
    session.expire_all()
    stored = session.get(User, user.id)
    assert stored.email == "anna@firma.se"
    assert stored.org_role == "owner"
    assert stored.is_verified is False
    assert stored.organisation.name == "Sågverket AB"
    assert stored.organisation.contact_email == "anna@firma.se"
    assert stored.password_hash != NEW_PASSWORD


def test_an_address_in_use_creates_nothing_and_names_its_account(session):
    first = register(session, email="anna@firma.se").user
    again = register(session, email="  ANNA@Firma.se ")
    assert (again.created, again.user) == (False, first)
    assert session.query(Organisation).count() == 1
    assert session.query(User).count() == 1


def test_a_concurrent_registration_of_the_address_is_found_not_raised(session, monkeypatch):
    """The address was free at the check but taken at the insert (a race): no error."""
    first = register(session, email="anna@firma.se").user
    real = users.find_user_by_email
    calls = []

    def first_misses(session, email):  # type: ignore[no-untyped-def]
        calls.append(email)
        return None if len(calls) == 1 else real(session, email)

    monkeypatch.setattr(users, "find_user_by_email", first_misses)
    again = register(session, email="anna@firma.se")
    assert (again.created, again.user) == (False, first)
    assert session.query(Organisation).count() == 1


def test_an_address_in_use_still_gets_the_rules_that_do_not_depend_on_it(session):
    """Errors about the password or the firm come first, the same for any address."""
    orgnr = org_number()
    register(session, email="anna@firma.se", orgnr=orgnr)
    with pytest.raises(DomainError) as exc:
        register(session, email="anna@firma.se", password="short")
    assert exc.value.field == "password"
    with pytest.raises(DomainError) as exc:
        register(session, email="anna@firma.se", orgnr=orgnr)
    assert exc.value.field == "org_number"


def test_register_refuses_a_registered_org_number(session):
    orgnr = org_number()
    register(session, email="first@firma.se", orgnr=orgnr)
    with pytest.raises(DomainError) as exc:
        register(session, email="second@firma.se", orgnr=orgnr)
    assert exc.value.field == "org_number"
    assert session.query(User).count() == 1


@pytest.mark.parametrize("password", ["short", "123456789", "x" * 201, "anna@firma.se"])
def test_register_refuses_weak_passwords(session, password):
    with pytest.raises(DomainError) as exc:
        register(session, email="Anna@Firma.se", password=password)
    assert exc.value.field == "password"
    assert session.query(User).count() == 0


def test_password_equal_to_email_is_refused_ignoring_case_and_spaces(session):
    with pytest.raises(DomainError) as exc:
        register(session, email="lars.larsson@firma.se", password=" Lars.Larsson@Firma.se ")
    assert exc.value.field == "password"


# --- login ------------------------------------------------------------------------------------


def test_authenticate_with_the_right_password(session):
    user = UserFactory(email="per@firma.se")
    assert authenticate(session, email=" PER@firma.se", password=TEST_PASSWORD) is user
    assert user.last_login_at is None  # set by record_sign_in when the session starts
    record_sign_in(session, user, user_agent="Firefox")
    assert user.last_login_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [("per@firma.se", "wrong password"), ("nobody@firma.se", TEST_PASSWORD), ("per@firma.se", "")],
)
def test_authenticate_refuses_wrong_credentials(session, email, password):
    user = UserFactory(email="per@firma.se")
    assert authenticate(session, email=email, password=password) is None
    assert user.last_login_at is None


def test_authenticate_tells_a_deactivated_user_only_with_the_right_password(session):
    UserFactory(email="per@firma.se", active=False)
    assert authenticate(session, email="per@firma.se", password="wrong password") is None
    with pytest.raises(DomainError, match="deactivated"):
        authenticate(session, email="per@firma.se", password=TEST_PASSWORD)


# --- signed tokens ------------------------------------------------------------------------------


def test_token_round_trip():
    token = make_token(SECRET, "reset", {"uid": 7, "fp": "abc"})
    assert read_token(SECRET, "reset", token, max_age=3600) == {"uid": 7, "fp": "abc"}


def test_expired_token_says_expired():
    token = make_token(SECRET, "reset", {"uid": 7})
    with pytest.raises(TokenError) as exc:
        read_token(SECRET, "reset", token, max_age=-1)
    assert exc.value.expired is True


def test_tampered_token_is_invalid_not_expired():
    mine = make_token(SECRET, "reset", {"uid": 7})
    theirs = make_token(SECRET, "reset", {"uid": 8})
    forged = mine.split(".")[0] + "." + ".".join(theirs.split(".")[1:])
    with pytest.raises(TokenError) as exc:
        read_token(SECRET, "reset", forged, max_age=3600)
    assert exc.value.expired is False


@pytest.mark.parametrize(("secret", "purpose"), [(SECRET, "verify"), ("t" * 40, "reset")])
def test_token_for_another_purpose_or_secret_is_invalid(secret, purpose):
    token = make_token(SECRET, "reset", {"uid": 7})
    with pytest.raises(TokenError) as exc:
        read_token(secret, purpose, token, max_age=3600)
    assert exc.value.expired is False


def test_token_that_is_not_an_object_is_invalid():
    token = make_token(SECRET, "reset", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(TokenError) as exc:
        read_token(SECRET, "reset", token, max_age=3600)
    assert exc.value.expired is False


# --- verification and password reset ----------------------------------------------------------


def test_verify_email_marks_the_address_verified(session):
    user = UserFactory(email_verified_at=None)
    assert verify_email(session, verification_payload(user)) is user
    assert user.is_verified


def test_verify_email_refuses_a_changed_address(session):
    user = UserFactory(email_verified_at=None)
    payload = verification_payload(user)
    user.email = "new@firma.se"
    with pytest.raises(DomainError):
        verify_email(session, payload)
    assert not user.is_verified


def test_reset_payload_is_single_use(session):
    user = UserFactory()
    payload = reset_payload(user)
    assert user_for_reset(session, payload) is user
    set_password(session, user, NEW_PASSWORD)
    with pytest.raises(DomainError):
        user_for_reset(session, payload)
    assert authenticate(session, email=user.email, password=NEW_PASSWORD) is user


def test_set_password_signs_out_old_sessions(session):
    user = UserFactory()
    old_id = user.get_id()
    assert load_user(session, old_id) is user
    set_password(session, user, NEW_PASSWORD)
    assert load_user(session, old_id) is None
    assert load_user(session, user.get_id()) is user
    assert user.get_id() != old_id


def test_set_password_applies_the_password_rules(session):
    user = UserFactory()
    with pytest.raises(DomainError) as exc:
        set_password(session, user, "short")
    assert exc.value.field == "password"


def test_load_user_refuses_a_deactivated_user(session):
    user = UserFactory()
    user.active = False
    assert load_user(session, user.get_id()) is None


@pytest.mark.parametrize("raw", ["", "abc", "x:y", "999999:token"])
def test_load_user_ignores_malformed_ids(session, raw):
    assert load_user(session, raw) is None


# --- invitations ------------------------------------------------------------------------------


@pytest.fixture
def owner(session):
    return UserFactory(email="owner@firma.se")


def test_only_owners_can_invite(session, owner):
    member = UserFactory(organisation=owner.organisation, org_role="member")
    with pytest.raises(Forbidden):
        invite_member(session, actor=member, email="new@firma.se")


def test_cannot_invite_someone_in_another_firm(session, owner):
    UserFactory(email="taken@annan.se")
    with pytest.raises(DomainError) as exc:
        invite_member(session, actor=owner, email="Taken@Annan.se")
    assert exc.value.field == "email"


def test_cannot_invite_an_existing_member(session, owner):
    UserFactory(email="colleague@firma.se", organisation=owner.organisation, org_role="member")
    with pytest.raises(DomainError) as exc:
        invite_member(session, actor=owner, email="colleague@firma.se")
    assert exc.value.field == "email"


def test_one_open_invitation_per_address_and_firm(session, owner):
    first = invite_member(session, actor=owner, email="new@firma.se")
    with pytest.raises(DomainError) as exc:
        invite_member(session, actor=owner, email=" NEW@firma.se ")
    assert exc.value.field == "email"
    assert exc.value.params == {"email": "new@firma.se"}
    assert session.query(Invitation).count() == 1
    # Another firm may invite the same person, and once withdrawn the firm may invite again.
    other = UserFactory(email="owner@annan.se")
    assert invite_member(session, actor=other, email="new@firma.se").id != first.id
    revoke_invitation(session, actor=owner, invitation_id=first.id)
    assert invite_member(session, actor=owner, email="new@firma.se").id != first.id


def test_the_database_refuses_a_second_open_invitation(session, owner):
    """The partial unique index holds when two requests pass the check at the same time."""
    session.add(Invitation(organisation_id=owner.organisation_id, email="twin@firma.se"))
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(Invitation(organisation_id=owner.organisation_id, email="twin@firma.se"))
        session.flush()


def test_a_concurrent_twin_invitation_is_a_domain_error(session, owner, monkeypatch):
    """The check passed (as in a race), the index refuses: the owner sees the same message."""
    session.add(Invitation(organisation_id=owner.organisation_id, email="twin@firma.se"))
    session.flush()
    monkeypatch.setattr(members, "_open_invitation_for", lambda *args: None)
    with pytest.raises(DomainError) as exc:
        invite_member(session, actor=owner, email="twin@firma.se")
    assert exc.value.field == "email"
    assert session.query(Invitation).count() == 1  # and the session is still usable


def test_resending_refreshes_the_same_open_invitation(session, owner):
    invitation = invite_member(session, actor=owner, email="new@firma.se")
    invitation.created_at = invitation.created_at.replace(year=2025)
    again = resend_invitation(session, actor=owner, invitation_id=invitation.id)
    assert again is invitation and again.created_at.year == 2026
    revoke_invitation(session, actor=owner, invitation_id=invitation.id)
    with pytest.raises(DomainError):
        resend_invitation(session, actor=owner, invitation_id=invitation.id)
    other = UserFactory(email="owner@annan.se")
    with pytest.raises(NotFound):
        resend_invitation(session, actor=other, invitation_id=invitation.id)
    member = UserFactory(organisation=owner.organisation, org_role="member")
    with pytest.raises(Forbidden):
        resend_invitation(session, actor=member, invitation_id=invitation.id)


def test_accepting_creates_a_verified_member(session, owner):
    invitation = invite_member(session, actor=owner, email="new@firma.se")
    found = open_invitation(session, invitation_payload(invitation))
    user = accept_invitation(session, found, name=" Nils ", password=NEW_PASSWORD)
    assert (user.email, user.name, user.org_role) == ("new@firma.se", "Nils", "member")
    assert user.organisation_id == owner.organisation_id
    assert user.is_verified
    assert authenticate(session, email="new@firma.se", password=NEW_PASSWORD) is user


def test_an_invitation_can_be_accepted_once(session, owner):
    invitation = invite_member(session, actor=owner, email="new@firma.se")
    payload = invitation_payload(invitation)
    accept_invitation(session, open_invitation(session, payload), name="N", password=NEW_PASSWORD)
    with pytest.raises(DomainError):
        open_invitation(session, payload)


def test_a_firmless_user_can_accept_with_their_account(session, owner):
    loner = UserFactory(email="loner@firma.se", organisation=None, org_role=None)
    invitation = invite_member(session, actor=owner, email="loner@firma.se")
    assert accept_invitation(session, invitation, user=loner) is loner
    assert (loner.organisation_id, loner.org_role) == (owner.organisation_id, "member")


# --- member roles ---------------------------------------------------------------------------


def test_sole_owner_cannot_step_down_or_leave(session, owner):
    with pytest.raises(DomainError):
        set_member_role(session, actor=owner, member_id=owner.id, role="member")
    with pytest.raises(DomainError):
        remove_member(session, actor=owner, member_id=owner.id)
    assert owner.org_role == "owner"
    assert owner.organisation_id is not None


def test_an_owner_can_step_down_when_another_owner_exists(session, owner):
    member = UserFactory(organisation=owner.organisation, org_role="member")
    set_member_role(session, actor=owner, member_id=member.id, role="owner")
    set_member_role(session, actor=owner, member_id=owner.id, role="member")
    session.flush()
    assert (owner.org_role, member.org_role) == ("member", "owner")


def test_removed_member_leaves_the_firm_and_is_signed_out(session, owner):
    member = UserFactory(organisation=owner.organisation, org_role="member")
    old_id = member.get_id()
    remove_member(session, actor=owner, member_id=member.id)
    assert (member.organisation_id, member.org_role) == (None, None)
    assert load_user(session, old_id) is None


def test_members_cannot_change_roles(session, owner):
    member = UserFactory(organisation=owner.organisation, org_role="member")
    with pytest.raises(Forbidden):
        set_member_role(session, actor=member, member_id=member.id, role="owner")
    assert member.org_role == "member"


# --- platform roles -----------------------------------------------------------------------------


def test_non_admin_cannot_grant_platform_roles(session, owner):
    with pytest.raises(Forbidden):
        set_platform_roles(session, actor=owner, user_id=owner.id, is_staff=True, is_admin=True)
    assert not owner.is_admin


def test_admin_cannot_drop_own_admin_role(session):
    admin = UserFactory(organisation=None, org_role=None, is_admin=True)
    with pytest.raises(DomainError):
        set_platform_roles(session, actor=admin, user_id=admin.id, is_staff=False, is_admin=False)
    assert admin.is_admin


def test_admin_grants_staff_role(session, owner):
    admin = UserFactory(organisation=None, org_role=None, is_admin=True)
    set_platform_roles(session, actor=admin, user_id=owner.id, is_staff=True, is_admin=False)
    assert (owner.is_staff, owner.is_admin) == (True, False)
