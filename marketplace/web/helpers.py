"""Template helpers: labels in the current language, number and date formatting, messages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, current_app, flash, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from geo.gazetteer import COUNTIES, COUNTY_BY_CODE, MUNICIPALITIES, MUNICIPALITY_BY_CODE
from marketplace.extensions import db
from marketplace.services.deals.conversations import unread_count
from marketplace.services.errors import DomainError
from marketplace.services.listings.lifecycle import disclosure
from marketplace.services.reference import formatting
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
    """Up to `digits` decimals in the reader's format (services.formatting: half up, no −0)."""
    return formatting.number(value, digits, locale())


def fmt_money(value: Decimal | float | int | None, digits: int = 0) -> str:
    """Kronor with the reader's label: "1 234 kr" / "1,234 SEK"."""
    return formatting.money(value, locale(), digits)


def fmt_count(value: int | None) -> str:
    """A count for a plural message ("1 848 annonser"): thousands grouped, no decimals."""
    return formatting.number(value, 0, locale())


def fmt_coordinate(value: float | None) -> str:
    """A latitude or longitude with five decimals (about a metre) in the reader's format."""
    return formatting.number(value, 5, locale(), fixed=True)


def fmt_date(value: date | datetime | None) -> str:
    """ "2 dec. 2026" / "2 Dec 2026", as in the emails."""
    return formatting.day(value, locale())


def fmt_month(value: str | date | None) -> str:
    """ "nov. 2026" / "Nov 2026" for a month given as "2026-11" (the statistics' months)."""
    return formatting.month(value, locale())


def fmt_datetime(value: datetime | None) -> str:
    """Date and time in Stockholm time."""
    return formatting.moment(value, locale())


def browser_label(user_agent: str) -> str:
    """ "Firefox, Windows" for a sign-in's User-Agent header (ua-parser's rules)."""
    from ua_parser import parse

    result = parse(user_agent or "")
    parts = [
        part.family
        for part in (result.user_agent, result.os)
        if part is not None and part.family and part.family != "Other"
    ]
    return ", ".join(parts) or _("Unknown browser")


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
        fmt_money=fmt_money,
        fmt_count=fmt_count,
        fmt_month=fmt_month,
        currency_label=lambda: formatting.currency(locale()),
        fmt_date=fmt_date,
        fmt_datetime=fmt_datetime,
        browser_label=browser_label,
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
