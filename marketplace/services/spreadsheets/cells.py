"""Spreadsheet cells that cannot run as formulas (OWASP "CSV injection").

Excel, LibreOffice and Google Sheets treat a cell that begins with `=`, `+`, `-` or `@` (and,
after a tab or carriage return, the same) as a formula, so a listing titled
`=HYPERLINK(...)` would become a live link or worse in a staff member's spreadsheet. Text
that begins with one of them is written with a leading apostrophe in CSV, the spreadsheets'
own mark for "text, not a formula"; numbers stay numbers (a negative number is not text).
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    """Text that a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def neutralise(value: Any) -> Any:
    """The value for a CSV cell: formula-like text gets a leading apostrophe (and so does text
    that already starts with apostrophes before such a character, so `plain` reverses it)."""
    if isinstance(value, str) and formula_like(value.lstrip("'")):
        return "'" + value
    return value


def plain(value: str) -> str:
    """The text a neutralised cell stood for (for CSV read back in, e.g. factor sets)."""
    if value.startswith("'") and formula_like(value.lstrip("'")):
        return value[1:]
    return value
