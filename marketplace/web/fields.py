"""Form fields for Swedish users: decimal comma, spaces as thousands separators."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DecimalField,
    EmailField,
    Field,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    URL,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from marketplace.services.reference import formatting
from marketplace.services.reference.validation import (
    INT4_MAX,
    ascii_int,
    has_foreign_digits,
    normalise_org_number,
    valid_sni,
)

_SPACE = "[ \u00a0\u202f]"  # a space, a no-break space or a narrow one between thousands
# Digits, plain or in groups of three with spaces; then a decimal part after a comma or a point.
_PLAIN = re.compile(
    rf"(?P<int>[0-9]+|[1-9][0-9]{{0,2}}(?:{_SPACE}[0-9]{{3}})+)"
    r"(?:(?P<mark>[.,])(?P<frac>[0-9]+))?"
)
# English thousands with commas (1,200 and 1,234,567.5), and what looks like them with points.
_COMMAS = re.compile(r"(?P<int>[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.(?P<frac>[0-9]+))?")
_POINTS = re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+")
_GROUP = re.compile(r"[1-9][0-9]{0,2}")  # an integer part that can stand before a thousands group

GARBLED = _l("Enter a number, e.g. 1,200 or 0.5.")
NOT_WHOLE = _l("Enter a whole number with the digits 0–9.")
FOREIGN_DIGITS = _l("Write the number with the digits 0–9.")


def parse_decimal(raw: str, locale: str) -> Decimal:
    """A number as a Swedish or an English reader typed it; ValueError (a message) otherwise.

    Both languages take a decimal comma or a decimal point ("300,5", "300.5") and spaces
    between thousands ("1 200"). What the two readers would read differently is decided by the
    language, and refused where it stays a guess: in English, commas before groups of three
    are thousands ("1,200" is 1200, "1,234.5"), any other comma a decimal mark ("300,5"); in
    Swedish the comma is always the decimal mark ("1,200" is 1,2), and a point before exactly
    three digits ("1.200", "12.500", "1.200.000") is refused with both readings offered, since
    it is the decimal point of the English keyboard as often as a thousands mark.
    Exponents, NaN, infinities and digits other than 0–9 are refused.
    """
    text = raw.strip()
    sign = "-" if text[:1] in ("-", "\u2212") else ""
    body = text[1:] if sign or text[:1] == "+" else text
    if (match := _PLAIN.fullmatch(body)) is not None:
        whole = re.sub(_SPACE, "", match["int"])
        mark, frac = match["mark"], match["frac"]
        thousands_like = bool(_GROUP.fullmatch(match["int"])) and len(frac or "") == 3
        if thousands_like and mark == "," and locale == "en":
            return Decimal(sign + whole + frac)
        if thousands_like and mark == "." and locale != "en":
            raise ValueError(_ambiguous(text, sign + whole + frac, sign + whole + "." + frac))
        return Decimal(sign + whole + ("." + frac if frac else ""))
    if locale == "en" and (match := _COMMAS.fullmatch(body)) is not None:
        whole, frac = match["int"].replace(",", ""), match["frac"]
        return Decimal(sign + whole + ("." + frac if frac else ""))
    if locale != "en" and _POINTS.fullmatch(body):
        raise ValueError(_ambiguous(text, sign + body.replace(".", ""), None))
    raise ValueError(GARBLED)


def _ambiguous(typed: str, thousands: str, decimal: str | None) -> str:
    """The message for a point that may be a thousands mark, with the number written both ways."""
    if decimal is None:  # 1.200.000: three parts cannot be a decimal
        return _("Write %(typed)s as %(thousands)s.", typed=typed, thousands=_shown(thousands))
    return _(
        "%(typed)s could mean %(thousands)s or %(decimal)s: write %(thousands)s or %(decimal)s.",
        typed=typed,
        thousands=_shown(thousands),
        decimal=_shown(decimal),
    )


def _shown(value: str) -> str:
    return input_text(Decimal(value), None, _locale())


def _locale() -> str:
    return formatting.language(get_locale())


def input_text(value: Decimal | float | int, places: int | None, locale: str) -> str:
    """A stored number as the reader writes it: "1 200,5" / "1,200.5"; nothing rounded away
    (stored decimals without their trailing zeros, or exactly `places` decimals)."""
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if places is not None:
        return formatting.number(number, places, locale, fixed=True)
    exponent = number.normalize().as_tuple().exponent
    return formatting.number(number, max(0, -int(exponent)), locale)


class LocalDecimalField(DecimalField):
    """A number typed as the reader writes it (`parse_decimal`), shown the same way.

    A text input with `inputmode="decimal"` (a number input would refuse a decimal comma in
    some browsers and reformat it in others); a stored value is shown in the reader's format,
    so a Swedish form shows 1 200,5 and sends it back as it is.
    """

    widget = TextInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        render_kw = {
            "inputmode": "decimal",
            "autocomplete": "off",
            **(kwargs.pop("render_kw", None) or {}),
        }
        super().__init__(*args, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        if raw == "":
            # Only spaces is no number at all: InputRequired looks at raw_data, which would
            # otherwise count " " as given and let the form through with no value.
            self.data = None
            self.raw_data = [""]
            return
        try:
            self.data = parse_decimal(raw, _locale())
        except (ValueError, InvalidOperation) as error:
            self.data = None
            message = str(error) if isinstance(error, ValueError) and error.args else GARBLED
            raise ValueError(message) from None

    def _value(self) -> str:
        """What the reader typed when the form comes back, else the stored value in their format."""
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, Decimal | float | int) and not isinstance(self.data, bool):
            return input_text(self.data, self.places, _locale())
        return str(super()._value())


class WholeNumberField(IntegerField):
    """A whole number in the digits 0-9 that the database's integer column can hold.

    WTForms' IntegerField uses `int()`, which takes "１２", "١٢" and "1_000" as numbers and
    any number of digits; only spaces counts as no input (as in `LocalDecimalField`).
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        self.data = ascii_int(raw, high=INT4_MAX)
        if raw == "":
            self.raw_data = [""]
        elif self.data is None:
            raise ValueError(str(NOT_WHOLE))


def ascii_digits(_form: Any, field: Field) -> None:
    """Validator for a code (organisation number, postcode, SNI, EWC): digits other than
    0-9 ("１２", "١٢", "²") get their own message rather than "not a valid code"."""
    if isinstance(field.data, str) and has_foreign_digits(field.data):
        raise StopValidation(str(FOREIGN_DIGITS))


def choice_id(value: Any) -> int:
    """`coerce` for a select of ids: ASCII digits within the integer range, else ValueError."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    parsed = ascii_int(str(value), low=1)
    if parsed is None:
        raise ValueError(str(NOT_WHOLE))
    return parsed


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (rendered as a fieldset by macros/forms.html)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        """Unknown values are refused by the service with a message; no WTForms English here."""


# --- fields several blueprints share -----------------------------------------------------------


def org_number_check(_form: Any, field: StringField) -> None:
    if normalise_org_number(field.data or "") is None:
        raise ValidationError(
            _l(
                "Enter a valid organisation number (ten digits, e.g. 556036-0793); "
                "the last digit is a check digit."
            )
        )


def sni_check(_form: Any, field: StringField) -> None:
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


def website_field() -> StringField:
    return StringField(
        _l("Website (optional)"),
        validators=[
            Optional(),
            Length(max=300),
            URL(message=_l("Enter a full address starting with https://.")),
        ],
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
