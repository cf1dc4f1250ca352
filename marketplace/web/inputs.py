"""Where typed input enters the app: every form's text, query-string values and URL ids.

The rules themselves are in `services.validation` (plain functions); this module applies them
to every request in one place, so a view never sees a NUL byte, a decomposed "é" or an id the
database cannot hold:

- `Form`, the base of every form: text normalised to NFC; control characters refused with a
  message beside the field (tabs and line breaks allowed in text areas), and removed from what
  the form hands on even when it is invalid; a JSON body is not a form.
- `query_text`, `query_int`, `query_id`: one query-string value, cleaned or parsed strictly
  (400 for a bad parameter, 404 for an id that cannot exist).
- `IdConverter`: `<int:…>` in URLs takes only ASCII digits within PostgreSQL's `integer`.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map
from wtforms import PasswordField, TextAreaField

from marketplace.services.reference.validation import (
    INT4_MAX,
    ascii_int,
    clean_text,
    has_control_characters,
)

CONTROL_MESSAGE = _l(
    "The text held invisible control characters, which have been removed. "
    "Check it and send it again."
)


class Form(FlaskForm):
    """The base of every form in the app (a test checks that none derives from FlaskForm)."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Form, formdata: Any) -> Any:
            if formdata is _Auto:
                # Flask-WTF would also read a JSON body as the form; nothing here posts JSON,
                # and a list or a number in it would reach fields that expect text.
                if not form.is_submitted() or request.is_json:
                    formdata = MultiDict() if form.is_submitted() else None
                elif request.files:
                    formdata = CombinedMultiDict((request.files, request.form))
                else:
                    formdata = request.form
            if formdata is None:
                form.refused = set()
                return None
            return form.cleaned(formdata)

    refused: set[str]

    def cleaned(self, formdata: Any) -> MultiDict[str, Any]:
        """The submitted values in NFC without control characters; `refused` names the
        fields that held any. Passwords and the CSRF token are left exactly as sent."""
        multiline = {f.name for f in self if isinstance(f, TextAreaField)}
        exact = {f.name for f in self if isinstance(f, PasswordField)}
        exact.add(self.meta.csrf_field_name if self.meta.csrf else "csrf_token")
        self.refused = set()
        items = []
        for key, value in formdata.items(multi=True):
            if isinstance(value, str) and key not in exact:
                lines = key in multiline
                if has_control_characters(value, multiline=lines):
                    self.refused.add(key)
                value = clean_text(value, multiline=lines)
            items.append((key, value))
        return MultiDict(items)

    def take_text(self, name: str, text: str) -> None:
        """Put text that did not come through the form (an uploaded file) into a field,
        under the same rules as typed text."""
        field = self[name]
        lines = isinstance(field, TextAreaField)
        if has_control_characters(text, multiline=lines):
            self.refused.add(field.name)
        field.data = clean_text(text, multiline=lines)
        field.raw_data = [field.data]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        by_name = {f.name: f for f in self}
        for name in getattr(self, "refused", ()):
            field = by_name.get(name)
            if field is not None:
                field.errors = [str(CONTROL_MESSAGE), *field.errors]
                valid = False
        return valid


def query_text(name: str, *, max_length: int = 200) -> str:
    """A free-text query parameter (a search): control characters removed, NFC, trimmed.

    Removing rather than refusing: a search box has no field to show a message beside, and
    what is left is still what the user meant to search for.
    """
    return clean_text(request.args.get(name) or "").strip()[:max_length]


class BadParameter(BadRequest):
    """400 for one query parameter; the JSON API names it in its error body."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


def query_int(name: str, default: int, *, low: int = 0, high: int = INT4_MAX) -> int:
    """A whole-number query parameter (a page, a limit, a radius); absent gives `default`,
    anything but ASCII digits from `low` to `high` is a bad request."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    value = ascii_int(raw, low=low, high=high)
    if value is None:
        raise BadParameter(name, f"must be a whole number from {low} to {high}")
    return value


def query_id(name: str, source: Any = None) -> int:
    """An id in the query string or a form (`source`): one that cannot exist is 404."""
    raw = ((request.args if source is None else source).get(name) or "").strip()
    value = ascii_int(raw, low=1)
    if value is None:
        abort(404)
    return value


class IdConverter(IntegerConverter):
    """`<int:…>` as ASCII digits within the database's integer range: anything else is 404.

    Werkzeug's own converter matches any Unicode digit (`\\d`) and has no upper bound, so
    "/listings/١٢" would open listing 12 and "/listings/99999999999" fail in PostgreSQL.
    """

    regex = "[0-9]+"

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT4_MAX)
        super().__init__(url_map, *args, **kwargs)


class ConfirmForm(Form):
    """A button only: following a link never changes anything until the user confirms."""
