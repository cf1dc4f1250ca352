"""Registration, verification, login, logout, password reset and invitations through the web."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Invitation, Organisation, User
from tests.conftest import text_of, without_tokens
from tests.factories import TEST_PASSWORD, UserFactory

REGISTRATION = {
    "name": "Anna Sågare",
    "email": "Anna@Sagverket.example",
    "password": "timmer-och-spån-2026",
    "password_confirm": "timmer-och-spån-2026",
    "firm_name": "Edsbyns Såg AB",
    "org_number": "556036-0793",
    "sni_code": "16.101",
    "website": "https://sagverket.example",
    "contact_phone": "0271-123 45",
}


def register(client, **changes):  # type: ignore[no-untyped-def]
    return client.post("/register", {**REGISTRATION, **changes})


@pytest.mark.parametrize(
    ("language", "subject", "confirmed"),
    [
        ("en", "Confirm your email address", "your email address is confirmed"),
        ("sv", "Bekräfta din e-postadress", "din e-postadress är bekräftad"),
    ],
)
def test_register_verify_and_reach_the_firm(client, session, mailbox, language, subject, confirmed):
    client.post("/language", {"language": language})
    response = register(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/register/sent"
    page = text_of(client.get("/register/sent"))
    assert "anna@sagverket.example" in page
    assert ("Check your email" in page) == (language == "en")

    user = session.scalar(select(User).where(User.email == "anna@sagverket.example"))
    assert user is not None and not user.is_verified and user.org_role == "owner"
    assert user.organisation.org_number == "556036-0793"
    assert user.locale == language
    assert client.get("/account").status_code == 302  # nobody is signed in by registering

    [email] = mailbox.messages("anna@sagverket.example")
    assert email["subject"] == subject
    link = mailbox.last_link("anna@sagverket.example")
    assert "Confirm" in text_of(client.get(link)) or "Bekräfta" in text_of(client.get(link))
    assert not session.get(User, user.id).is_verified  # following the link alone changes nothing

    response = client.post(link)
    assert response.headers["Location"] == "/login"
    assert confirmed in text_of(client.get("/login"))
    session.expire_all()
    assert session.get(User, user.id).is_verified
    client.login("anna@sagverket.example", REGISTRATION["password"])
    assert client.get("/firm").status_code == 200


def test_registration_errors_are_shown_beside_the_fields_and_nothing_is_saved(client, session):
    response = register(
        client,
        org_number="556036-0794",
        email="not-an-email",
        password="short",
        password_confirm="different",
    )
    page = text_of(response)
    assert response.status_code == 422
    assert "Enter a valid organisation number" in page or "organisationsnummer" in page
    assert 'aria-invalid="true"' in page
    assert session.scalar(select(Organisation).where(Organisation.name == "Edsbyns Såg AB")) is None


def test_registration_refuses_a_registered_org_number(client, session):
    assert register(client).status_code == 303
    response = register(client, email="other@sagverket.example")
    assert response.status_code == 422
    assert "already registered" in text_of(response) or "redan registrerat" in text_of(response)
    count = session.scalars(select(User).where(User.email.like("%sagverket.example"))).all()
    assert len(count) == 1


def test_login_logout_and_wrong_password(client, session):
    user = UserFactory(email="login@mail.example")
    response = client.post("/login", {"email": "LOGIN@mail.example", "password": "wrong"})
    assert response.status_code == 422
    assert "Wrong email address or password" in text_of(response) or "Fel" in text_of(response)
    client.login("login@mail.example")
    assert client.get("/account").status_code == 200
    client.logout()
    assert client.get("/account").status_code == 302
    session.refresh(user)
    assert user.last_login_at is not None


def test_login_is_rate_limited_per_account(client):
    UserFactory(email="target@mail.example")
    statuses = [
        client.post(
            "/login", {"email": "target@mail.example", "password": f"guess-{i}"}
        ).status_code
        for i in range(7)
    ]
    assert statuses[:5] == [422] * 5
    assert statuses[5:] == [429, 429]
    # Even the right password is refused while the limit holds.
    response = client.post("/login", {"email": "target@mail.example", "password": TEST_PASSWORD})
    assert response.status_code == 429


def test_remember_me_sets_a_long_lived_cookie(client):
    UserFactory(email="remember@mail.example")
    client.post(
        "/login", {"email": "remember@mail.example", "password": TEST_PASSWORD, "remember": "y"}
    )
    assert client.raw.get_cookie("remember_token") is not None


def test_password_reset_is_single_use_and_signs_out_other_sessions(make_client, session, mailbox):
    user = UserFactory(email="reset@mail.example")
    other_device = make_client()
    other_device.login("reset@mail.example")
    browser = make_client()
    response = browser.post("/password/forgot", {"email": "reset@mail.example"})
    assert response.status_code == 303
    link = mailbox.last_link("reset@mail.example")
    response = browser.post(
        link, {"password": "a-brand-new-password", "password_confirm": "a-brand-new-password"}
    )
    assert response.status_code == 303
    browser.login("reset@mail.example", "a-brand-new-password")
    # The same link again is refused, and the other device was logged out.
    assert browser.get(link).status_code == 400
    assert other_device.get("/account").status_code == 302
    assert user.session_token


def test_forgot_password_does_not_reveal_whether_an_account_exists(client, mailbox):
    known = UserFactory(email="known@mail.example")
    a = text_of(client.post("/password/forgot", {"email": known.email}, follow_redirects=True))
    b = text_of(
        client.post("/password/forgot", {"email": "nobody@mail.example"}, follow_redirects=True)
    )
    # CSRF tokens are timestamped, so they are left out of the comparison.
    assert without_tokens(a.replace(known.email, "X")) == without_tokens(
        b.replace("nobody@mail.example", "X")
    )
    assert len(mailbox.messages()) == 1


def test_tampered_or_expired_links_are_refused(client, app):
    response = client.get("/verify/not-a-token")
    assert response.status_code == 400
    assert "not valid" in text_of(response) or "inte giltig" in text_of(response)


@pytest.mark.parametrize("language", ["en", "sv"])
def test_invitation_creates_a_member(make_client, session, mailbox, language):
    owner = UserFactory(email="owner@firm.example", locale=language)
    owner_browser = make_client()
    owner_browser.login(owner.email)
    response = owner_browser.post("/firm/members/invite", {"email": "Colleague@Firm.example"})
    assert response.status_code == 303
    [email] = mailbox.messages("colleague@firm.example")
    assert owner.organisation.name in email["subject"]
    assert ("invites you" in email["text"]) == (language == "en")

    link = mailbox.last_link("colleague@firm.example")
    colleague = make_client()
    response = colleague.post(
        link,
        {
            "name": "Kollega",
            "password": "kollegans-lösenord",
            "password_confirm": "kollegans-lösenord",
        },
    )
    assert response.status_code == 303
    member = session.scalar(select(User).where(User.email == "colleague@firm.example"))
    assert member.organisation_id == owner.organisation_id
    assert member.org_role == "member" and member.is_verified
    assert colleague.get("/firm").status_code == 200
    # The link works once.
    assert make_client().get(link).status_code == 400
    invitation = session.scalar(select(Invitation).where(Invitation.email == member.email))
    assert invitation.accepted_at is not None


def test_members_cannot_invite(client):
    member = UserFactory(org_role="member")
    client.login(member.email)
    assert client.post("/firm/members/invite", {"email": "x@mail.example"}).status_code == 403
