"""Account settings forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from marketplace.web.auth.forms import new_password_fields
from marketplace.web.helpers import options
from marketplace.web.inputs import Form


class ProfileForm(Form):
    name = StringField(
        _l("Your name"),
        validators=[InputRequired(_l("Enter your name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    locale = SelectField(_l("Language"), choices=options([("sv", "Svenska"), ("en", "English")]))


class PasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    password, password_confirm = new_password_fields()
