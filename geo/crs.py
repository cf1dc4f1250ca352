"""Coordinate reference systems and cached transformers (always lon/lat order)."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

WGS84 = "EPSG:4326"
SWEREF99TM = "EPSG:3006"

# Sweden's extent (WGS84) with a small margin: Smygehuk 55.34 N, Treriksröset 69.06 N,
# Koster 10.96 E, Haparanda 24.17 E. A coarse guard against wrong or swapped coordinates.
SWEDEN_BBOX = (10.5, 55.0, 24.5, 69.5)  # min lon, min lat, max lon, max lat


@cache
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_sweref(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 lon/lat -> SWEREF 99 TM easting/northing in metres."""
    x, y = _transformer(WGS84, SWEREF99TM).transform(lon, lat)
    return float(x), float(y)


def to_wgs84(x: float, y: float) -> tuple[float, float]:
    """SWEREF 99 TM easting/northing -> WGS84 lon/lat."""
    lon, lat = _transformer(SWEREF99TM, WGS84).transform(x, y)
    return float(lon), float(lat)


def to_sweref_arrays(lons: Any, lats: Any) -> tuple[Any, Any]:
    """Many WGS84 points at once (sequences or numpy arrays) -> SWEREF 99 TM."""
    return _transformer(WGS84, SWEREF99TM).transform(lons, lats)


def to_wgs84_arrays(xs: Any, ys: Any) -> tuple[Any, Any]:
    """Many SWEREF 99 TM points at once -> WGS84 lon/lat."""
    return _transformer(SWEREF99TM, WGS84).transform(xs, ys)


def in_sweden_bbox(lon: float, lat: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = SWEDEN_BBOX
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Planar distance in metres between two SWEREF 99 TM points."""
    return math.hypot(a[0] - b[0], a[1] - b[1])


def geometry_to_sweref(geometry: Any) -> Any:
    """A shapely geometry in WGS84 lon/lat -> the same geometry in SWEREF 99 TM."""
    return shapely.transform(geometry, _pair(WGS84, SWEREF99TM), interleaved=False)


def geometry_to_wgs84(geometry: Any) -> Any:
    """A shapely geometry in SWEREF 99 TM -> WGS84 lon/lat."""
    return shapely.transform(geometry, _pair(SWEREF99TM, WGS84), interleaved=False)


def _pair(src: str, dst: str) -> Any:
    transformer = _transformer(src, dst)

    def apply(xs: Any, ys: Any) -> Any:
        out_x, out_y = transformer.transform(xs, ys)
        return np.asarray(out_x), np.asarray(out_y)

    return apply
