"""Coarse locations for anonymous listings: never the site, only what the municipality reveals."""

from __future__ import annotations

import math

from geo.crs import to_sweref, to_wgs84
from geo.gazetteer import MUNICIPALITY_BY_CODE

GRID_M = 10_000.0  # outside the region: the centre of the 10 km SWEREF 99 TM cell


def coarse_point(lon: float, lat: float, municipality_code: str | None) -> tuple[float, float]:
    """(lon, lat) shown for an anonymous listing.

    In the region it is the municipality's main town, which tells no more than the municipality
    name shown beside it; elsewhere it is the centre of the 10 km grid cell holding the site.
    """
    town = MUNICIPALITY_BY_CODE.get(municipality_code or "")
    if town is not None:
        return town.lon, town.lat
    x, y = to_sweref(lon, lat)
    cx = (math.floor(x / GRID_M) + 0.5) * GRID_M
    cy = (math.floor(y / GRID_M) + 0.5) * GRID_M
    return to_wgs84(cx, cy)
