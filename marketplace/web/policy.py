"""Who may call which view: every endpoint declares a policy, enforced before the view runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from marketplace.web.security import safe_next

F = TypeVar("F", bound=Callable[..., Any])

POLICIES = ("public", "user", "firm", "owner", "party", "staff", "admin", "development")


def policy(name: str) -> Callable[[F], F]:
    """Declare who may call a view: public, user, firm, owner, party, staff, admin or development.

    "party": a verified member of a firm, or regional staff (conversations and deals, where the
    view itself then checks that the firm is one of the two parties)."""
    if name not in POLICIES:
        raise ValueError(f"unknown policy {name!r}")

    def mark(view: F) -> F:
        view.policy = name  # type: ignore[attr-defined]
        return view

    return mark


def view_policy(app: Flask, endpoint: str) -> str | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, "policy", None)


def check_all_declared(app: Flask) -> None:
    """Refuse to start when a route has no declared policy."""
    missing = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and view_policy(app, rule.endpoint) is None
    ]
    if missing:
        raise RuntimeError(f"routes without a policy: {', '.join(sorted(missing))}")


def _login_redirect() -> Any:
    if request.blueprint == "api":
        abort(401)  # API clients get a JSON error, not a login page
    return redirect(url_for("auth.login", next=safe_next(request.full_path.rstrip("?"))))


def enforce_policy() -> Any:
    """before_request hook: anonymous users go to login, others get 403 where not allowed."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    name = view_policy(current_app, request.endpoint)
    if name == "public":
        return None
    if name == "development":
        if not current_app.extensions["settings"].is_development:
            abort(404)
        return None
    if not current_user.is_authenticated:
        return _login_redirect()
    staff = current_user.is_staff or current_user.is_admin
    if name == "party" and staff:
        return None
    if name in ("firm", "owner", "party") and not current_user.is_verified:
        return redirect(url_for("auth.unverified"))
    allowed = {
        "user": True,
        "firm": current_user.organisation_id is not None,
        "party": current_user.organisation_id is not None,
        "owner": current_user.organisation_id is not None and current_user.is_owner,
        "staff": staff,
        "admin": current_user.is_admin,
    }
    if not allowed.get(name or "", False):
        abort(403)
    return None
