"""Members: invitations (one open per address and firm) and member roles."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from marketplace.services.accounts import members
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
from marketplace.services.accounts.users import (
    authenticate,
    load_user,
)
from marketplace.services.errors import DomainError, Forbidden, NotFound
from models import Invitation
from tests.factories import UserFactory

NEW_PASSWORD = "a much longer passphrase"


# --- invitations ------------------------------------------------------------------------------


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
