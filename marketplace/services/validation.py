"""Validators for Swedish identifiers and other shapes shared by forms and services."""

from __future__ import annotations

import re

_ORGNR = re.compile(r"^(?:16)?(\d{6})-?(\d{4})$")
_POSTCODE = re.compile(r"^(\d{3})\s?(\d{2})$")
_SNI = re.compile(r"^\d{2}(\.?\d{1,3})?$")


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
