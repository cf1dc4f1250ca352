"""Template helpers: labels in the current language, number and date formatting, messages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, current_app, flash, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from geo.gazetteer import COUNTIES, COUNTY_BY_CODE, MUNICIPALITIES, MUNICIPALITY_BY_CODE
from marketplace.extensions import db
from marketplace.services.conversations import unread_count
from marketplace.services.errors import DomainError
from marketplace.services.listings import disclosure
from models.taxonomy import CATEGORIES, CATEGORY_BY_KEY, UNITS, format_ewc


def locale() -> str:
    return str(get_locale() or "sv")


def translate(message: str, **params: Any) -> str:
    """Translate an English msgid marked with N_ in the services (dates in the reader's form)."""
    shown = {k: fmt_date(v) if isinstance(v, date) else v for k, v in params.items()}
    return _(message, **shown)


def flash_domain_error(error: DomainError) -> None:
    flash(translate(error.message, **error.params), "error")


def attach_domain_error(form: Any, error: DomainError, *, beside_shape: bool = True) -> None:
    """Show every rule a submission broke beside its field, or at the top of the form.

    `beside_shape=False` skips fields that already show a shape error (their value did not
    parse, so the rule's message would only repeat it).
    """
    for problem in error.errors:
        text = translate(problem.message, **problem.params)
        field = getattr(form, problem.field, None) if problem.field else None
        if field is None:
            form.form_errors.append(text)
        elif (beside_shape or not field.errors) and text not in field.errors:
            field.errors = [*list(field.errors), text]


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """WTForms select choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def form_status(form: Any) -> int:
    """200 for a fresh form; 422 when a submitted form is shown again with its errors."""
    return 422 if form.is_submitted() else 200


def category_label(key: str | None) -> str:
    category = CATEGORY_BY_KEY.get(key or "")
    return category.label(locale()) if category else (key or "")


def unit_label(key: str) -> str:
    en, sv = UNITS.get(key, (key, key))
    return sv if locale() == "sv" else en


def municipality_name(code: str | None) -> str:
    municipality = MUNICIPALITY_BY_CODE.get(code or "")
    return municipality.name if municipality else _("Outside the region")


def county_name(code: str | None) -> str:
    county = COUNTY_BY_CODE.get(code or "")
    return county.name if county else ""


def fmt_number(value: Decimal | float | int | None, digits: int = 3) -> str:
    if value is None:
        return ""
    number = Decimal(str(value)).normalize()
    fmt = "#,##0." + "#" * digits if digits else "#,##0"
    return format_decimal(number, format=fmt)


def fmt_coordinate(value: float | None) -> str:
    """A latitude or longitude with five decimals (about a metre) in the reader's format."""
    return "" if value is None else format_decimal(value, format="0.00000")


def fmt_date(value: date | None) -> str:
    return format_date(value, "medium") if value else ""


def fmt_datetime(value: datetime | None) -> str:
    """Date and time in Stockholm time (Flask-Babel's configured timezone)."""
    return format_datetime(value, "d MMM yyyy HH:mm") if value else ""


def explain(reason: Any) -> str:
    """One factor of a match in words, in the current language."""
    params = {}
    for name, value in reason.params.items():
        if name.endswith("category"):
            params[name] = category_label(value)
        elif name == "km":
            params[name] = fmt_number(value, 1)
        elif name == "date":
            params[name] = fmt_date(value)
        else:
            params[name] = value
    return translate(reason.message, **params)


def units_map() -> dict[str, str]:
    return {key: unit_label(key) for key in UNITS}


def url_with(**changes: Any) -> str:
    """The current URL with some query parameters changed (for pagination links)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    from urllib.parse import urlencode

    return request.path + ("?" + urlencode(args) if args else "")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        category_label=category_label,
        unit_label=unit_label,
        municipality_name=municipality_name,
        county_name=county_name,
        fmt_number=fmt_number,
        fmt_coordinate=fmt_coordinate,
        fmt_date=fmt_date,
        fmt_datetime=fmt_datetime,
        format_ewc=format_ewc,
        url_with=url_with,
        current_locale=locale,
        translate=translate,
        disclosure=disclosure,
        units_map=units_map,
        explain=explain,
        MUNICIPALITIES=MUNICIPALITIES,
        COUNTIES=COUNTIES,
        CATEGORIES=CATEGORIES,
    )

    @app.context_processor
    def _inject() -> dict[str, Any]:
        settings = current_app.extensions["settings"]
        return {
            "settings": settings,
            "user": current_user,
            "unread_conversations": _unread_conversations,
        }


def _unread_conversations() -> int:
    """For the navigation: conversations of the user's firm with news the user has not read."""
    if not current_user.is_authenticated or current_user.organisation_id is None:
        return 0
    return unread_count(db.session, current_user)
