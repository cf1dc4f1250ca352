"""The logged-in user's own settings: name, language, password, sessions, and their personal
data (export and account deletion, GDPR articles 15, 17 and 20), emails about new messages."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user

from marketplace.extensions import db
from marketplace.services.accounts import privacy, users
from marketplace.services.deals import message_mail
from marketplace.services.errors import DomainError
from marketplace.web.account.forms import (
    DeleteAccountForm,
    MessageMailForm,
    PasswordForm,
    ProfileForm,
)
from marketplace.web.audit import record_read
from marketplace.web.helpers import attach_domain_error
from marketplace.web.inputs import ConfirmForm
from marketplace.web.jobs import mail_context, send_after_commit
from marketplace.web.outcomes import attempt
from marketplace.web.policy import policy
from models.base import utcnow

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(
    profile: ProfileForm,
    password: PasswordForm,
    status: int = 200,
    delete: DeleteAccountForm | None = None,
    message_mail_form: MessageMailForm | None = None,
) -> tuple[str, int]:
    if message_mail_form is None:
        message_mail_form = MessageMailForm(formdata=None, message_mail=current_user.message_mail)
    return render_template(
        "account/settings.html",
        profile=profile,
        password=password,
        confirm=ConfirmForm(formdata=None),
        delete=delete or DeleteAccountForm(formdata=None),
        sign_ins=users.recent_sign_ins(db.session, current_user),
        firm_on_deletion=privacy.firm_on_deletion(db.session, current_user),
        message_mail_form=message_mail_form,
    ), status


def _profile() -> ProfileForm:
    profile = ProfileForm(formdata=None, obj=current_user)
    profile.locale.data = current_user.locale or "sv"
    return profile


@bp.get("")
@policy("user")
def settings() -> ResponseReturnValue:
    return _page(_profile(), PasswordForm(formdata=None))


@bp.post("/profile")
@policy("user")
def update_profile() -> ResponseReturnValue:
    profile = ProfileForm()
    if not profile.validate_on_submit():
        return _page(profile, PasswordForm(formdata=None), 422)
    users.update_profile(
        db.session, current_user, name=profile.name.data, locale=profile.locale.data
    )
    db.session.commit()
    refresh()
    flash(_("Your settings have been saved."), "success")
    return redirect(url_for("account.settings"), code=303)


@bp.post("/password")
@policy("user")
def change_password() -> ResponseReturnValue:
    password = PasswordForm()
    if password.validate_on_submit():
        changed = attempt(
            lambda: users.change_password(
                db.session,
                current_user,
                current=password.current_password.data,
                new=password.password.data,
            ),
            form=password,
            # The session token rotated; keep this device signed in.
            after_commit=lambda _none: login_user(current_user._get_current_object()),
            success=_("Your password has been changed. Other devices have been logged out."),
        )
        if changed:
            return redirect(url_for("account.settings"), code=303)
    return _page(_profile(), password, 422)


def _signed_out(message: str) -> ResponseReturnValue:
    logout_user()
    language = session.get("locale")
    session.clear()
    if language:
        session["locale"] = language
    flash(message, "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/sign-out-everywhere")
@policy("user")
def sign_out_everywhere() -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("account.settings"), code=303)
    users.end_sessions(db.session, current_user, everywhere=True)
    db.session.commit()
    return _signed_out(_("You have been signed out on every device, this one included."))


@bp.get("/export")
@policy("user")
def export() -> ResponseReturnValue:
    """Everything held about the signed-in person, as a JSON download (GDPR art. 15 and 20)."""
    data = privacy.export_user_data(db.session, current_user)
    # A read, but a security-relevant one (a stolen session would start here): logged.
    record_read("data_exported", subject=current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    response = Response(body, mimetype="application/json; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="my-data-{current_user.id}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/delete")
@policy("user")
def delete() -> ResponseReturnValue:
    form = DeleteAccountForm()
    if form.validate_on_submit():
        deleted = attempt(
            lambda: privacy.delete_account(
                db.session,
                current_user,
                password=form.password.data,
                close_firm_too=bool(form.close_firm.data),
            ),
            form=form,
        )
        if deleted:
            return _signed_out(_("Your account has been deleted. Thank you for using the service."))
    return _page(_profile(), PasswordForm(formdata=None), 422, delete=form)


# --- emails about new messages (own form and section) -----------------------------------------


@bp.post("/message-mail")
@policy("user")
def update_message_mail() -> ResponseReturnValue:
    form = MessageMailForm()
    if form.validate_on_submit():
        try:
            email_id = message_mail.set_message_mail(
                db.session,
                mail_context(),
                current_user,
                form.message_mail.data or "",
                now=utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            attach_domain_error(form, error)
        else:
            db.session.commit()
            send_after_commit([email_id] if email_id else [])
            flash(_("Your choice for emails about new messages has been saved."), "success")
            if email_id:
                flash(_("The messages since your last summary have been emailed to you."), "info")
            return redirect(url_for("account.settings") + "#message-mail-heading", code=303)
    return _page(_profile(), PasswordForm(formdata=None), 422, message_mail_form=form)
