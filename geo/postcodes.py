"""Reading GeoNames postal-code files (tab-separated, with a header row as in shared/data).

GeoNames gives coordinates per postal town, not per postcode, so a postcode is a first guess for
a site's location that the user refines on the map.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from geo.crs import in_sweden_bbox
from geo.gazetteer import MUNICIPALITY_BY_CODE

REQUIRED = ("country_code", "postal_code", "place_name", "admin_code2", "latitude", "longitude")


class PostcodeFileError(ValueError):
    """The file cannot be imported; the message names the line and the problem."""


@dataclass(frozen=True)
class PostcodeRecord:
    code: str  # "NNN NN"
    place: str
    municipality_code: str | None
    lat: float
    lon: float


def _record(line: int, row: dict[str, str]) -> PostcodeRecord:
    digits = "".join(ch for ch in row["postal_code"] if ch.isdigit())
    if row["country_code"] != "SE" or len(digits) != 5:
        raise PostcodeFileError(f"line {line}: not a Swedish postcode: {row['postal_code']!r}")
    try:
        lat, lon = float(row["latitude"]), float(row["longitude"])
    except ValueError:
        raise PostcodeFileError(f"line {line}: latitude and longitude must be numbers") from None
    if not in_sweden_bbox(lon, lat):
        raise PostcodeFileError(f"line {line}: coordinates outside Sweden")
    municipality = row["admin_code2"].strip() or None
    if municipality not in MUNICIPALITY_BY_CODE:
        municipality = None  # outside the region, or unknown to GeoNames (89 rows)
    return PostcodeRecord(
        f"{digits[:3]} {digits[3:]}", row["place_name"].strip(), municipality, lat, lon
    )


def read_postcode_file(path: Path) -> list[PostcodeRecord]:
    """Read and check the whole file before anything is written."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise PostcodeFileError(f"{path}: missing columns {', '.join(missing)}")
            records = [_record(i + 2, row) for i, row in enumerate(reader)]
    except FileNotFoundError:
        raise PostcodeFileError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise PostcodeFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    if not records:
        raise PostcodeFileError(f"{path}: no postcodes")
    return records
