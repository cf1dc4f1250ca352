"""Municipality and county boundaries: reading GeoJSON files and locating points.

SCB's simplified boundaries leave lakes and shores outside every polygon and are off by up to a
couple of km, so `locate` snaps to the nearest polygon within `snap_m` when no polygon holds
the point (shared/data README: 8 of 259 tätort points fall outside their own municipality).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely import STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.areas import all_finite
from geo.crs import geometry_to_sweref, in_sweden_bbox
from geo.gazetteer import COUNTY_BY_CODE, MUNICIPALITY_BY_CODE

SNAP_M = 5_000.0


class BoundaryFileError(ValueError):
    """The boundary file cannot be imported; the message says where and why."""


@dataclass(frozen=True)
class BoundaryRecord:
    kind: str  # "municipality" or "county"
    code: str
    name: str
    geometry_wgs84: BaseGeometry


def _kind_and_code(index: int, props: dict[str, Any]) -> tuple[str, str, str]:
    if "kommunkod" in props:
        code = str(props["kommunkod"])
        if code not in MUNICIPALITY_BY_CODE:
            raise BoundaryFileError(f"feature {index + 1}: unknown kommunkod {code!r}")
        return "municipality", code, str(props.get("kommun") or MUNICIPALITY_BY_CODE[code].name)
    if "lanskod" in props:
        code = str(props["lanskod"])
        if code not in COUNTY_BY_CODE:
            raise BoundaryFileError(f"feature {index + 1}: unknown lanskod {code!r}")
        return "county", code, str(props.get("lan_kort") or COUNTY_BY_CODE[code].name)
    raise BoundaryFileError(f"feature {index + 1}: needs a 'kommunkod' or 'lanskod' property")


def _record(index: int, feature: Any) -> BoundaryRecord:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise BoundaryFileError(f"feature {index + 1}: not a GeoJSON Feature")
    kind, code, name = _kind_and_code(index, feature.get("properties") or {})
    geometry = feature.get("geometry") or {}
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise BoundaryFileError(f"feature {index + 1} ({code}): geometry must be a (Multi)Polygon")
    if not all_finite(geometry.get("coordinates")):
        raise BoundaryFileError(f"feature {index + 1} ({code}): malformed coordinates")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError):
        raise BoundaryFileError(f"feature {index + 1} ({code}): malformed coordinates") from None
    minx, miny, maxx, maxy = geom.bounds
    if not (in_sweden_bbox(minx, miny) and in_sweden_bbox(maxx, maxy)):
        raise BoundaryFileError(
            f"feature {index + 1} ({code}): coordinates must be WGS84 lon/lat in Sweden"
        )
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return BoundaryRecord(kind, code, name, geom)


def read_boundary_file(path: Path) -> list[BoundaryRecord]:
    """Read and check a whole GeoJSON FeatureCollection before anything is written."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BoundaryFileError(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryFileError(f"{path}: not valid GeoJSON ({exc})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryFileError(f"{path}: expected a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryFileError(f"{path}: the FeatureCollection has no features")
    records = [_record(i, f) for i, f in enumerate(features)]
    keys = [(r.kind, r.code) for r in records]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise BoundaryFileError(f"{path}: duplicate codes {sorted(c for _, c in duplicates)}")
    return records


def to_sweref_geometry(geometry_wgs84: BaseGeometry) -> BaseGeometry:
    return geometry_to_sweref(geometry_wgs84)


class BoundaryIndex:
    """Point location over a set of polygons in SWEREF 99 TM (STRtree, prepared geometries)."""

    def __init__(self, items: list[tuple[str, BaseGeometry]]) -> None:
        self.codes = [code for code, _ in items]
        self.geometries = [geom for _, geom in items]
        for geom in self.geometries:
            shapely.prepare(geom)
        self.tree = STRtree(self.geometries)

    def __len__(self) -> int:
        return len(self.codes)

    def locate(self, x: float, y: float, snap_m: float = SNAP_M) -> str | None:
        """The code of the polygon holding the point, else the nearest within `snap_m`."""
        point = shapely.Point(x, y)
        for index in self.tree.query(point, predicate="intersects"):
            return self.codes[int(index)]
        if snap_m <= 0:
            return None
        nearest = self.tree.query_nearest(point, max_distance=snap_m)
        if len(nearest):
            return self.codes[int(nearest[0])]
        return None
