"""Forms for registration, login, verification, password reset and invitations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import InputRequired, Length, Optional

from marketplace.web.fields import (
    ascii_digits,
    email_field,
    new_password_fields,
    org_number_check,
    sni_check,
    website_field,
)
from marketplace.web.inputs import Form


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
            org_number_check,
        ],
        description=_l("Ten digits, as registered with Bolagsverket, e.g. 556036-0793."),
    )
    sni_code = StringField(
        _l("SNI code (optional)"),
        validators=[Optional(), Length(max=7), ascii_digits, sni_check],
        description=_l("Industry classification, e.g. 16.101 for sawmills."),
    )
    website = website_field()
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


class ResetPasswordForm(Form):
    password, password_confirm = new_password_fields()


class AcceptInvitationForm(Form):
    name = StringField(
        _l("Your name"),
        validators=[InputRequired(_l("Enter your name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    password, password_confirm = new_password_fields()
