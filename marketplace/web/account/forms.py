"""Account settings forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from marketplace.web.fields import new_password_fields
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


class DeleteAccountForm(Form):
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("Enter your password to confirm."))],
        render_kw={"autocomplete": "current-password"},
    )
    close_firm = BooleanField(_l("Also close my firm (I am its last member)"))


class MessageMailForm(Form):
    """How to hear about new messages in conversations (account settings, own form)."""

    message_mail = RadioField(
        _l("How do you want to hear about new messages?"),
        choices=options(
            [
                ("each", _l("An email for each new message")),
                ("daily", _l("One summary a day, from 07:00, of the messages I have not read")),
            ]
        ),
        validators=[InputRequired(_l("Choose how to hear about new messages."))],
        description=_l(
            "Other news in a conversation (an inquiry accepted, deals, deliveries) is emailed at"
            " once either way. To get no email about one conversation, mute it on its page."
        ),
    )
