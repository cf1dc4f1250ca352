"""Swedish identifiers: organisationsnummer (Luhn), postcodes and SNI codes."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.services.reference.validation import (
    INT4_MAX,
    ascii_int,
    ascii_number,
    clean_text,
    has_control_characters,
    has_foreign_digits,
    luhn_valid,
    normalise_org_number,
    normalise_postcode,
    valid_sni,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def reference_check_digit(body: str) -> int:
    """Skatteverket's rule, written independently: weights 2,1,2,1,... from the left."""
    assert len(body) == 9 and body.isdigit()
    total = 0
    for position, char in enumerate(body):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


# --- Luhn -----------------------------------------------------------------------------------


def test_reference_check_digit_matches_published_org_numbers():
    # AB Volvo 556012-5790 and Saab AB 556036-0793, as published in their annual reports.
    assert reference_check_digit("556012579") == 0
    assert reference_check_digit("556036079") == 3


@pytest.mark.parametrize("number", ["5560125790", "5560360793", "2021005489"])
def test_luhn_accepts_valid_numbers(number):
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["5560125791", "5560360794", "5560360790"])
def test_luhn_rejects_a_wrong_check_digit(number):
    assert not luhn_valid(number)


@given(body=nine_digits)
def test_luhn_agrees_with_the_reference_implementation(body):
    check = reference_check_digit(body)
    for digit in range(10):
        assert luhn_valid(f"{body}{digit}") is (digit == check)


# --- organisationsnummer ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "5560360793",
        "556036-0793",
        "16556036-0793",
        "165560360793",
        "  556036-0793  ",
        "\t5560360793\n",
        " 16556036-0793 ",
    ],
)
def test_accepted_org_number_forms_normalise_to_dashed_ten_digits(raw):
    assert normalise_org_number(raw) == "556036-0793"


@given(body=nine_digits)
def test_exactly_one_check_digit_makes_an_org_number_valid(body):
    accepted = [d for d in range(10) if normalise_org_number(f"{body}{d}") is not None]
    assert accepted == [reference_check_digit(body)]
    digits = f"{body}{accepted[0]}"
    assert normalise_org_number(digits) == f"{digits[:6]}-{digits[6:]}"
    assert normalise_org_number(f"{digits[:6]}-{digits[6:]}") == f"{digits[:6]}-{digits[6:]}"


@pytest.mark.parametrize(
    "raw",
    [
        "556036-0794",  # wrong check digit
        "5560360790",  # wrong check digit
        "556036079",  # 9 digits
        "55603607930",  # 11 digits
        "556036-07930",  # 11 digits with dash
        "17556036-0793",  # 12 digits without the "16" prefix
        "55603A-0793",  # letter
        "556036-079X",  # letter as check digit
        "556036--0793",  # two dashes
        "5560-360793",  # dash in the wrong place
        "",
        "   ",
    ],
)
def test_invalid_org_numbers_are_rejected(raw):
    assert normalise_org_number(raw) is None


# --- postcodes ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["65224", "652 24", " 652 24 ", "65224\n"])
def test_postcodes_normalise_to_three_space_two(raw):
    assert normalise_postcode(raw) == "652 24"


@pytest.mark.parametrize(
    "raw", ["05224", "052 24", "6522", "652245", "652-24", "65a24", "abcde", "", "652  24"]
)
def test_malformed_postcodes_are_rejected(raw):
    assert normalise_postcode(raw) is None


@given(number=st.integers(min_value=10000, max_value=99999))
def test_every_five_digit_postcode_not_starting_with_zero_is_accepted_in_both_forms(number):
    digits = str(number)
    expected = f"{digits[:3]} {digits[3:]}"
    assert normalise_postcode(digits) == expected
    assert normalise_postcode(expected) == expected


# --- SNI 2007 ------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["16", "16.1", "16.10", "16.101", "16101", "1610", " 24.10 "])
def test_sni_codes_of_two_to_five_digits_are_valid(raw):
    assert valid_sni(raw)


@pytest.mark.parametrize(
    "raw", ["1", "161011", "16.1011", "16.", "16-101", "1.6101", "ab.101", "16.10a", ""]
)
def test_malformed_sni_codes_are_invalid(raw):
    assert not valid_sni(raw)


# --- digits other than 0-9 (issue 14) --------------------------------------------------------

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("table", [FULLWIDTH, ARABIC_INDIC])
@pytest.mark.parametrize("raw", ["556036-0793", "5560360793", "16556036-0793"])
def test_an_org_number_in_other_digits_is_refused_not_converted(table, raw):
    """Python's \\d and int() take these digits: the number passed the format and Luhn checks
    and was stored as typed, so the duplicate check never saw the firm's real number."""
    assert normalise_org_number(raw) == "556036-0793"
    assert normalise_org_number(raw.translate(table)) is None
    assert normalise_org_number(raw[:-1] + raw[-1].translate(table)) is None


@pytest.mark.parametrize("raw", ["６５２ ２４", "٦٥٢٢٤", "652 2４"])
def test_a_postcode_in_other_digits_is_refused(raw):
    assert normalise_postcode(raw) is None


@pytest.mark.parametrize("raw", ["１６.１０１", "١٦١٠١", "16.10²"])
def test_an_sni_code_in_other_digits_is_invalid(raw):
    assert not valid_sni(raw)


@pytest.mark.parametrize("raw", ["²", "１", "١", "٣٤", "½", "12３"])
def test_other_scripts_digits_are_noticed(raw):
    assert has_foreign_digits(raw)


@pytest.mark.parametrize("raw", ["", "0123456789", "556036-0793", "Sågspån 03 01 05"])
def test_ascii_digits_and_letters_are_not_foreign_digits(raw):
    assert not has_foreign_digits(raw)


# --- whole numbers and decimals ---------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["", " 1", "1 ", "+1", "-1", "1_000", "1.0", "1e3", "0x10", "²", "１", "١٢", "٣",
     "2147483648", str(2**63), "9" * 5000, None],
)  # fmt: skip
def test_ascii_int_refuses_what_int_would_take_or_the_database_cannot_hold(raw):
    assert ascii_int(raw) is None


@given(st.integers(min_value=0, max_value=INT4_MAX))
def test_ascii_int_reads_every_integer_the_database_holds(number):
    assert ascii_int(str(number)) == number
    assert ascii_int(str(number), low=number + 1) is None
    assert ascii_int(str(number), high=number - 1) is None


@given(st.text(min_size=1, max_size=12))
def test_ascii_int_accepts_only_ascii_digit_strings(text):
    value = ascii_int(text)
    if value is not None:
        assert text.isascii() and text.isdigit() and int(text) == value <= INT4_MAX


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("60.6", 60.6), ("60,6", 60.6), ("-15", -15.0), (" 5 ", 5.0), (".5", 0.5), ("+1", 1.0)],
)
def test_ascii_number_reads_finite_decimals(raw, expected):
    assert ascii_number(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "nan", "NaN", "inf", "-inf", "1e309", "1e3", "1_0", "٦٠", "６０", "1,2,3", "."]
)
def test_ascii_number_refuses_what_float_would_take(raw):
    assert ascii_number(raw) is None


# --- control characters and NFC -----------------------------------------------------------------


@pytest.mark.parametrize("raw", ["a\x00b", "\x1b[31m", "\x7f", "\x85", "\x9f", "a\tb", "a\nb"])
def test_control_characters_are_found_in_a_single_line(raw):
    assert has_control_characters(raw)


def test_a_multi_line_text_may_hold_tabs_and_line_breaks_only():
    assert not has_control_characters("rad ett\r\n\trad två", multiline=True)
    assert has_control_characters("rad\x00ett", multiline=True)
    assert clean_text("a\x00b\r\n\tc\x0b", multiline=True) == "ab\r\n\tc"
    assert clean_text("a\x00b\r\n\tc") == "abc"


def test_clean_text_composes_to_nfc_and_keeps_format_characters():
    assert clean_text("Cafe\u0301") == "Café"
    assert clean_text("\u202eabc\u202c\u200d") == "\u202eabc\u202c\u200d"  # Cf is not Cc


@given(st.text(st.characters(exclude_categories=("Cs",))), st.booleans())
def test_clean_text_leaves_no_control_characters_and_is_idempotent(text, multiline):
    cleaned = clean_text(text, multiline=multiline)
    assert not has_control_characters(cleaned, multiline=multiline)
    assert unicodedata.is_normalized("NFC", cleaned)
    assert clean_text(cleaned, multiline=multiline) == cleaned
