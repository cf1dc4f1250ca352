"""Query parameters of listing searches, shared by the search page, the map and the JSON API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from geo.areas import AreaError, Circle, decode_points, polygon_from_points
from geo.gazetteer import COUNTY_BY_CODE, MUNICIPALITY_BY_CODE
from marketplace.services.listings.paging import Cursor, CursorError, decode_cursor
from marketplace.services.listings.search import ListingFilters
from marketplace.services.reference.validation import (
    ascii_int,
    ascii_number,
    clean_text,
    has_foreign_digits,
)
from models.sites import Site
from models.taxonomy import CATEGORY_BY_KEY, DIRECTIONS, KINDS

MAX_PER_PAGE = 200
DIGITS = frozenset("0123456789")


@dataclass
class SearchParams:
    filters: ListingFilters
    page: int = 1
    per_page: int = 20
    cursor: Cursor | None = None  # from `after` (next pages) or `before` (previous pages)
    errors: dict[str, str] = field(default_factory=dict)


CURSOR_PARAMETERS = ("after", "before")
CURSOR_ERROR = "not a cursor from this search's next or previous link; start from page 1"


def _cursor(args: MultiDict[str, str], errors: dict[str, str]) -> Cursor | None:
    """The keyset cursor of a next (`after`) or previous (`before`) link, checked."""
    for name in CURSOR_PARAMETERS:
        token = (args.get(name) or "").strip()
        if not token:
            continue
        try:
            cursor = decode_cursor(token)
        except CursorError:
            errors[name] = CURSOR_ERROR
            return None
        if cursor.backwards != (name == "before"):
            errors[name] = CURSOR_ERROR
            return None
        return cursor
    return None


def _choice(
    args: MultiDict[str, str], name: str, allowed: Any, errors: dict[str, str]
) -> str | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    if value not in allowed:
        errors[name] = f"unknown value {value!r}"
        return None
    return value


def _number(args: MultiDict[str, str], name: str, errors: dict[str, str]) -> float | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    value = ascii_number(raw)
    if value is None:
        errors[name] = "must be a finite number written with the digits 0-9"
    return value


def _int(
    args: MultiDict[str, str], name: str, default: int, upper: int, errors: dict[str, str]
) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    value = ascii_int(raw, low=1, high=upper)
    if value is None:
        errors[name] = f"must be a whole number from 1 to {upper}"
        return default
    return value


def _centre(
    args: MultiDict[str, str], sites: list[Site], errors: dict[str, str]
) -> tuple[float | None, float | None]:
    """lat/lon given directly, or `near=site:<id>` (one of my sites) / `near=town:<kommunkod>`."""
    lat, lon = _number(args, "lat", errors), _number(args, "lon", errors)
    near = (args.get("near") or "").strip()
    if not near:
        return lat, lon
    kind, _, ident = near.partition(":")
    if kind == "site":
        site = next((s for s in sites if str(s.id) == ident), None)
        if site is not None:
            return site.lat, site.lon
    elif kind == "town" and ident in MUNICIPALITY_BY_CODE:
        town = MUNICIPALITY_BY_CODE[ident]
        return town.lat, town.lon
    errors["near"] = "not one of your sites or a municipality's main town"
    return None, None


def _near(args: MultiDict[str, str], sites: list[Site], errors: dict[str, str]) -> Circle | None:
    radius_km = _number(args, "radius_km", errors)
    lat, lon = _centre(args, sites, errors)
    if lat is None and lon is None:
        if radius_km is not None and "near" not in errors:
            errors["near"] = "give a centre (lat and lon, or near) with radius_km"
        return None
    if lat is None or lon is None:
        errors["lat" if lat is None else "lon"] = "give both lat and lon"
        return None
    if radius_km is None:
        errors["radius_km"] = "give radius_km with the centre"
        return None
    try:
        return Circle(lon=lon, lat=lat, radius_m=radius_km * 1000)
    except AreaError as exc:
        errors["radius_km" if "radius" in str(exc) else "lat"] = str(exc)
        return None


def parse_search(
    args: MultiDict[str, str], *, sites: list[Site] | None = None, default_per_page: int = 20
) -> SearchParams:
    """Validate every parameter; unknown values are reported per parameter, never a 500."""
    errors: dict[str, str] = {}
    area = None
    if (args.get("area") or "").strip():
        try:
            area = polygon_from_points(decode_points(args["area"]))
        except AreaError as exc:
            errors["area"] = str(exc)
    q = clean_text(args.get("q") or "")  # a search: control characters dropped, not refused
    if len(q) > 200:
        errors["q"] = "at most 200 characters"
    ewc = clean_text(args.get("ewc") or "").strip()
    if ewc and (len(ewc) > 12 or has_foreign_digits(ewc) or not any(ch in DIGITS for ch in ewc)):
        errors["ewc"] = "a chapter (03), sub-chapter (03 01) or code (03 01 05)"
    filters = ListingFilters(
        q=q[:200],
        direction=_choice(args, "direction", DIRECTIONS, errors),
        kind=_choice(args, "kind", KINDS, errors),
        category=_choice(args, "category", CATEGORY_BY_KEY, errors),
        ewc=ewc[:12] or None,
        municipality=_choice(args, "municipality", MUNICIPALITY_BY_CODE, errors),
        county=_choice(args, "county", COUNTY_BY_CODE, errors),
        near=_near(args, sites or [], errors),
        area=area,
    )
    return SearchParams(
        filters=filters,
        page=_int(args, "page", 1, 10**6, errors),
        per_page=_int(args, "per_page", default_per_page, MAX_PER_PAGE, errors),
        cursor=_cursor(args, errors),
        errors=errors,
    )
