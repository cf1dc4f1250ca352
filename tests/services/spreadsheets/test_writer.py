"""Spreadsheet exports in the reader's language: labels, rounding, separators, .xlsx."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from marketplace.services.impact import factors
from marketplace.services.spreadsheets.cells import neutralise, plain
from marketplace.services.spreadsheets.writer import to_csv, to_xlsx
from marketplace.services.staff import exports

ROWS = [
    {"category": "steel_slag", "municipality": "2080", "realised_tonnes": 1234.56,
     "realised_co2e_kg": 5579.6, "offers": 3, "status": "published", "anonymous": True},
    {"category": "bark", "municipality": None, "realised_tonnes": 0.04,
     "realised_co2e_kg": -250.4, "offers": 0, "status": "closed", "anonymous": False},
]  # fmt: skip


def test_swedish_csv_is_for_swedish_excel():
    body = to_csv(ROWS, "sv")
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == ("Kategori;Kommun;Genomfört ton;Genomfört kg CO2e;Erbjudanden;Status;Anonym")
    assert lines[1] == "Stålslagg;Falun;1\xa0234,6;5\xa0580;3;Publicerad;Ja"
    assert lines[2] == "Bark;;0;-250;0;Stängd;Nej"


def test_english_csv_uses_english_format():
    lines = to_csv(ROWS, "en").decode("utf-8-sig").splitlines()
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    assert rows[0][:3] == ["Category", "Municipality", "Realised tonnes"]
    assert rows[1] == ["Steel slag", "Falun", "1,234.6", "5,580", "3", "Published", "Yes"]


def test_xlsx_holds_the_same_rows_with_numbers_as_numbers():
    sheet = load_workbook(io.BytesIO(to_xlsx(ROWS, "sv", "by_category"))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Kategori" and sheet.title == "by_category"
    assert values[1] == ("Stålslagg", "Falun", 1234.6, 5580, 3, "Publicerad", "Ja")
    assert values[2][:4] == ("Bark", None, 0, -250)


# --- formula injection (OWASP "CSV injection") ----------------------------------------------

HOSTILE = ['=HYPERLINK("http://evil.example","Klicka")', "+46 70 123", "-1+2", "@SUM(A1:A2)",
           "\t=1+1", "\r=1+1"]  # fmt: skip
HOSTILE_ROWS = [{"title": title, "firm": "Sågverket AB", "quantity": -3.0} for title in HOSTILE]


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_csv_cells_that_would_run_as_formulas_are_text(locale):
    text = to_csv(HOSTILE_ROWS, locale).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if locale == "sv" else ","))
    assert [row[0] for row in rows[1:]] == ["'" + title for title in HOSTILE]
    assert {row[1] for row in rows[1:]} == {"Sågverket AB"}  # ordinary text untouched
    assert {row[2] for row in rows[1:]} == {"-3"}  # a negative number stays a number


def test_xlsx_cells_that_would_run_as_formulas_are_text():
    sheet = load_workbook(io.BytesIO(to_xlsx(HOSTILE_ROWS, "sv"))).active
    for title, (cell, firm, quantity) in zip(HOSTILE, sheet.iter_rows(min_row=2), strict=True):
        assert cell.data_type == "s"
        assert cell.value == title.replace("\r", "\n")  # as written (XML reads CR as LF)
        assert cell.quotePrefix  # Excel's own "typed after an apostrophe": stays text if edited
        assert (firm.value, firm.quotePrefix) == ("Sågverket AB", False)
        assert (quantity.data_type, quantity.value) == ("n", -3)


@pytest.mark.parametrize(
    ("value", "written"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-x", "'-x"), ("@x", "'@x"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("a=1", "a=1"), (" =1", " =1"), ("'=1", "''=1"), ("'x", "'x"),
     ("", ""), (-3, -3), (2.5, 2.5), (None, None)],
)  # fmt: skip
def test_neutralise_prefixes_only_formula_like_text(value, written):
    assert neutralise(value) == written
    if isinstance(value, str):
        assert plain(neutralise(value)) == value  # reading it back gives the text


def test_the_open_data_csv_is_neutralised_too():
    text = exports.to_csv([{"municipality": "2080", "title": "=cmd|' /C calc'!A0", "n": -2}])
    assert list(csv.reader(io.StringIO(text)))[1] == ["2080", "'=cmd|' /C calc'!A0", "-2"]


def test_a_factor_set_csv_is_neutralised_and_reads_back_unchanged():
    factor = SimpleNamespace(key="transport.road", value=-0.5, unit="kg/tkm",
                             source="=HYPERLINK(\"http://evil.example\")", year=2025, low=None,
                             high=None, note="-10 % mot 2020")  # fmt: skip
    text = factors.to_csv(SimpleNamespace(factors=[factor]))
    assert "'=HYPERLINK" in text and "'-10 % mot 2020" in text and ",-0.5," in text
    [record] = factors.parse_csv(text)
    assert (record.source, record.note, record.value) == (factor.source, factor.note, -0.5)


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_ids_are_written_without_thousands_separators(locale):
    """A listing id of 12345 is an id, not a quantity: never "12 345" or "12,345"."""
    rows = [{"id": 12345, "listing_id": 1234567, "count": 12345}]
    text = to_csv(rows, locale).decode("utf-8-sig")
    cells = text.splitlines()[1].split(";" if locale == "sv" else ",")
    assert cells[:2] == ["12345", "1234567"]
