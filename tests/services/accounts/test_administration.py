"""Platform roles: who may grant staff and admin."""

from __future__ import annotations

import pytest

from marketplace.services.accounts.administration import set_platform_roles
from marketplace.services.errors import DomainError, Forbidden
from tests.factories import UserFactory

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
