"""Staff exports for people: CSV that Excel opens right in Swedish and English, and .xlsx.

JSON stays the machine format (keys, codes, unrounded numbers). The spreadsheets carry names
and labels instead of internal keys (categories, municipalities, directions, statuses), figures
rounded as the dashboard shows them, and in CSV the reader's number format: UTF-8 with a BOM
(Excel reads UTF-8 only with it), and in Swedish `;` between fields and a decimal comma, since
Swedish Excel takes the comma for the decimal mark. The .xlsx cells hold numbers as numbers,
which Excel then shows in the reader's own format. Text that a spreadsheet would run as a
formula stays text in both (services.cells).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from geo.gazetteer import MUNICIPALITY_BY_CODE
from marketplace.services.errors import N_
from marketplace.services.mail.compose import number, translate
from marketplace.services.spreadsheets.cells import formula_like, neutralise
from models.taxonomy import CATEGORY_BY_KEY, UNITS

Rows = list[dict[str, Any]]

COLUMNS: dict[str, str] = {
    "figure": N_("Figure"), "value": N_("Value"), "month": N_("Month"),
    "category": N_("Category"), "municipality": N_("Municipality"), "offers": N_("Offers"),
    "wants": N_("Wants"), "offered_tonnes": N_("Tonnes offered per year"),
    "wanted_tonnes": N_("Tonnes wanted per year"), "deals_agreed": N_("Deals agreed"),
    "realised_tonnes": N_("Realised tonnes"), "realised_co2e_kg": N_("Realised kg CO2e"),
    "realised_sek": N_("Realised SEK"), "potential_co2e_kg": N_("Potential kg CO2e per year"),
    "potential_sek": N_("Potential SEK per year"), "id": N_("Id"), "published": N_("Published"),
    "direction": N_("Offer or want"), "kind": N_("Resource kind"), "title": N_("Title"),
    "firm": N_("Firm"), "anonymous": N_("Anonymous"), "quantity": N_("Quantity"),
    "unit": N_("Unit"), "recurrence": N_("Recurrence"), "status": N_("Status"),
    "supplier": N_("Supplier"), "receiver": N_("Receiver"), "agreed": N_("Agreed"),
    "total_quantity": N_("Agreed quantity"), "delivered": N_("Delivered (logged)"),
    "confirmed": N_("Delivered (confirmed)"),
}  # fmt: skip
VALUES: dict[str, dict[str, str]] = {
    "direction": {"offer": N_("Offer"), "want": N_("Want")},
    "kind": {"material": N_("Material"), "energy": N_("Energy"), "capacity": N_("Capacity")},
    "recurrence": {"once": N_("One-off"), "week": N_("Per week"), "month": N_("Per month"),
                   "year": N_("Per year")},
    "status": {"draft": N_("Draft"), "published": N_("Published"), "reserved": N_("Reserved"),
               "closed": N_("Closed"), "expired": N_("Expired"), "proposed": N_("Proposed"),
               "agreed": N_("Agreed"), "delivering": N_("Delivering"),
               "completed": N_("Completed"), "cancelled": N_("Cancelled")},
}  # fmt: skip
# The key figures' names ("realised.co2e_kg", "listings.offer.material", …) part by part.
FIGURE_PARTS: dict[str, str] = {
    "active_firms": N_("Active firms"), "matches": N_("Listings with a match"),
    "inquiries": N_("Inquiries"), "deals_agreed": N_("Deals agreed"),
    "deals_completed": N_("Deals completed"),
    "median_days_to_first_inquiry": N_("Median days to first inquiry"),
    "median_days_to_first_deal": N_("Median days to first deal"), "listings": N_("Listings"),
    "offered": N_("Offered"), "wanted": N_("Wanted"), "realised": N_("Realised"),
    "potential": N_("Potential"), "offer": N_("offers"), "want": N_("wants"),
    "material": N_("material"), "energy": N_("energy"), "capacity": N_("capacity"),
    "tonnes_per_year": N_("tonnes per year"), "mwh_per_year": N_("MWh per year"),
    "count": N_("count"), "tonnes": N_("tonnes"), "mwh": N_("MWh"), "co2e_kg": N_("kg CO2e"),
    "sek": N_("SEK"),
}  # fmt: skip
WHOLE = ("offers", "wants", "deals_agreed", "id", "count")  # counts: no decimals
NO_DECIMALS = ("_kg", "_sek", "sek", "co2e_kg")  # kg and kronor are shown whole


def _digits(column: str, figure: str | None = None) -> int:
    name = figure or column
    if name in WHOLE or name.endswith(NO_DECIMALS) or name.startswith(("listings.",)):
        return 0
    return 1


def _figure_name(key: str, locale: str) -> str:
    """ "realised.co2e_kg" -> "Realised: kg CO2e"; a capacity's unit in the reader's words."""
    keys = key.split(".")
    words = [translate(locale, FIGURE_PARTS[k]) if k in FIGURE_PARTS else k for k in keys]
    if len(keys) == 3 and keys[1] == "capacity" and keys[2] in UNITS:
        words[2] = UNITS[keys[2]][1 if locale == "sv" else 0]
    return f"{words[0]}: {' '.join(words[1:])}" if len(words) > 1 else words[0]


def _label(column: str, value: Any, locale: str) -> Any:
    """A key or code as the reader knows it; numbers and text stay as they are."""
    if value is None:
        return ""
    if column == "category" and value in CATEGORY_BY_KEY:
        return CATEGORY_BY_KEY[value].label(locale)
    if column == "municipality":
        found = MUNICIPALITY_BY_CODE.get(str(value))
        return found.name if found else value
    if column == "unit" and value in UNITS:
        return UNITS[value][1 if locale == "sv" else 0]
    if column in VALUES and value in VALUES[column]:
        return translate(locale, VALUES[column][value])
    if isinstance(value, bool):
        return translate(locale, N_("Yes") if value else N_("No"))
    return value


def _cells(rows: Rows, locale: str) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of labelled, rounded values (numbers still numbers)."""
    columns = list(rows[0]) if rows else []
    headers = [translate(locale, COLUMNS[c]) if c in COLUMNS else c for c in columns]
    body = []
    for row in rows:
        figure = row.get("figure")
        cells = []
        for column in columns:
            value = row[column]
            if column == "figure":
                value = _figure_name(str(value), locale)
            elif isinstance(value, float) and not isinstance(value, bool):
                value = round(value, _digits(column, figure if column == "value" else None))
            else:
                value = _label(column, value, locale)
            cells.append(value)
        body.append(cells)
    return headers, body


def _text(value: Any, locale: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    digits = 0 if isinstance(value, int) or float(value).is_integer() else 1
    return number(float(value), digits, locale).replace("\u2212", "-")


def to_csv(rows: Rows, locale: str) -> bytes:
    """For the reader's spreadsheet: BOM, `;` and a decimal comma in Swedish, `,` in English."""
    headers, body = _cells(rows, locale)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if locale == "sv" else ",", lineterminator="\r\n")
    if headers:
        writer.writerow(headers)
    ids = [c == "id" or c.endswith("_id") for c in (list(rows[0]) if rows else [])]
    writer.writerows(
        [
            str(value) if is_id and isinstance(value, int) else _text(neutralise(value), locale)
            for value, is_id in zip(row, ids, strict=True)
        ]
        for row in body
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: Rows, locale: str, title: str = "Export") -> bytes:
    headers, body = _cells(rows, locale)
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    if headers:
        sheet.append(headers)
        sheet.freeze_panes = "A2"
    for row in body:
        sheet.append(row)
        for cell, value in zip(sheet[sheet.max_row], row, strict=True):
            if formula_like(value):
                # Text, as Excel keeps what is typed after an apostrophe: the value unchanged,
                # marked "quote prefix", never a formula (even when the cell is edited).
                cell.data_type, cell.quotePrefix = "s", True
    for n, header in enumerate(headers, start=1):
        width = max([len(str(header)), *(len(str(row[n - 1])) for row in body[:200])])
        sheet.column_dimensions[get_column_letter(n)].width = min(60, width + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WRITERS: dict[str, Callable[[Rows, str], bytes]] = {"csv": to_csv, "xlsx": to_xlsx}
