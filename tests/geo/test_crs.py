"""SWEREF 99 TM transforms, planar distances, the Sweden guard and the region's gazetteer."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Geod

from geo.crs import distance_m, in_sweden_bbox, to_sweref, to_wgs84
from geo.gazetteer import COUNTIES, MUNICIPALITIES, MUNICIPALITY_BY_CODE, municipalities_in

# GRS80, the ellipsoid of SWEREF 99; SWEREF 99 TM is transverse Mercator with central
# meridian 15° E, scale 0.9996, false easting 500 000 m, false northing 0 (= UTM zone 33).
GRS80_A = 6_378_137.0
GRS80_F = 1 / 298.257222101
K0 = 0.9996


def tm_northing_on_central_meridian(lat_deg: float) -> float:
    """Krüger's series (Karney 2011, eq. 35) for a point on the central meridian."""
    f = GRS80_F
    n = f / (2 - f)
    e = math.sqrt(f * (2 - f))
    rectifying_radius = GRS80_A / (1 + n) * (1 + n**2 / 4 + n**4 / 64)
    alpha = (
        n / 2 - 2 * n**2 / 3 + 5 * n**3 / 16 + 41 * n**4 / 180,
        13 * n**2 / 48 - 3 * n**3 / 5 + 557 * n**4 / 1440,
        61 * n**3 / 240 - 103 * n**4 / 140,
        49561 * n**4 / 161280,
    )
    phi = math.radians(lat_deg)
    # Conformal latitude; on the central meridian xi' equals it.
    xi = math.atan(math.sinh(math.asinh(math.tan(phi)) - e * math.atanh(e * math.sin(phi))))
    series = xi + sum(a * math.sin(2 * (j + 1) * xi) for j, a in enumerate(alpha))
    return K0 * rectifying_radius * series


def test_independent_meridian_formula_matches_the_geodesic_arc_length():
    # On the central meridian the TM northing is the meridian arc times the scale factor.
    # The arc from the equator to 60° N on GRS80 is 6 654 072.82 m (Karney's geodesic).
    _, _, arc = Geod(ellps="GRS80").inv(15.0, 0.0, 15.0, 60.0)
    assert arc == pytest.approx(6_654_072.82, abs=0.01)
    assert tm_northing_on_central_meridian(60.0) == pytest.approx(arc * K0, abs=0.01)
    assert tm_northing_on_central_meridian(60.0) == pytest.approx(6_651_411.19, abs=0.01)


def test_point_on_the_central_meridian():
    x, y = to_sweref(15.0, 60.0)
    assert x == pytest.approx(500_000.0, abs=0.01)
    assert y == pytest.approx(tm_northing_on_central_meridian(60.0), abs=0.01)


@pytest.mark.parametrize("lat", [58.5, 61.0, 62.5])
def test_northings_along_the_central_meridian(lat):
    x, y = to_sweref(15.0, lat)
    assert x == pytest.approx(500_000.0, abs=0.01)
    assert y == pytest.approx(tm_northing_on_central_meridian(lat), abs=0.01)


def test_east_of_the_central_meridian_has_larger_easting():
    west_x, _ = to_sweref(13.5, 60.0)
    east_x, _ = to_sweref(16.5, 60.0)
    assert west_x < 500_000 < east_x
    assert east_x - 500_000 == pytest.approx(500_000 - west_x, abs=0.01)


@given(
    lon=st.floats(min_value=11.0, max_value=18.0),
    lat=st.floats(min_value=58.5, max_value=62.5),
)
def test_round_trip_through_sweref(lon, lat):
    back_lon, back_lat = to_wgs84(*to_sweref(lon, lat))
    assert abs(back_lon - lon) < 1e-7
    assert abs(back_lat - lat) < 1e-7


def test_falun_borlange_planar_distance_matches_the_geodesic():
    falun, borlange = MUNICIPALITY_BY_CODE["2080"], MUNICIPALITY_BY_CODE["2081"]
    assert (falun.main_town, borlange.main_town) == ("Falun", "Borlänge")
    planar = distance_m(to_sweref(falun.lon, falun.lat), to_sweref(borlange.lon, borlange.lat))
    _, _, geodesic = Geod(ellps="GRS80").inv(falun.lon, falun.lat, borlange.lon, borlange.lat)
    assert 15_000 < geodesic < 30_000
    assert planar == pytest.approx(geodesic, rel=1e-3)


def test_distance_is_symmetric_and_zero_for_the_same_point():
    a, b = (500_000.0, 6_700_000.0), (503_000.0, 6_704_000.0)
    assert distance_m(a, b) == distance_m(b, a) == pytest.approx(5_000.0)
    assert distance_m(a, a) == 0.0


@pytest.mark.parametrize("town", MUNICIPALITIES, ids=lambda m: m.code)
def test_every_main_town_lies_in_the_sweden_box(town):
    assert in_sweden_bbox(town.lon, town.lat)


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(10.0, 59.0), (60.6, 15.6), (0.0, 0.0), (15.6, 54.9), (15.6, 69.6), (24.6, 65.0)],
    ids=["Norway-side", "Falun-swapped", "null-island", "south", "north", "east"],
)
def test_points_outside_sweden_are_rejected(lon, lat):
    assert not in_sweden_bbox(lon, lat)


# --- gazetteer ---------------------------------------------------------------------------------


def test_region_has_41_municipalities_in_three_counties():
    assert len(MUNICIPALITIES) == 41
    assert [c.code for c in COUNTIES] == ["17", "20", "21"]
    assert [len(municipalities_in(c.code)) for c in COUNTIES] == [16, 15, 10]


def test_municipality_codes_are_unique_four_digits_within_their_county():
    codes = [m.code for m in MUNICIPALITIES]
    assert len(set(codes)) == len(codes) == len(MUNICIPALITY_BY_CODE)
    county_codes = {c.code for c in COUNTIES}
    for m in MUNICIPALITIES:
        assert len(m.code) == 4 and m.code.isdigit()
        assert m.county_code == m.code[:2]
        assert m.county_code in county_codes


def test_main_towns_lie_within_the_regions_extent():
    # The 41 municipality polygons span lon 11.696–17.507, lat 58.898–62.358 (shared data).
    for m in MUNICIPALITIES:
        assert 11.69 <= m.lon <= 17.51, m
        assert 58.89 <= m.lat <= 62.36, m
