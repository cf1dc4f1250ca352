"""Accounts: registration, login, email verification and password reset."""

from __future__ import annotations

import pytest

from marketplace.services.accounts import users
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
from marketplace.services.errors import DomainError
from models import Organisation, User
from tests.factories import TEST_PASSWORD, UserFactory, org_number

NEW_PASSWORD = "a much longer passphrase"


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
