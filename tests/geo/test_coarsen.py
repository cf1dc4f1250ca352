"""Coarse points of anonymous listings: the main town in the region, a 10 km cell elsewhere."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.coarsen import GRID_M, coarse_point
from geo.crs import to_sweref, to_wgs84
from geo.gazetteer import MUNICIPALITIES

GEOD = Geod(ellps="GRS80")
UPPSALA = (17.639, 59.858)  # in Sweden, outside the region: no municipality code
HALF_DIAGONAL_M = GRID_M / math.sqrt(2)  # 7071 m


def cell_of(lon: float, lat: float) -> tuple[int, int]:
    x, y = to_sweref(lon, lat)
    return math.floor(x / GRID_M), math.floor(y / GRID_M)


@pytest.mark.parametrize("town", MUNICIPALITIES, ids=lambda m: m.code)
def test_site_in_the_region_is_shown_at_its_main_town_never_at_the_site(town):
    for bearing in (0, 45, 100, 180, 230, 315):
        for distance_m in (3_000, 7_500, 15_000):
            lon, lat, _ = GEOD.fwd(town.lon, town.lat, bearing, distance_m)
            shown = coarse_point(lon, lat, town.code)
            assert shown == (town.lon, town.lat)
            _, _, moved = GEOD.inv(lon, lat, *shown)
            assert moved == pytest.approx(distance_m, abs=0.01)


def test_main_town_does_not_depend_on_where_in_the_municipality_the_site_is():
    falun = next(m for m in MUNICIPALITIES if m.code == "2080")
    points = {coarse_point(lon, lat, "2080") for lon, lat in [(15.3, 60.9), (15.9, 60.7)]}
    assert points == {(falun.lon, falun.lat)}


def test_site_outside_the_region_is_shown_at_the_centre_of_its_10_km_cell():
    lon, lat = UPPSALA
    shown = coarse_point(lon, lat, None)
    assert shown != (lon, lat)
    cx, cy = to_sweref(*shown)
    kx, ky = cell_of(lon, lat)
    assert cx == pytest.approx((kx + 0.5) * GRID_M, abs=1e-3)
    assert cy == pytest.approx((ky + 0.5) * GRID_M, abs=1e-3)
    _, _, moved = GEOD.inv(lon, lat, *shown)
    assert 0 < moved <= 7_100
    assert math.hypot(*(a - b for a, b in zip(to_sweref(lon, lat), (cx, cy), strict=True))) <= (
        HALF_DIAGONAL_M
    )


def test_unknown_municipality_code_falls_back_to_the_grid_cell():
    lon, lat = UPPSALA
    assert coarse_point(lon, lat, "0380") == coarse_point(lon, lat, None)  # Uppsala kommun
    assert coarse_point(lon, lat, "") == coarse_point(lon, lat, None)


@settings(max_examples=50, deadline=None)
@given(fx=st.floats(0.001, 0.999), fy=st.floats(0.001, 0.999))
def test_every_site_in_the_same_cell_maps_to_the_same_point(fx, fy):
    kx, ky = cell_of(*UPPSALA)
    reference = coarse_point(*UPPSALA, None)
    lon, lat = to_wgs84((kx + fx) * GRID_M, (ky + fy) * GRID_M)
    shown = coarse_point(lon, lat, None)
    assert shown == pytest.approx(reference, abs=1e-9)
    _, _, moved = GEOD.inv(lon, lat, *shown)
    assert moved <= 7_100


@settings(max_examples=50, deadline=None)
@given(lon=st.floats(11.0, 23.0), lat=st.floats(55.5, 68.5))
def test_grid_point_is_within_half_a_cell_diagonal_of_any_site(lon, lat):
    shown = coarse_point(lon, lat, None)
    x, y = to_sweref(lon, lat)
    cx, cy = to_sweref(*shown)
    assert abs(cx - x) <= GRID_M / 2 + 1e-3 and abs(cy - y) <= GRID_M / 2 + 1e-3
    assert math.hypot(cx - x, cy - y) <= HALF_DIAGONAL_M + 1e-3
    # The shown point is a cell centre: an odd multiple of 5 km in both coordinates.
    assert (cx / (GRID_M / 2)) % 2 == pytest.approx(1, abs=1e-6)
    assert (cy / (GRID_M / 2)) % 2 == pytest.approx(1, abs=1e-6)
    # Coarsening twice changes nothing: the centre lies in its own cell.
    assert coarse_point(*shown, None) == pytest.approx(shown, abs=1e-9)
