"""Numbers, money and dates in the reader's language (services.formatting), and the decimal
inputs' reading of what a Swedish or an English reader types (web.fields.parse_decimal)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st

from marketplace.services.reference import formatting
from marketplace.web.fields import input_text, parse_decimal

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "digits", "sv", "en"),
    [
        (1234567.5, 1, f"1{NBSP}234{NBSP}567,5", "1,234,567.5"),
        (0.1252, 4, "0,1252", "0.1252"),
        (69300, 0, f"69{NBSP}300", "69,300"),
        (2.5, 0, "3", "3"),  # half up, where Babel alone rounds half to even (2)
        (0.125, 2, "0,13", "0.13"),
        (12.0, 3, "12", "12"),  # trailing zeros dropped
        (-0.04, 1, "0", "0"),  # never −0
        (Decimal("1200.500"), 3, f"1{NBSP}200,5", "1,200.5"),
    ],
)
def test_numbers_in_each_language(value, digits, sv, en):
    assert formatting.number(value, digits, "sv") == sv
    assert formatting.number(value, digits, "en") == en


def test_fixed_decimals_nothing_for_missing_or_not_a_number():
    assert formatting.number(61.389, 5, "sv", fixed=True) == "61,38900"
    assert formatting.number(None, 1, "sv") == ""
    assert formatting.number(float("nan"), 1, "sv") == ""
    assert formatting.number(float("inf"), 1, "en") == ""


def test_one_currency_label_per_language():
    assert formatting.money(1234567.4, "sv") == f"1{NBSP}234{NBSP}567{NBSP}kr"
    assert formatting.money(1234567.4, "en") == f"1,234,567{NBSP}SEK"
    assert formatting.money(None, "sv") == ""
    assert formatting.currency("de") == "kr"  # an unknown language is the default, Swedish


def test_dates_months_and_times_in_each_language():
    assert formatting.day(date(2026, 12, 2), "sv") == "2 dec. 2026"
    assert formatting.day(date(2026, 12, 2), "en") == "2 Dec 2026"
    assert formatting.day(date(2027, 1, 1), "en") == "1 Jan 2027"  # not "Jan 1, 2027"
    assert formatting.month("2026-11", "sv") == "nov. 2026"
    assert formatting.month("2026-05", "en") == "May 2026"
    # 23:30 UTC on 2 December is 00:30 on 3 December in Sweden.
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    assert formatting.moment(late, "sv") == "3 dec. 2026 00:30"
    assert formatting.day(late, "en") == "3 Dec 2026"


@pytest.fixture(scope="module")
def request_context():  # type: ignore[no-untyped-def]
    from flask_babel import Babel

    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("typed", "sv", "en"),
    [
        ("300,5", "300.5", "300.5"),
        ("300.5", "300.5", "300.5"),
        ("1 200,25", "1200.25", "1200.25"),
        (f"1{NBSP}200", "1200", "1200"),
        ("\u22125,5", "-5.5", "-5.5"),  # Babel's Swedish minus sign
        ("0.500", "0.5", "0.5"),  # a group of three cannot follow a leading zero
        ("1,200", "1.2", "1200"),  # the comma: a decimal mark in Swedish, thousands in English
        ("1.200", None, "1.2"),  # the point: refused in Swedish, a decimal point in English
        ("12.500", None, "12.5"),
        ("1.200.000", None, None),
        ("1,234,567.5", None, "1234567.5"),
        ("1.200,5", None, None),
        ("12 5", None, None),  # a space only between groups of three
        ("3e5", None, None),
        ("12,5,1", None, None),
        ("nan", None, None),
        ("\u0661\u0662", None, None),  # digits of another script
    ],
)
def test_the_language_decides_what_a_typed_number_means(request_context, typed, sv, en):
    for locale, expected in (("sv", sv), ("en", en)):
        with force_locale(locale):
            if expected is None:
                with pytest.raises(ValueError):
                    parse_decimal(typed, locale)
            else:
                assert parse_decimal(typed, locale) == Decimal(expected), (locale, typed)


def test_an_ambiguous_point_is_explained_with_both_readings(request_context):
    with force_locale("sv"), pytest.raises(ValueError) as refused:
        parse_decimal("1.200", "sv")
    assert str(refused.value) == "1.200 could mean 1\u00a0200 or 1,2: write 1\u00a0200 or 1,2."
    with force_locale("sv"), pytest.raises(ValueError) as refused:
        parse_decimal("1.200.000", "sv")
    assert "1\u00a0200\u00a0000" in str(refused.value)


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False),
    st.sampled_from(["sv", "en"]),
)
def test_what_an_input_shows_is_read_back_as_the_same_number(value, locale):
    shown = input_text(value, None, locale)
    assert parse_decimal(shown, locale) == value
    if locale == "sv":
        assert "." not in shown
