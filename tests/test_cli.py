"""Command-line role management."""

from __future__ import annotations

from tests.factories import UserFactory


def test_grant_and_withdraw_roles(app, session):
    user = UserFactory(email="facilitator@region.example", organisation=None, org_role=None)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "grant", "facilitator@region.example", "--staff"])
    assert result.exit_code == 0, result.output
    session.refresh(user)
    assert user.is_staff and not user.is_admin
    runner.invoke(args=["users", "grant", "FACILITATOR@region.example", "--admin", "--no-staff"])
    session.refresh(user)
    assert user.is_admin and not user.is_staff


def test_grant_to_unknown_user_fails(app, session):
    result = app.test_cli_runner().invoke(args=["users", "grant", "nobody@x.example", "--staff"])
    assert result.exit_code != 0
    assert "No user" in result.output


def test_create_admin(app, session):
    from sqlalchemy import select

    from models import User

    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "root@region.example"],
        input="a-long-admin-password\na-long-admin-password\n",
    )
    assert result.exit_code == 0, result.output
    admin = session.scalar(select(User).where(User.email == "root@region.example"))
    assert admin.is_admin and admin.is_verified and admin.organisation_id is None
