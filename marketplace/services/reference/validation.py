"""Validators for Swedish identifiers and other shapes shared by forms and services.

Where a number or a code is expected only the ASCII digits 0-9 count: Python's `\\d`,
`str.isdigit()` and `int()` also take "²", fullwidth "１２３" and Arabic-Indic "١٢٣", which
would be stored as they were typed (and slip past a uniqueness check) or fail later.
"""

from __future__ import annotations

import math
import re
import unicodedata

# Every pattern is ASCII-only: [0-9] and re.ASCII, never a bare Unicode \d or \s.
_ORGNR = re.compile(r"^(?:16)?([0-9]{6})-?([0-9]{4})$")
_POSTCODE = re.compile(r"^([0-9]{3})\s?([0-9]{2})$", re.ASCII)
_SNI = re.compile(r"^[0-9]{2}(\.?[0-9]{1,3})?$")
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")

INT4_MAX = 2**31 - 1  # PostgreSQL `integer`: the largest id or count a column can hold
LINE_BREAKS = frozenset("\t\n\r")  # the control characters a multi-line text may hold


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) check as used by Swedish personnummer and organisationsnummer."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise_org_number(raw: str) -> str | None:
    """'5560000000', '556000-0000' or '16556000-0000' -> '556000-0000'; None if invalid.

    Skatteverket: ten digits, the last a Luhn check digit over the first nine.
    """
    match = _ORGNR.match((raw or "").strip().replace(" ", ""))
    if not match:
        return None
    digits = match.group(1) + match.group(2)
    if not luhn_valid(digits):
        return None
    return f"{digits[:6]}-{digits[6:]}"


def normalise_postcode(raw: str) -> str | None:
    """'65224' or '652 24' -> '652 24'; None when not a Swedish postcode shape."""
    match = _POSTCODE.match((raw or "").strip())
    if not match or match.group(1).startswith("0"):
        return None
    return f"{match.group(1)} {match.group(2)}"


def valid_sni(raw: str) -> bool:
    """SNI 2007 codes: two to five digits, optionally with a dot after the first two."""
    return bool(_SNI.match((raw or "").strip()))


def ascii_int(raw: str | None, *, low: int = 0, high: int = INT4_MAX) -> int | None:
    """A whole number written with the digits 0-9 only, from `low` to `high`; None otherwise.

    No sign, no spaces, no "1_000" (which `int()` takes), no other scripts' digits, and never
    a number the database's integer column cannot hold.
    """
    text = raw or ""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)):
        return None
    value = int(text)
    return value if low <= value <= high else None


def ascii_number(raw: str | None) -> float | None:
    """A finite decimal number in ASCII digits ("60.6", "60,6", "-15"); None otherwise.

    `float()` alone would take "nan", "inf", "1e309", "1_0" and other scripts' digits.
    """
    text = (raw or "").strip()
    if not _DECIMAL.fullmatch(text):
        return None
    value = float(text.replace(",", "."))
    return value if math.isfinite(value) else None


def has_foreign_digits(text: str | None) -> bool:
    """Whether the text holds a digit other than 0-9 ("²", "１", "١"): refused, never converted."""
    return any(not ch.isascii() and unicodedata.category(ch) in ("Nd", "No") for ch in text or "")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether the text holds a control character (NUL, ESC, DEL, C1...).

    A multi-line text may hold tabs and line breaks; nothing else of category Cc is ever
    typed by a person, and PostgreSQL cannot store NUL at all.
    """
    return any(
        unicodedata.category(ch) == "Cc" and not (multiline and ch in LINE_BREAKS) for ch in text
    )


def clean_text(text: str, *, multiline: bool = False) -> str:
    """The text without control characters (as `has_control_characters`), in Unicode NFC.

    NFC so that "é" typed as e + combining accent and "é" typed at once compare, search and
    count the same.
    """
    if has_control_characters(text, multiline=multiline):
        text = "".join(
            ch
            for ch in text
            if unicodedata.category(ch) != "Cc" or (multiline and ch in LINE_BREAKS)
        )
    return unicodedata.normalize("NFC", text)
