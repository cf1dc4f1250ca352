"""The logged-in user's own settings: name, language, password, emails about new messages."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user

from marketplace.extensions import db
from marketplace.services import accounts, message_mail
from marketplace.services.errors import DomainError
from marketplace.web.account.forms import MessageMailForm, PasswordForm, ProfileForm
from marketplace.web.helpers import attach_domain_error
from marketplace.web.jobs import send_after_commit
from marketplace.web.policy import policy
from models.base import utcnow
from workers.context import mail_context

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(  # type: ignore[no-untyped-def]
    profile: ProfileForm,
    password: PasswordForm,
    status: int = 200,
    message_mail_form: MessageMailForm | None = None,
):
    if message_mail_form is None:
        message_mail_form = MessageMailForm(formdata=None, message_mail=current_user.message_mail)
    return render_template(
        "account/settings.html",
        profile=profile,
        password=password,
        message_mail_form=message_mail_form,
    ), status


@bp.get("")
@policy("user")
def settings():  # type: ignore[no-untyped-def]
    profile = ProfileForm(obj=current_user)
    profile.locale.data = current_user.locale or "sv"
    return _page(profile, PasswordForm(formdata=None))


@bp.post("/profile")
@policy("user")
def update_profile():  # type: ignore[no-untyped-def]
    profile = ProfileForm()
    if not profile.validate_on_submit():
        return _page(profile, PasswordForm(formdata=None), 422)
    accounts.update_profile(
        db.session, current_user, name=profile.name.data, locale=profile.locale.data
    )
    db.session.commit()
    refresh()
    flash(_("Your settings have been saved."), "success")
    return redirect(url_for("account.settings"), code=303)


@bp.post("/password")
@policy("user")
def change_password():  # type: ignore[no-untyped-def]
    password = PasswordForm()
    if password.validate_on_submit():
        try:
            accounts.change_password(
                db.session,
                current_user,
                current=password.current_password.data,
                new=password.password.data,
            )
        except DomainError as error:
            db.session.rollback()
            attach_domain_error(password, error)
        else:
            db.session.commit()
            # The session token rotated; keep this device signed in.
            login_user(current_user._get_current_object())
            flash(
                _("Your password has been changed. Other devices have been logged out."), "success"
            )
            return redirect(url_for("account.settings"), code=303)
    profile = ProfileForm(formdata=None, obj=current_user)
    return _page(profile, password, 422)


# --- emails about new messages (own form and section) -----------------------------------------


@bp.post("/message-mail")
@policy("user")
def update_message_mail():  # type: ignore[no-untyped-def]
    form = MessageMailForm()
    if form.validate_on_submit():
        settings = current_app.extensions["settings"]
        try:
            email_id = message_mail.set_message_mail(
                db.session,
                mail_context(settings),
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
    profile = ProfileForm(formdata=None, obj=current_user)
    return _page(profile, PasswordForm(formdata=None), 422, form)
