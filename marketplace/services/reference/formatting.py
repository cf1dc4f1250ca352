"""Numbers, money and dates in the reader's language: the one place that writes them.

Pages (through `marketplace.web.helpers`), emails (`services.emails`, also in the job workers)
and staff exports (`services.spreadsheets`) all format through these functions, with the
language as an argument (no Flask here), so a figure reads the same on a page, in an email and
in a spreadsheet: Swedish "1 234,5" (no-break space between thousands, decimal comma),
"2 dec. 2026", "kr"; English "1,234.5", "2 Dec 2026", "SEK".

Rounding is half up (2,5 → 3, as people round by hand; Babel alone rounds half to even), to
`digits` decimals with trailing zeros dropped ("12,5", "12") unless `fixed`; a value that rounds
to zero is "0", never "−0". Not-a-number and infinities are written as nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import NumberPattern, parse_pattern

LOCALES = ("sv", "en")
TIMEZONE = "Europe/Stockholm"
CURRENCY = {"sv": "kr", "en": "SEK"}  # one label per language, also inside sentences
DAY = "d MMM y"  # 2 dec. 2026 / 2 Dec 2026 (CLDR "medium" would give English "Dec 2, 2026")
MOMENT = "d MMM y HH:mm"

Number = Decimal | float | int


def language(locale: object) -> str:
    """sv or en (anything else, or nothing, is the default, Swedish)."""
    text = str(locale or "")[:2].lower()
    return text if text in LOCALES else LOCALES[0]


@cache
def _pattern(digits: int, fixed: bool) -> NumberPattern:
    decimals = ("0" if fixed else "#") * digits
    return parse_pattern(f"#,##0.{decimals}" if digits else "#,##0")


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def rounded(value: Number, digits: int = 0) -> Decimal | None:
    """`value` rounded half up to `digits` decimals (None for NaN and infinities); 0 not −0."""
    try:
        exact = value if isinstance(value, Decimal) else Decimal(str(value))
        if not exact.is_finite():
            return None
        result = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return result if result != 0 else abs(result)


def number(
    value: Number | None, digits: int = 0, locale: str = "sv", *, fixed: bool = False
) -> str:
    """`value` with up to `digits` decimals (exactly `digits` if `fixed`) in the locale's format."""
    if value is None:
        return ""
    result = rounded(value, digits)
    if result is None:
        return ""
    return _pattern(digits, fixed).apply(result, _locale(language(locale)))


def currency(locale: str) -> str:
    return CURRENCY[language(locale)]


def money(value: Number | None, locale: str, digits: int = 0) -> str:
    """An amount in kronor with the language's label: "1 234 kr", "1,234 SEK"."""
    shown = number(value, digits, locale)
    return f"{shown}\u00a0{currency(locale)}" if shown else ""


def day(value: date | datetime | None, locale: str) -> str:
    """A date as "2 dec. 2026" / "2 Dec 2026" (a datetime: its day in Swedish time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, DAY, tzinfo=ZoneInfo(TIMEZONE), locale=language(locale))
    return format_date(value, DAY, locale=language(locale))


def moment(value: datetime | None, locale: str) -> str:
    """A date and time in Swedish time: "2 dec. 2026 14:05" (a naive datetime is UTC)."""
    if value is None:
        return ""
    return format_datetime(value, MOMENT, tzinfo=ZoneInfo(TIMEZONE), locale=language(locale))


def month(value: str | date | None, locale: str) -> str:
    """A month, given as a date or as "2026-11": "nov. 2026" / "Nov 2026"."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            first = date(int(value[:4]), int(value[5:7]), 1)
        except ValueError:
            return value
    else:
        first = value
    return format_date(first, "MMM y", locale=language(locale))
