"""Boundary files (GeoJSON) and point location over municipality polygons."""

from __future__ import annotations

import copy
import csv
import json

import pytest
import shapely

from geo.boundaries import (
    BoundaryFileError,
    BoundaryIndex,
    read_boundary_file,
    to_sweref_geometry,
)
from geo.crs import to_sweref
from geo.gazetteer import COUNTY_BY_CODE, MUNICIPALITIES, MUNICIPALITY_BY_CODE
from tests.conftest import SHARED_DATA

KOMMUNER = SHARED_DATA / "norra_mellansverige_kommuner.geojson"
LAN = SHARED_DATA / "norra_mellansverige_lan.geojson"
TATORTER = SHARED_DATA / "norra_mellansverige_tatorter_2020.csv"

SQUARE = [[[15.5, 60.5], [15.7, 60.5], [15.7, 60.7], [15.5, 60.7], [15.5, 60.5]]]


@pytest.fixture(scope="module")
def municipality_index() -> BoundaryIndex:
    records = read_boundary_file(KOMMUNER)
    return BoundaryIndex([(r.code, to_sweref_geometry(r.geometry_wgs84)) for r in records])


def locate(index: BoundaryIndex, lon: float, lat: float, **kwargs) -> str | None:
    return index.locate(*to_sweref(lon, lat), **kwargs)


def test_municipality_file_gives_the_41_gazetteer_municipalities():
    records = read_boundary_file(KOMMUNER)
    assert len(records) == 41
    assert {r.kind for r in records} == {"municipality"}
    assert sorted(r.code for r in records) == sorted(MUNICIPALITY_BY_CODE)
    by_code = {r.code: r for r in records}
    assert by_code["2080"].name == "Falun"
    assert by_code["2023"].name == "Malung-Sälen"
    for record in records:
        assert record.geometry_wgs84.is_valid
        assert record.geometry_wgs84.geom_type in ("Polygon", "MultiPolygon")


def test_county_file_gives_the_three_counties():
    records = read_boundary_file(LAN)
    assert [(r.kind, r.code, r.name) for r in records] == [
        ("county", "17", "Värmland"),
        ("county", "20", "Dalarna"),
        ("county", "21", "Gävleborg"),
    ]
    assert {r.code for r in records} == set(COUNTY_BY_CODE)


def test_municipality_polygons_tile_the_county_polygons():
    municipalities = read_boundary_file(KOMMUNER)
    counties = {r.code: to_sweref_geometry(r.geometry_wgs84) for r in read_boundary_file(LAN)}
    total = sum(to_sweref_geometry(r.geometry_wgs84).area for r in municipalities)
    assert total / 1e6 == pytest.approx(69_179, rel=0.001)  # README: 69,179 km²
    for record in municipalities:
        inside = to_sweref_geometry(record.geometry_wgs84).intersection(counties[record.code[:2]])
        assert inside.area == pytest.approx(to_sweref_geometry(record.geometry_wgs84).area, 1e-6)


def feature(props: dict | None, geometry: dict | None = None) -> dict:
    polygon = {"type": "Polygon", "coordinates": SQUARE}
    return {"type": "Feature", "properties": props, "geometry": geometry or polygon}


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def swapped(geometry: dict) -> dict:
    moved = copy.deepcopy(geometry)
    moved["coordinates"] = [[[lat, lon] for lon, lat in ring] for ring in moved["coordinates"]]
    return moved


SWEREF_SQUARE = {
    "type": "Polygon",
    "coordinates": [[to_sweref(lon, lat) for lon, lat in SQUARE[0]]],
}
FALUN = {"kommunkod": "2080"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid GeoJSON"),
        ("", "not valid GeoJSON"),
        (json.dumps(feature(FALUN)), "expected a GeoJSON FeatureCollection"),
        (json.dumps([feature(FALUN)]), "expected a GeoJSON FeatureCollection"),
        (json.dumps(collection()), "has no features"),
        (json.dumps({"type": "FeatureCollection"}), "has no features"),
        (json.dumps(collection(feature({"kommun": "Falun"}))), "'kommunkod' or 'lanskod'"),
        (json.dumps(collection(feature(None))), "'kommunkod' or 'lanskod'"),
        (json.dumps(collection(feature({"kommunkod": "9999"}))), "unknown kommunkod '9999'"),
        (json.dumps(collection(feature({"lanskod": "01"}))), "unknown lanskod '01'"),
        (json.dumps(collection({"type": "Polygon", "coordinates": SQUARE})), "not a GeoJSON"),
        (
            json.dumps(collection(feature(FALUN, {"type": "Point", "coordinates": [15.6, 60.6]}))),
            "must be a (Multi)Polygon",
        ),
        (json.dumps(collection(feature(FALUN, SWEREF_SQUARE))), "WGS84 lon/lat"),
        (
            json.dumps(collection(feature(FALUN, swapped(feature(FALUN)["geometry"])))),
            "WGS84 lon/lat",
        ),
        (
            json.dumps(collection(feature(FALUN, {"type": "Polygon", "coordinates": "x"}))),
            "malformed coordinates",
        ),
        (json.dumps(collection(feature(FALUN), feature(FALUN))), "duplicate codes ['2080']"),
    ],
    ids=[
        "not-json",
        "empty-file",
        "a-feature",
        "a-list",
        "no-features",
        "features-missing",
        "no-code",
        "no-properties",
        "unknown-kommunkod",
        "unknown-lanskod",
        "bare-geometry",
        "point",
        "sweref-metres",
        "lat-lon-swapped",
        "malformed-coordinates",
        "duplicate",
    ],
)
def test_broken_boundary_file_is_refused_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "broken.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BoundaryFileError) as excinfo:
        read_boundary_file(path)
    assert message in str(excinfo.value)


def test_error_names_the_feature_that_is_wrong(tmp_path):
    path = tmp_path / "second.geojson"
    bad = feature({"kommunkod": "2081"}, {"type": "Point", "coordinates": [15.4, 60.5]})
    path.write_text(json.dumps(collection(feature(FALUN), bad)), encoding="utf-8")
    with pytest.raises(BoundaryFileError, match=r"feature 2 \(2081\)"):
        read_boundary_file(path)


def test_missing_file_and_wrong_encoding_are_boundary_file_errors(tmp_path):
    with pytest.raises(BoundaryFileError, match="no such file"):
        read_boundary_file(tmp_path / "missing.geojson")
    latin1 = tmp_path / "latin1.geojson"
    latin1.write_bytes(
        json.dumps(collection(feature({"kommun": "Hammarö"})), ensure_ascii=False).encode("latin-1")
    )
    with pytest.raises(BoundaryFileError, match="not valid GeoJSON"):
        read_boundary_file(latin1)


def test_polygon_without_coordinates_is_a_boundary_file_error(tmp_path):
    path = tmp_path / "no-coordinates.geojson"
    path.write_text(json.dumps(collection(feature(FALUN, {"type": "Polygon"}))), "utf-8")
    with pytest.raises(BoundaryFileError, match="feature 1"):
        read_boundary_file(path)


def test_self_intersecting_polygon_is_repaired_on_reading(tmp_path):
    bow_tie = [[[15.0, 60.0], [15.2, 60.2], [15.2, 60.0], [15.0, 60.2], [15.0, 60.0]]]
    path = tmp_path / "bow-tie.geojson"
    path.write_text(
        json.dumps(collection(feature(FALUN, {"type": "Polygon", "coordinates": bow_tie}))),
        encoding="utf-8",
    )
    (record,) = read_boundary_file(path)
    assert record.geometry_wgs84.is_valid and record.geometry_wgs84.area > 0
    assert record.name == "Falun"  # from the gazetteer when the file has no name


def test_every_main_town_lies_in_its_own_municipality(municipality_index):
    assert len(municipality_index) == 41
    located = {m.code: locate(municipality_index, m.lon, m.lat) for m in MUNICIPALITIES}
    wrong = {code: found for code, found in located.items() if found != code}
    # All 41 main towns: inside their own polygon, without snapping.
    assert wrong == {}
    strict = [
        m.code for m in MUNICIPALITIES if locate(municipality_index, m.lon, m.lat, snap_m=0.001)
    ]
    assert len(strict) == 41


def test_tatorter_are_located_in_the_municipality_scb_gives(municipality_index):
    with TATORTER.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 259
    located = [
        (
            row["tatort"],
            row["kommunkod"],
            locate(municipality_index, float(row["lon"]), float(row["lat"])),
        )
        for row in rows
    ]
    assert [name for name, _, found in located if found is None] == []
    wrong = [(name, expected, found) for name, expected, found in located if found != expected]
    # README: SCB's simplified polygons put 2 tätort points inside a neighbour's polygon.
    assert len(wrong) <= 2, wrong
    # Without snapping, the 6 points in lakes or at the shore fall in no polygon.
    unsnapped = [
        row["tatort"]
        for row in rows
        if locate(municipality_index, float(row["lon"]), float(row["lat"]), snap_m=0.001) is None
    ]
    assert len(unsnapped) == 6


def test_point_far_out_in_the_sea_locates_to_nothing(municipality_index):
    assert locate(municipality_index, 19.5, 61.0) is None
    assert locate(municipality_index, 18.0, 59.3) is None  # Stockholm, outside the region


def test_point_just_off_the_shore_snaps_to_the_nearest_municipality(municipality_index):
    records = {r.code: to_sweref_geometry(r.geometry_wgs84) for r in read_boundary_file(KOMMUNER)}
    gavle = records["2180"]
    # 2 km east of the easternmost point of Gävle municipality: in the sea, within the snap.
    x, y = max(shapely.get_coordinates(gavle).tolist(), key=lambda c: c[0])
    assert municipality_index.locate(x + 2_000, y) == "2180"
    assert municipality_index.locate(x + 2_000, y, snap_m=1_000) is None
