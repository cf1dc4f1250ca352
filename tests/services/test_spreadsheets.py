"""Spreadsheet exports in the reader's language: labels, rounding, separators, .xlsx."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from marketplace.services.spreadsheets import to_csv, to_xlsx

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
