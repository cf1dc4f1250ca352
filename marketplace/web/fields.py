"""Form fields for Swedish users: decimal comma, spaces as thousands separators."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


class LocalDecimalField(DecimalField):
    """Accepts '1 200,5' as well as '1200.5'; refuses NaN, infinities and exponents.

    A text input with `inputmode="decimal"` (a number input would refuse a decimal comma in
    some browsers and reformat it in others); a stored value is shown with the reader's
    decimal mark, so a Swedish form shows 300,5 and sends it back as it is.
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
            self.data = None
            return
        compact = re.sub(r"[\s\u00a0\u202f]", "", raw)
        if not _NUMBER.match(compact):
            self.data = None
            raise ValueError(_l("Enter a number, e.g. 1 200 or 0,5."))
        try:
            self.data = Decimal(compact.replace(",", "."))
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("Enter a number, e.g. 1 200 or 0,5.")) from None

    def _value(self) -> str:
        """Stored decimals without their trailing zeros: 500.000 is shown as 500."""
        if self.raw_data or not isinstance(self.data, Decimal):
            return str(super()._value())
        text = format(self.data.normalize(), "f") if self.places is None else super()._value()
        return str(text).replace(".", ",") if str(get_locale() or "sv") == "sv" else str(text)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (rendered as a fieldset by macros/forms.html)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        """Unknown values are refused by the service with a message; no WTForms English here."""
