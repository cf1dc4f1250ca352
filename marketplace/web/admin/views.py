"""Administrators grant and withdraw the regional-staff and administrator roles."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField

from marketplace.extensions import db
from marketplace.services import accounts
from marketplace.services.errors import DomainError
from marketplace.web.helpers import flash_domain_error
from marketplace.web.policy import policy

bp = Blueprint("admin", __name__, url_prefix="/admin")


class RolesForm(FlaskForm):
    is_staff = BooleanField(_l("Regional staff"))
    is_admin = BooleanField(_l("Administrator"))


@bp.get("/users")
@policy("admin")
def users():  # type: ignore[no-untyped-def]
    query = request.args.get("q", "")[:100]
    return render_template(
        "admin/users.html",
        users=accounts.list_users(db.session, query=query),
        query=query,
        form=RolesForm(formdata=None),
    )


@bp.post("/users/<int:user_id>/roles")
@policy("admin")
def set_roles(user_id: int):  # type: ignore[no-untyped-def]
    form = RolesForm()
    if form.validate_on_submit():
        try:
            user = accounts.set_platform_roles(
                db.session,
                actor=current_user,
                user_id=user_id,
                is_staff=form.is_staff.data,
                is_admin=form.is_admin.data,
            )
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(error)
        else:
            db.session.commit()
            flash(_("The roles of %(email)s have been saved.", email=user.email), "success")
    return redirect(url_for("admin.users", q=request.args.get("q") or None), code=303)
