"""Search areas: circles (geodesic, with a planar prefilter box) and drawn polygons."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.areas import (
    MAX_POLYGON_VERTICES,
    AreaError,
    Circle,
    decode_points,
    encode_points,
    polygon_from_geojson,
    polygon_from_points,
)
from geo.crs import distance_m, to_sweref
from geo.distance import geodesic_pair_m
from geo.gazetteer import MUNICIPALITY_BY_CODE

GEOD = Geod(ellps="GRS80")
GRS80_A = 6_378_137.0
GRS80_F = 1 / 298.257222101
FALUN = MUNICIPALITY_BY_CODE["2080"]
BORLANGE = MUNICIPALITY_BY_CODE["2081"]
KARLSTAD = MUNICIPALITY_BY_CODE["1780"]
BEARINGS = [i * 22.5 for i in range(16)]

region_lons = st.floats(min_value=11.5, max_value=17.6)
region_lats = st.floats(min_value=58.9, max_value=62.4)
radii_m = st.floats(min_value=500.0, max_value=200_000.0)


def ring(n: int, lon: float = 15.6, lat: float = 60.6) -> list[tuple[float, float]]:
    """n distinct vertices on a small ellipse (about 22 x 22 km)."""
    return [
        (lon + 0.2 * math.cos(2 * math.pi * i / n), lat + 0.1 * math.sin(2 * math.pi * i / n))
        for i in range(n)
    ]


def covers_lonlat(area, lon: float, lat: float) -> bool:
    """The polygon covers (interior or boundary) the projected point."""
    return bool(shapely.covers(area.geometry, shapely.Point(*to_sweref(lon, lat))))


# --- circles -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(10.0, 59.0), (15.0, 54.9), (25.0, 65.0), (60.6, 15.6), (math.nan, 60.0), (15.0, math.inf)],
    ids=["norway", "south-of-sweden", "finland", "swapped", "nan", "inf"],
)
def test_circle_refuses_a_centre_outside_sweden(lon, lat):
    with pytest.raises(AreaError, match="Sweden"):
        Circle(lon, lat, 10_000)


@pytest.mark.parametrize("radius_m", [0.0, -1.0, 500_000.001, 1e9, math.nan])
def test_circle_refuses_a_radius_outside_0_to_500_km(radius_m):
    with pytest.raises(AreaError, match="radius"):
        Circle(FALUN.lon, FALUN.lat, radius_m)


@pytest.mark.parametrize("radius_m", [0.001, 1.0, 500_000.0])
def test_circle_accepts_radii_up_to_500_km(radius_m):
    circle = Circle(FALUN.lon, FALUN.lat, radius_m)
    assert (circle.x, circle.y) == pytest.approx(to_sweref(FALUN.lon, FALUN.lat), abs=1e-6)


@settings(max_examples=50, deadline=None)
@given(lon=region_lons, lat=region_lats, radius=radii_m)
def test_circle_bbox_and_planar_radius_enclose_the_whole_geodesic_circle(lon, lat, radius):
    circle = Circle(lon, lat, radius)
    min_x, min_y, max_x, max_y = circle.bbox()
    for bearing in BEARINGS:
        edge_lon, edge_lat, _ = GEOD.fwd(lon, lat, bearing, radius)
        x, y = to_sweref(edge_lon, edge_lat)
        assert min_x <= x <= max_x and min_y <= y <= max_y, (bearing, x, y, circle.bbox())
        assert math.hypot(x - circle.x, y - circle.y) <= circle.planar_radius_m
        # Just inside the rim is a true match, which the exact test keeps.
        inside_lon, inside_lat, _ = GEOD.fwd(lon, lat, bearing, radius * (1 - 1e-9))
        assert circle.contains([inside_lon], [inside_lat])[0]


@settings(max_examples=50, deadline=None)
@given(
    lon=region_lons,
    lat=region_lats,
    radius=radii_m,
    offsets=st.lists(st.tuples(st.floats(0, 360), st.floats(0.0, 2.0)), min_size=1, max_size=20),
)
def test_circle_contains_agrees_with_the_geodesic_distance(lon, lat, radius, offsets):
    circle = Circle(lon, lat, radius)
    points = [GEOD.fwd(lon, lat, az, radius * f)[:2] for az, f in offsets]
    # Avoid points within a micrometre of the rim, where rounding decides.
    points = [p for p in points if abs(GEOD.inv(lon, lat, p[0], p[1])[2] - radius) > 1e-6]
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    expected = [GEOD.inv(lon, lat, p[0], p[1])[2] <= radius for p in points]
    assert circle.contains(lons, lats).tolist() == expected
    assert circle.distances_m(lons, lats) == pytest.approx(
        [GEOD.inv(lon, lat, p[0], p[1])[2] for p in points], abs=1e-6
    )


def test_circle_contains_of_no_points_is_empty():
    assert Circle(FALUN.lon, FALUN.lat, 1000).contains([], []).shape == (0,)


def meridian_arc_m(lat1: float, lat2: float, steps: int = 2000) -> float:
    """Integral of the meridian radius of curvature M(φ) = a(1-e²)/(1-e² sin²φ)^1.5 (Simpson)."""
    e2 = GRS80_F * (2 - GRS80_F)
    a, b = math.radians(lat1), math.radians(lat2)
    h = (b - a) / steps

    def m(phi: float) -> float:
        return GRS80_A * (1 - e2) / (1 - e2 * math.sin(phi) ** 2) ** 1.5

    total = m(a) + m(b)
    total += sum((4 if i % 2 else 2) * m(a + i * h) for i in range(1, steps))
    return total * h / 3


def test_one_degree_of_latitude_near_60_north_is_about_111412_m():
    expected = meridian_arc_m(59.5, 60.5)
    assert expected == pytest.approx(111_412, abs=2)
    assert geodesic_pair_m(15.0, 59.5, 15.0, 60.5) == pytest.approx(expected, abs=1.0)
    assert geodesic_pair_m(13.0, 60.5, 13.0, 59.5) == pytest.approx(expected, abs=1.0)


def test_falun_to_borlange_geodesic_matches_planar_sweref_within_a_tenth_percent():
    geodesic = geodesic_pair_m(FALUN.lon, FALUN.lat, BORLANGE.lon, BORLANGE.lat)
    planar = distance_m(to_sweref(FALUN.lon, FALUN.lat), to_sweref(BORLANGE.lon, BORLANGE.lat))
    assert 10_000 < geodesic < 20_000
    assert planar == pytest.approx(geodesic, rel=1e-3)
    assert geodesic_pair_m(FALUN.lon, FALUN.lat, FALUN.lon, FALUN.lat) == 0.0


# --- polygons ------------------------------------------------------------------------------

TRIANGLE_AROUND_FALUN = [(15.4, 60.5), (15.8, 60.5), (15.6, 60.75)]


def test_triangle_around_falun_contains_falun_and_not_karlstad():
    area = polygon_from_points(TRIANGLE_AROUND_FALUN)
    assert covers_lonlat(area, FALUN.lon, FALUN.lat)
    assert not covers_lonlat(area, KARLSTAD.lon, KARLSTAD.lat)
    xs, ys = zip(*(to_sweref(t.lon, t.lat) for t in (FALUN, KARLSTAD, BORLANGE)), strict=True)
    assert area.contains_xy(list(xs), list(ys)).tolist() == [True, False, False]
    min_x, min_y, max_x, max_y = area.bbox()
    fx, fy = to_sweref(FALUN.lon, FALUN.lat)
    assert min_x < fx < max_x and min_y < fy < max_y
    assert area.contains_xy([], []).shape == (0,)


def test_self_intersecting_bow_tie_is_repaired_into_both_lobes():
    bow_tie = [(15.0, 60.0), (15.2, 60.2), (15.2, 60.0), (15.0, 60.2)]
    area = polygon_from_points(bow_tie)
    assert area.geometry.is_valid
    square = shapely.MultiPoint([to_sweref(*p) for p in bow_tie]).envelope
    assert 0.4 * square.area < area.geometry.area < 0.6 * square.area
    assert covers_lonlat(area, 15.03, 60.1)  # left lobe
    assert covers_lonlat(area, 15.17, 60.1)  # right lobe
    assert not covers_lonlat(area, 15.1, 60.02)  # the gap below the crossing


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([], "three points"),
        ([(15.0, 60.0), (15.1, 60.1)], "three points"),
        (ring(MAX_POLYGON_VERTICES + 1), "more than 500"),
        ([(15.0, 60.0), (9.0, 60.0), (15.1, 60.1)], "Sweden"),
        ([(60.0, 15.0), (60.1, 15.0), (60.0, 15.1)], "Sweden"),
        ([(12.0, 58.0), (20.0, 58.0), (20.0, 64.0), (12.0, 64.0)], "larger than"),
        ([(15.0, 60.0), (15.0, 60.0), (15.0, 60.0)], "no surface"),
        ([(15.0, 60.0), (math.inf, 60.0), (15.1, 60.1)], "malformed"),
    ],
    ids=["none", "two", "501", "norway", "swapped", "too-large", "degenerate", "inf"],
)
def test_polygon_from_points_refuses_bad_polygons(points, message):
    with pytest.raises(AreaError, match=message):
        polygon_from_points(points)


def test_polygon_with_exactly_the_maximum_number_of_vertices_is_accepted():
    # decode_points accepts 500 points; a drawn polygon with 500 corners must be usable too.
    points = decode_points(encode_points(ring(MAX_POLYGON_VERTICES)))
    assert len(points) == MAX_POLYGON_VERTICES
    area = polygon_from_points(points)
    assert covers_lonlat(area, 15.6, 60.6)


def test_polygon_from_points_refuses_a_nan_vertex_as_an_area_error():
    # 'nan' parses as a float, so a query string can carry it to polygon_from_points.
    with pytest.raises(AreaError):
        decode_points("nan,60;15.2,60;15.1,60.1")
    with pytest.raises(AreaError):
        polygon_from_points([(float("nan"), 60.0), (15.2, 60.0), (15.1, 60.1)])


SQUARE = [[15.5, 60.5], [15.7, 60.5], [15.7, 60.7], [15.5, 60.7], [15.5, 60.5]]
POLYGON = {"type": "Polygon", "coordinates": [SQUARE]}


@pytest.mark.parametrize(
    "data",
    [
        POLYGON,
        {"type": "Feature", "properties": {}, "geometry": POLYGON},
        {"type": "MultiPolygon", "coordinates": [[SQUARE]]},
        json.dumps(POLYGON),
        json.dumps({"type": "Feature", "properties": None, "geometry": POLYGON}),
    ],
    ids=["polygon", "feature", "multipolygon", "json-polygon", "json-feature"],
)
def test_polygon_from_geojson_accepts_polygons_features_and_json(data):
    area = polygon_from_geojson(data)
    assert covers_lonlat(area, FALUN.lon, FALUN.lat)
    assert not covers_lonlat(area, BORLANGE.lon, BORLANGE.lat)
    # About 11.1 km x 22.2 km at 60.6 N.
    assert area.geometry.area / 1e6 == pytest.approx(11.0 * 22.2, rel=0.03)


@pytest.mark.parametrize(
    "data",
    [
        {"type": "Point", "coordinates": [15.6, 60.6]},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [15.6, 60.6]}},
        {"type": "Feature", "geometry": None},
        "{not json",
        "",
        "[1, 2]",
        "null",
        {"type": "Polygon", "coordinates": "abc"},
        {"type": "Polygon", "coordinates": []},
        {"type": "Polygon", "coordinates": [[[15.0, 60.0], [15.1, 60.0]]]},
        {"type": "Polygon", "coordinates": [[["a", "b"], [1, 2], [3, 4], ["a", "b"]]]},
    ],
    ids=[
        "point",
        "point-feature",
        "empty-feature",
        "malformed-json",
        "empty-string",
        "json-array",
        "json-null",
        "string-coordinates",
        "no-rings",
        "two-point-ring",
        "text-coordinates",
    ],
)
def test_polygon_from_geojson_rejects_non_polygons_and_malformed_input(data):
    with pytest.raises(AreaError):
        polygon_from_geojson(data)


@pytest.mark.parametrize(
    "data",
    [
        {"type": "Polygon", "coordinates": [[[15, 60], [math.nan, 60], [15.1, 60.1], [15, 60]]]},
        '{"type": "Polygon", "coordinates": [[[15, 60], [NaN, 60], [15.1, 60.1], [15, 60]]]}',
    ],
    ids=["dict", "json"],
)
def test_polygon_from_geojson_rejects_nan_coordinates(data):
    with pytest.raises(AreaError, match="malformed"):
        polygon_from_geojson(data)


@pytest.mark.parametrize("geometry_type", ["Polygon", "MultiPolygon"])
def test_polygon_from_geojson_without_coordinates_is_an_area_error(geometry_type):
    with pytest.raises(AreaError):
        polygon_from_geojson({"type": geometry_type})


def test_to_geojson_returns_lon_lat_close_to_the_input_vertices():
    area = polygon_from_points(TRIANGLE_AROUND_FALUN)
    geojson = area.to_geojson()
    assert geojson["type"] == "Polygon"
    ring_out = np.asarray(geojson["coordinates"][0])
    assert len(ring_out) == 4  # closed ring
    for lon, lat in TRIANGLE_AROUND_FALUN:
        nearest = np.min(np.hypot(ring_out[:, 0] - lon, ring_out[:, 1] - lat))
        assert nearest < 1e-7
    assert polygon_from_geojson(geojson).geometry.equals_exact(area.geometry, 1e-3)


# --- the query-string form ---------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(10.5, 24.5, allow_nan=False), st.floats(55.0, 69.5, allow_nan=False)),
        min_size=1,
        max_size=MAX_POLYGON_VERTICES,
    )
)
def test_encode_decode_round_trip_to_five_decimals(points):
    decoded = decode_points(encode_points(points))
    assert len(decoded) == len(points)
    for (lon, lat), (dlon, dlat) in zip(points, decoded, strict=True):
        assert dlon == pytest.approx(lon, abs=5.1e-6)
        assert dlat == pytest.approx(lat, abs=5.1e-6)
    assert decode_points(encode_points(decoded)) == decoded


def test_decode_points_tolerates_spaces_and_a_trailing_separator():
    assert decode_points(" 15.1,60.2 ; 15.3,60.4;") == [(15.1, 60.2), (15.3, 60.4)]


@pytest.mark.parametrize(
    "raw", ["1,2,3", "a,b", "", ";", "15,60;;15.1,60.1", "15;60", "15,60;15.1"]
)
def test_decode_points_refuses_malformed_strings(raw):
    with pytest.raises(AreaError, match="lon,lat"):
        decode_points(raw)


def test_decode_points_refuses_more_than_500_points():
    with pytest.raises(AreaError, match="more than 500"):
        decode_points(encode_points(ring(MAX_POLYGON_VERTICES + 1)))
