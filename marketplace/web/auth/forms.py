"""Forms for registration, login, verification, password reset and invitations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import URL, Email, EqualTo, InputRequired, Length, Optional, ValidationError

from marketplace.services.reference.validation import normalise_org_number, valid_sni
from marketplace.web.fields import ascii_digits
from marketplace.web.inputs import Form


def _org_number(_form: Form, field: StringField) -> None:
    if normalise_org_number(field.data or "") is None:
        raise ValidationError(
            _l(
                "Enter a valid organisation number (ten digits, e.g. 556036-0793); "
                "the last digit is a check digit."
            )
        )


def _sni(_form: Form, field: StringField) -> None:
    if field.data and not valid_sni(field.data):
        raise ValidationError(_l("Enter an SNI code such as 16.101 or 16101."))


def email_field(label: str | None = None) -> EmailField:
    return EmailField(
        label or _l("Email"),
        validators=[
            InputRequired(_l("Enter your email address.")),
            Email(_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email"},
    )


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(min=10, max=200, message=_l("Use between 10 and 200 characters.")),
        ],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least 10 characters. A few random words make a good password."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            InputRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class RegisterForm(Form):
    name = StringField(
        _l("Your name"),
        validators=[InputRequired(_l("Enter your name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    email = email_field()
    password, password_confirm = new_password_fields()
    firm_name = StringField(
        _l("Firm name"),
        validators=[InputRequired(_l("Enter the firm's name.")), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    org_number = StringField(
        _l("Organisation number"),
        validators=[
            InputRequired(_l("Enter the organisation number.")),
            Length(max=20),
            ascii_digits,
            _org_number,
        ],
        description=_l("Ten digits, as registered with Bolagsverket, e.g. 556036-0793."),
    )
    sni_code = StringField(
        _l("SNI code (optional)"),
        validators=[Optional(), Length(max=7), ascii_digits, _sni],
        description=_l("Industry classification, e.g. 16.101 for sawmills."),
    )
    website = StringField(
        _l("Website (optional)"),
        validators=[
            Optional(),
            Length(max=300),
            URL(message=_l("Enter a full address starting with https://.")),
        ],
    )
    contact_phone = StringField(
        _l("Phone (optional)"),
        validators=[Optional(), Length(max=40)],
        render_kw={"autocomplete": "tel"},
    )


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))


class EmailForm(Form):
    email = email_field()


class ConfirmForm(Form):
    """A button only: following a link never changes anything until the user confirms."""


class ResetPasswordForm(Form):
    password, password_confirm = new_password_fields()


class AcceptInvitationForm(Form):
    name = StringField(
        _l("Your name"),
        validators=[InputRequired(_l("Enter your name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    password, password_confirm = new_password_fields()
