"""Swedish identifiers: organisationsnummer (Luhn), postcodes and SNI codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.services.validation import (
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
