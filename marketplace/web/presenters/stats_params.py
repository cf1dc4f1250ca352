"""The statistics filters from a query string, shared by the dashboard, exports and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from geo.gazetteer import COUNTY_BY_CODE, MUNICIPALITY_BY_CODE
from marketplace.services.staff.stats import SECTIONS, StatsFilter
from models.taxonomy import CATEGORY_BY_KEY

MAX_YEARS = 10


@dataclass
class ParsedFilter:
    filters: StatsFilter
    errors: dict[str, str] = field(default_factory=dict)


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months, today included."""
    return today - timedelta(days=364), today


def _date(args: MultiDict[str, str], name: str, default: date, errors: dict[str, str]) -> date:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("Enter a date as YYYY-MM-DD.")
        return default


def parse_filter(args: MultiDict[str, str], *, today: date) -> ParsedFilter:
    """Bad values are reported per parameter and left out; the rest still applies."""
    errors: dict[str, str] = {}
    first, last = default_period(today)
    start = _date(args, "from", first, errors)
    end = _date(args, "to", last, errors)
    if end < start:
        errors["to"] = _("The end date must be on or after the start date.")
        start, end = first, last
    elif (end - start).days > MAX_YEARS * 366:
        errors["from"] = _("Choose a period of at most %(n)d years.", n=MAX_YEARS)
        start, end = first, last
    chosen: dict[str, str | None] = {}
    for name, known in (
        ("county", COUNTY_BY_CODE),
        ("municipality", MUNICIPALITY_BY_CODE),
        ("sector", SECTIONS),
        ("category", CATEGORY_BY_KEY),
    ):
        value = (args.get(name) or "").strip() or None
        if value is not None and value not in known:
            errors[name] = _("Unknown value.")
            value = None
        chosen[name] = value
    return ParsedFilter(StatsFilter(start=start, end=end, **chosen), errors)
