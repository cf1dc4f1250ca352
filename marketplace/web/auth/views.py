"""Registration, login/logout, email verification, password reset, invitations."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import Session

from marketplace.config import Settings
from marketplace.extensions import db, limiter
from marketplace.services.accounts import members, users
from marketplace.services.accounts.security import TokenError, read_token
from marketplace.services.errors import DomainError
from marketplace.services.reference.validation import normalise_org_number
from marketplace.web import limits
from marketplace.web.auth.forms import (
    AcceptInvitationForm,
    EmailForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from marketplace.web.emails import send_reset, send_templated, send_verification
from marketplace.web.helpers import (
    flash_domain_error,
    form_status,
    locale,
    translate,
)
from marketplace.web.inputs import ConfirmForm
from marketplace.web.outcomes import attempt
from marketplace.web.policy import policy
from marketplace.web.security import safe_next
from models.accounts import User

T = TypeVar("T")

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return str(current_app.extensions["settings"].login_rate_limit)


def _email_key() -> str:
    return "login:" + (request.form.get("email") or "").strip().lower()


def _settings() -> Settings:
    return current_app.extensions["settings"]


def _read(purpose: str, token: str, max_age: int) -> dict[str, object] | None:
    try:
        return read_token(current_app.config["SECRET_KEY"], purpose, token, max_age)
    except TokenError as exc:
        if exc.expired:
            flash(_("This link has expired. Ask for a new one."), "error")
        else:
            flash(_("This link is not valid. Check that you copied all of it."), "error")
        return None


def _opened(
    payload: dict[str, object] | None, open_link: Callable[[Session, dict[str, object]], T]
) -> T | None:
    """What a link's payload opens, or None (the reason flashed) when it no longer holds."""
    if not payload:
        return None
    try:
        return open_link(db.session, payload)
    except DomainError as error:
        flash_domain_error(error)
        return None


def _start_session(user: users.User, remember: bool) -> None:
    """Sign in (after the caller's changes are committed): a clean session, the sign-in noted."""
    users.record_sign_in(db.session, user, user_agent=request.user_agent.string)
    db.session.commit()
    language = session.get("locale")
    session.clear()  # no pre-login state survives into the authenticated session
    if language:
        session["locale"] = language
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
@policy("public")
@limiter.limit("20 per hour", methods=["POST"])
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("firm.overview"))
    form = RegisterForm()
    if form.validate_on_submit():
        refused = limits.refusal("account_mail", address=form.email.data)
        if refused:
            form.email.errors = [*form.email.errors, refused]
            return render_template("auth/register.html", form=form), 429
        firm = users.FirmDetails(
            name=form.firm_name.data,
            org_number=normalise_org_number(form.org_number.data) or "",
            sni_code=form.sni_code.data or None,
            website=form.website.data or None,
            contact_phone=form.contact_phone.data or None,
        )
        registered = attempt(
            lambda: users.register_firm_owner(
                db.session,
                email=form.email.data,
                password=form.password.data,
                name=form.name.data,
                firm=firm,
                locale=locale(),
            ),
            form=form,
            after_commit=_send_registration_mail,
            # The same answer whether or not the address already had an account.
            success=lambda _registration: _(
                "We have sent an email to %(email)s.", email=users.normalise_email(form.email.data)
            ),
            category="info",
        )
        if registered:
            return redirect(url_for("auth.registered"), code=303)
    return render_template("auth/register.html", form=form), form_status(form)


def _send_registration_mail(registration: users.Registration) -> None:
    """A new owner confirms the address; an existing account hears that someone tried."""
    user = registration.user
    if registration.created:
        send_verification(user)
    elif user.active:
        base = _settings().base_url.rstrip("/")
        send_templated(
            to=user.email,
            locale=user.locale or locale(),
            template="registration_attempt",
            purpose="registration_attempt",
            user=user,
            login_url=base + url_for("auth.login"),
            reset_url=base + url_for("auth.forgot_password"),
        )


@bp.get("/register/sent")
@policy("public")
def registered() -> ResponseReturnValue:
    return render_template("auth/registered.html")


@bp.route("/login", methods=["GET", "POST"])
@policy("public")
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit("5 per minute", key_func=_email_key, methods=["POST"])
def login() -> ResponseReturnValue:
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = users.authenticate(
                db.session, email=form.email.data, password=form.password.data
            )
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(translate(error.message, **error.params))
            user = None
        else:
            if user is None:
                form.form_errors.append(_("Wrong email address or password."))
        if user is not None:
            _start_session(user, remember=form.remember.data)
            return redirect(target, code=303)
    return render_template("auth/login.html", form=form), form_status(form)


@bp.post("/logout")
@policy("public")
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        # A saved copy of the session or remember-me cookie must not open the account again.
        users.end_sessions(db.session, current_user)
        db.session.commit()
    logout_user()
    language = session.get("locale")
    session.clear()
    if language:
        session["locale"] = language
    flash(_("You have been logged out."), "info")
    return redirect(url_for("main.index"), code=303)


@bp.get("/verify")
@policy("user")
def unverified() -> ResponseReturnValue:
    if current_user.is_verified:
        return redirect(url_for("firm.overview"))
    return render_template("auth/unverified.html", form=ConfirmForm())


@bp.post("/verify/resend")
@policy("user")
def resend_verification() -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("auth.unverified"), code=303)
    if not current_user.is_verified:
        refused = limits.refusal("account_mail", user_id=current_user.id)
        if refused:
            flash(refused, "error")
        else:
            send_verification(current_user)
            flash(_("We have sent a new link to %(email)s.", email=current_user.email), "info")
    return redirect(url_for("auth.unverified"), code=303)


@bp.route("/verify/<token>", methods=["GET", "POST"])
@policy("public")
def verify(token: str) -> ResponseReturnValue:
    payload = _read("verify", token, _settings().token_max_age_verify)
    if payload is None:
        return render_template("auth/link_problem.html"), 400
    form = ConfirmForm()
    if form.validate_on_submit():
        verified = attempt(
            lambda: users.verify_email(db.session, payload),
            success=_("Thank you, your email address is confirmed."),
        )
        if verified is None:
            return render_template("auth/link_problem.html"), 400
        target = "firm.overview" if current_user.is_authenticated else "auth.login"
        return redirect(url_for(target), code=303)
    return render_template("auth/verify.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@policy("public")
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = EmailForm()
    if form.validate_on_submit():
        # Refused by address alike for accounts and strangers, so it reveals nothing either.
        refused = limits.refusal("account_mail", address=form.email.data)
        if refused:
            form.email.errors = [*form.email.errors, refused]
            return render_template("auth/forgot.html", form=form), 429
        user = users.find_user_by_email(db.session, form.email.data)
        if user is not None and users.is_live(user):
            send_reset(user)
        # The same answer whether or not the address has an account.
        flash(
            _(
                "If an account exists for %(email)s, we have sent it a link to choose a new "
                "password. The link is valid for one hour.",
                email=form.email.data,
            ),
            "info",
        )
        return redirect(url_for("auth.login"), code=303)
    return render_template("auth/forgot.html", form=form), form_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@policy("public")
def reset_password(token: str) -> ResponseReturnValue:
    payload = _read("reset", token, _settings().token_max_age_reset)
    user = _opened(payload, users.user_for_reset)
    if user is None:
        return render_template("auth/link_problem.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        changed = attempt(
            lambda: users.set_password(db.session, user, form.password.data),
            form=form,
            after_commit=lambda _none: logout_user(),
            success=_("Your password has been changed. Log in with the new password."),
        )
        if changed:
            return redirect(url_for("auth.login"), code=303)
    return render_template("auth/reset.html", form=form), form_status(form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@policy("public")
def accept_invitation(token: str) -> ResponseReturnValue:
    payload = _read("invite", token, _settings().token_max_age_invite)
    invitation = _opened(payload, members.open_invitation)
    if invitation is None:
        return render_template("auth/link_problem.html"), 400
    existing = users.find_user_by_email(db.session, invitation.email)
    form = ConfirmForm() if existing else AcceptInvitationForm()
    if existing and not (current_user.is_authenticated and current_user.id == existing.id):
        flash(_("Log in as %(email)s to accept the invitation.", email=invitation.email), "info")
        return redirect(url_for("auth.login", next=request.path))
    if form.validate_on_submit():
        details = (
            {"name": form.name.data, "password": form.password.data}
            if isinstance(form, AcceptInvitationForm)
            else {}
        )

        def signed_in(user: User) -> None:
            if not current_user.is_authenticated:
                _start_session(user, remember=False)

        accepted = attempt(
            lambda: members.accept_invitation(
                db.session, invitation, user=existing, locale=locale(), **details
            ),
            form=form,
            after_commit=signed_in,
            success=lambda _user: _("Welcome to %(firm)s.", firm=invitation.organisation.name),
        )
        if accepted:
            return redirect(url_for("firm.overview"), code=303)
    return render_template(
        "auth/invitation.html", form=form, invitation=invitation, existing=existing
    ), form_status(form)
