"""Geodesic distances on the GRS80 ellipsoid (the ellipsoid of SWEREF 99), vectorised."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod

_GEOD = Geod(ellps="GRS80")


def geodesic_m(
    lon: float,
    lat: float,
    lons: Sequence[float] | NDArray[np.float64],
    lats: Sequence[float] | NDArray[np.float64],
) -> NDArray[np.float64]:
    """Distances in metres from one point to many (the exact reference for every radius)."""
    lons_arr = np.asarray(lons, dtype=np.float64)
    lats_arr = np.asarray(lats, dtype=np.float64)
    if lons_arr.size == 0:
        return np.empty(0, dtype=np.float64)
    _, _, dist = _GEOD.inv(
        np.full(lons_arr.shape, lon), np.full(lats_arr.shape, lat), lons_arr, lats_arr
    )
    return np.asarray(dist, dtype=np.float64)


def geodesic_pair_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    _, _, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def geodesic_from_many_m(
    lons: Sequence[float] | NDArray[np.float64],
    lats: Sequence[float] | NDArray[np.float64],
    lon: float,
    lat: float,
) -> NDArray[np.float64]:
    """Distances in metres from many points (e.g. circle centres) to one point."""
    lons_arr = np.asarray(lons, dtype=np.float64)
    lats_arr = np.asarray(lats, dtype=np.float64)
    if lons_arr.size == 0:
        return np.empty(0, dtype=np.float64)
    _, _, dist = _GEOD.inv(
        lons_arr, lats_arr, np.full(lons_arr.shape, lon), np.full(lats_arr.shape, lat)
    )
    return np.asarray(dist, dtype=np.float64)
