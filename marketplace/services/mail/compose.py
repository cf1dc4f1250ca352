"""Rendering emails (subject, plain text, HTML) in the recipient's language, without Flask.

The web layer and the job workers render through the same templates (`templates/emails/`) and
the same catalogues, so an email looks the same whichever process writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from babel.support import NullTranslations, Translations

from marketplace.services.reference.formatting import (
    TIMEZONE,
    day,
    moment,
    money,
    number,
)

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "templates"
TRANSLATIONS = ROOT / "marketplace" / "translations"
LOCALES = ("sv", "en")
__all__ = ["LOCALES", "TIMEZONE", "Rendered", "number", "render_email", "translate"]


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@cache
def _translations(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), [locale])


@cache
def _environment(locale: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=False,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates change only with a deploy (which restarts processes)
    )
    env.install_gettext_translations(_translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals["current_locale"] = lambda: locale
    env.filters["number"] = lambda value, digits=0: number(value, digits, locale)
    env.filters["money"] = lambda value, digits=0: money(value, locale, digits)
    env.filters["day"] = lambda value: (
        moment(value, locale) if isinstance(value, datetime) else day(value, locale)
    )
    return env


def render_email(template: str, locale: str, **context: Any) -> Rendered:
    """emails/<template>.subject.txt, .txt and .html rendered in `locale` (sv or en)."""
    env = _environment(locale if locale in LOCALES else LOCALES[0])
    subject = env.get_template(f"emails/{template}.subject.txt").render(**context).strip()
    text = env.get_template(f"emails/{template}.txt").render(**context)
    html = env.get_template(f"emails/{template}.html").render(subject=subject, **context)
    return Rendered(subject=" ".join(subject.split()), text=text, html=html)


def translate(locale: str, message: str, **variables: Any) -> str:
    """One message from the catalogues, outside a template (e.g. a heading built in code)."""
    text = _translations(locale if locale in LOCALES else LOCALES[0]).gettext(message)
    return text % variables if variables else text
