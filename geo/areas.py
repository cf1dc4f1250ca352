"""Search and subscription areas: circles, drawn polygons, sets of municipality/county codes.

Every area offers a bounding box in SWEREF 99 TM metres (for an indexed prefilter) and an exact,
vectorised membership test. Circles are exact on the ellipsoid; polygons are tested in SWEREF 99 TM.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon, shape

from geo.crs import geometry_to_sweref, geometry_to_wgs84, in_sweden_bbox, to_sweref
from geo.distance import geodesic_m

MAX_RADIUS_KM = 500.0
MAX_POLYGON_VERTICES = 500
MAX_POLYGON_AREA_KM2 = 150_000.0  # about twice the region
# Planar SWEREF 99 TM distances differ from geodesic ones by less than 0.1 % in and near the
# region (scale factor 0.9996 on the central meridian, ~1.0005 at 18.5 °E); prefilters use
# this margin so they never drop a point the exact test would keep.
PLANAR_MARGIN = 0.002

BBox = tuple[float, float, float, float]  # min x, min y, max x, max y (SWEREF 99 TM)


class AreaError(ValueError):
    """The area is malformed or too large; the message says why (English, for API clients)."""


@dataclass(frozen=True)
class Circle:
    """All points within `radius_m` metres (geodesic) of a centre."""

    lon: float
    lat: float
    radius_m: float
    x: float = field(init=False)
    y: float = field(init=False)

    def __post_init__(self) -> None:
        if not in_sweden_bbox(self.lon, self.lat):
            raise AreaError("the centre must lie in Sweden")
        if not 0 < self.radius_m <= MAX_RADIUS_KM * 1000:
            raise AreaError(f"the radius must be above 0 and at most {MAX_RADIUS_KM:g} km")
        x, y = to_sweref(self.lon, self.lat)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)

    @property
    def planar_radius_m(self) -> float:
        """A radius in SWEREF 99 TM metres that surely encloses the geodesic circle."""
        return self.radius_m * (1 + PLANAR_MARGIN) + 1.0

    def bbox(self) -> BBox:
        r = self.planar_radius_m
        return (self.x - r, self.y - r, self.x + r, self.y + r)

    def distances_m(self, lons: Sequence[float], lats: Sequence[float]) -> NDArray[np.float64]:
        return geodesic_m(self.lon, self.lat, lons, lats)

    def contains(self, lons: Sequence[float], lats: Sequence[float]) -> NDArray[np.bool_]:
        return self.distances_m(lons, lats) <= self.radius_m


@dataclass(frozen=True)
class PolygonArea:
    """A drawn polygon, held in SWEREF 99 TM; valid, repaired and size-limited."""

    geometry: Polygon | MultiPolygon

    def __post_init__(self) -> None:
        shapely.prepare(self.geometry)

    def bbox(self) -> BBox:
        minx, miny, maxx, maxy = self.geometry.bounds
        return (float(minx), float(miny), float(maxx), float(maxy))

    def contains_xy(self, xs: Sequence[float], ys: Sequence[float]) -> NDArray[np.bool_]:
        if len(xs) == 0:
            return np.zeros(0, dtype=bool)
        return np.asarray(shapely.intersects_xy(self.geometry, np.asarray(xs), np.asarray(ys)))

    def to_geojson(self) -> dict[str, Any]:
        """The polygon in WGS84 lon/lat, as a GeoJSON geometry."""
        wgs = geometry_to_wgs84(self.geometry)
        return shapely.geometry.mapping(wgs)


def polygon_from_geojson(data: dict[str, Any] | str) -> PolygonArea:
    """A Polygon/MultiPolygon GeoJSON geometry (or Feature) in WGS84 -> a checked PolygonArea."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError:
            raise AreaError("the area is not valid JSON") from None
    if not isinstance(data, dict):
        raise AreaError("the area must be a GeoJSON object")
    if data.get("type") == "Feature":
        data = data.get("geometry") or {}
    if data.get("type") not in ("Polygon", "MultiPolygon"):
        raise AreaError("the area must be a GeoJSON Polygon or MultiPolygon")
    if not all_finite(data.get("coordinates")):
        raise AreaError("the area's coordinates are malformed")
    try:
        geometry = shape(data)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError):
        raise AreaError("the area's coordinates are malformed") from None
    return _checked(geometry)


def polygon_from_points(points: Sequence[tuple[float, float]]) -> PolygonArea:
    """A polygon from (lon, lat) vertices, as drawn on a map."""
    if len(points) < 3:
        raise AreaError("a polygon needs at least three points")
    if not all_finite(points):
        raise AreaError("the area's coordinates are malformed")
    return _checked(Polygon(points))


def all_finite(coordinates: Any) -> bool:
    """True when a (nested) coordinate list holds only finite numbers, at least one."""
    if isinstance(coordinates, (int, float)) and not isinstance(coordinates, bool):
        return math.isfinite(coordinates)
    if isinstance(coordinates, (list, tuple)) and coordinates:
        return all(all_finite(item) for item in coordinates)
    return False


def _checked(geometry: Any) -> PolygonArea:
    coords = shapely.get_coordinates(geometry)
    # Every ring repeats its first point to close itself; that point is not a corner.
    corners = len(coords) - len(shapely.get_rings(geometry))
    if corners > MAX_POLYGON_VERTICES:
        raise AreaError(f"the area has more than {MAX_POLYGON_VERTICES} points")
    if len(coords) == 0 or not np.isfinite(coords).all():
        raise AreaError("the area's coordinates are malformed")
    if not all(in_sweden_bbox(float(lon), float(lat)) for lon, lat in coords):
        raise AreaError("the area must lie in Sweden")
    projected = geometry_to_sweref(geometry)
    if not projected.is_valid:
        projected = shapely.make_valid(projected)
    parts = getattr(projected, "geoms", [projected])
    polygons = [g for g in parts if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        raise AreaError("the area encloses no surface")
    merged = shapely.union_all(polygons)
    if merged.area <= 0:
        raise AreaError("the area encloses no surface")
    if merged.area > MAX_POLYGON_AREA_KM2 * 1e6:
        raise AreaError(f"the area is larger than {MAX_POLYGON_AREA_KM2:,.0f} km²")
    return PolygonArea(merged)


def encode_points(points: Sequence[tuple[float, float]]) -> str:
    """Compact query-string form of a drawn polygon: 'lon,lat;lon,lat;…' (5 decimals ≈ 1 m)."""
    return ";".join(f"{lon:.5f},{lat:.5f}" for lon, lat in points)


def decode_points(raw: str) -> list[tuple[float, float]]:
    points = []
    for pair in raw.strip().strip(";").split(";"):
        parts = pair.split(",")
        if len(parts) != 2:
            raise AreaError("the area must be 'lon,lat;lon,lat;…'")
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except ValueError:
            raise AreaError("the area must be 'lon,lat;lon,lat;…'") from None
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise AreaError("the area's coordinates are malformed")
        points.append((lon, lat))
    if len(points) > MAX_POLYGON_VERTICES:
        raise AreaError(f"the area has more than {MAX_POLYGON_VERTICES} points")
    return points
