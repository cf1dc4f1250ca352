"""Administration: users (roles, deactivation, account emails), the audit log, factor sets,
and (for staff) email delivery."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from marketplace.extensions import db
from marketplace.services.accounts import administration, audit
from marketplace.services.impact import factors
from marketplace.services.mail import outbox
from marketplace.web.emails import send_reset, send_verification
from marketplace.web.helpers import form_status
from marketplace.web.inputs import Form, query_text
from marketplace.web.jobs import send_after_commit
from marketplace.web.outcomes import attempt
from marketplace.web.policy import policy
from models.base import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")


class RolesForm(Form):
    is_staff = BooleanField(_l("Regional staff"))
    is_admin = BooleanField(_l("Administrator"))


@bp.get("/users")
@policy("admin")
def users() -> ResponseReturnValue:
    query = query_text("q", max_length=100)
    return render_template(
        "admin/users.html",
        users=administration.list_users(db.session, query=query),
        query=query,
        form=RolesForm(formdata=None),
    )


def _back_to_users() -> ResponseReturnValue:
    return redirect(url_for("admin.users", q=request.args.get("q") or None), code=303)


@bp.post("/users/<int:user_id>/deactivate")
@policy("admin")
def deactivate(user_id: int) -> ResponseReturnValue:
    if Form().validate_on_submit():
        attempt(
            lambda: administration.deactivate_user(db.session, actor=current_user, user_id=user_id),
            success=lambda user: _(
                "%(email)s is deactivated: no sign-in and no email.", email=user.email
            ),
        )
    return _back_to_users()


@bp.post("/users/<int:user_id>/reactivate")
@policy("admin")
def reactivate(user_id: int) -> ResponseReturnValue:
    if Form().validate_on_submit():
        attempt(
            lambda: administration.reactivate_user(db.session, actor=current_user, user_id=user_id),
            success=lambda user: _("%(email)s can sign in again.", email=user.email),
        )
    return _back_to_users()


@bp.post("/users/<int:user_id>/send/<any(verify, reset):mail>")
@policy("admin")
def send_account_email(user_id: int, mail: str) -> ResponseReturnValue:
    if Form().validate_on_submit():
        attempt(
            lambda: administration.user_for_admin_mail(
                db.session, actor=current_user, user_id=user_id, kind=mail
            ),
            after_commit=send_verification if mail == "verify" else send_reset,
            success=lambda user: _("An email is on its way to %(email)s.", email=user.email),
        )
    return _back_to_users()


@bp.get("/audit")
@policy("admin")
def audit_log() -> ResponseReturnValue:
    action = request.args.get("action", "")
    if action not in audit.ACTIONS:
        action = ""
    return render_template(
        "admin/audit.html",
        entries=audit.entries(db.session, action=action or None, limit=200),
        actions=audit.ACTIONS,
        action=action,
        details_of=audit.details_of,
    )


@bp.post("/users/<int:user_id>/roles")
@policy("admin")
def set_roles(user_id: int) -> ResponseReturnValue:
    form = RolesForm()
    if form.validate_on_submit():
        attempt(
            lambda: administration.set_platform_roles(
                db.session,
                actor=current_user,
                user_id=user_id,
                is_staff=form.is_staff.data,
                is_admin=form.is_admin.data,
            ),
            success=lambda user: _("The roles of %(email)s have been saved.", email=user.email),
        )
    return _back_to_users()


class FactorSetForm(Form):
    label = StringField(
        _l("What changed"),
        validators=[
            InputRequired(_l("Say what changed, e.g. 'DESNZ 2026 factors'.")),
            Length(max=200),
        ],
    )
    notes = TextAreaField(_l("Notes (optional)"), validators=[Optional(), Length(max=5000)])
    factors_csv = TextAreaField(
        _l("Factors (CSV)"),
        validators=[InputRequired(_l("Paste the factors as CSV.")), Length(max=200_000)],
        description=_l(
            "Columns: key, value, unit, source, year, low, high, note. Start from the "
            "set in force below; every factor needs a source and a year."
        ),
    )
    csv_file = FileField(_l("Or upload a CSV file"))


@bp.route("/factors/new", methods=["GET", "POST"])
@policy("admin")
def new_factor_set() -> ResponseReturnValue:
    form = FactorSetForm()
    if request.method == "POST" and form.csv_file.data:
        form.take_text("factors_csv", form.csv_file.data.read(200_000).decode("utf-8", "replace"))
    if form.validate_on_submit():
        done = attempt(
            lambda: factors.publish(
                db.session,
                factors.parse_csv(form.factors_csv.data),
                label=form.label.data,
                notes=form.notes.data or None,
                actor=current_user,
            ),
            form=form,
            success=lambda published: _(
                "Factor set version %(version)d is published and in force.",
                version=published.version,
            ),
        )
        if done:
            return redirect(url_for("impact.factor_set", version=done.value.version), code=303)
    elif not form.is_submitted():
        current = factors.current_set(db.session)
        form.factors_csv.data = factors.to_csv(current) if current else ""
    return render_template("admin/factors_new.html", form=form), form_status(form)


@bp.get("/mail")
@policy("staff")
def mail() -> ResponseReturnValue:
    """Email delivery: how many emails wait, went out or failed, and the failures themselves."""
    return render_template(
        "admin/mail.html",
        counts=outbox.status_counts(db.session),
        failures=outbox.recent_failures(db.session),
    )


@bp.post("/mail/<int:email_id>/retry")
@policy("staff")
def retry_mail(email_id: int) -> ResponseReturnValue:
    if outbox.retry_failed(db.session, email_id, now=utcnow()):
        db.session.commit()
        send_after_commit([email_id])
        flash(_("The email will be sent again."), "success")
    else:
        flash(_("That email is not waiting for a retry."), "error")
    return redirect(url_for("admin.mail"), code=303)
