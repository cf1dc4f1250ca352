"""Importing municipality/county boundaries into the database, by service and by CLI."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import shape
from sqlalchemy import func, select

from geo.boundaries import read_boundary_file
from geo.crs import to_sweref
from geo.gazetteer import MUNICIPALITY_BY_CODE
from marketplace.services.reference.boundaries import (
    import_boundaries,
    municipality_at,
    outlines,
)
from models.geo import Boundary
from tests.conftest import SHARED_DATA

KOMMUNER = SHARED_DATA / "norra_mellansverige_kommuner.geojson"
LAN = SHARED_DATA / "norra_mellansverige_lan.geojson"
SVARDSJO = (15.908, 60.742)  # in Falun municipality, 20 km north-east of the town


def count(session, kind: str | None = None) -> int:
    stmt = select(func.count(Boundary.id))
    if kind is not None:
        stmt = stmt.where(Boundary.kind == kind)
    return session.scalar(stmt) or 0


def test_import_adds_41_municipalities_then_leaves_them_unchanged(session):
    records = read_boundary_file(KOMMUNER)
    first = import_boundaries(session, records)
    assert (first.kind, first.read, first.added, first.updated, first.unchanged) == (
        "municipality",
        41,
        41,
        0,
        0,
    )
    assert count(session, "municipality") == 41
    again = import_boundaries(session, read_boundary_file(KOMMUNER))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 41)
    assert count(session) == 41
    falun = session.scalar(select(Boundary).where(Boundary.code == "2080"))
    assert falun.kind == "municipality" and falun.name == "Falun"
    geometry = shape(json.loads(falun.geojson))
    assert geometry.contains(shape({"type": "Point", "coordinates": [15.603, 60.605]}))
    x, y = to_sweref(15.603, 60.605)
    assert falun.min_x < x < falun.max_x and falun.min_y < y < falun.max_y
    assert (falun.max_x - falun.min_x) < 80_000  # a municipality, not the whole county


def test_county_file_adds_three_counties_beside_the_municipalities(session):
    import_boundaries(session, read_boundary_file(KOMMUNER))
    report = import_boundaries(session, read_boundary_file(LAN))
    assert (report.kind, report.added, report.updated, report.unchanged) == ("county", 3, 0, 0)
    assert count(session, "county") == 3
    assert count(session, "municipality") == 41


def test_municipality_at_uses_the_imported_polygons(session):
    assert municipality_at(session, 15.603, 60.605) is None  # nothing imported yet
    import_boundaries(session, read_boundary_file(KOMMUNER))
    assert municipality_at(session, 15.603, 60.605) == "2080"
    assert municipality_at(session, *SVARDSJO) == "2080"
    for town in MUNICIPALITY_BY_CODE.values():
        assert municipality_at(session, town.lon, town.lat) == town.code
    assert municipality_at(session, 19.5, 61.0) is None  # the Bothnian Sea


def test_changed_polygon_is_updated_and_municipality_at_sees_the_change(session, tmp_path):
    import_boundaries(session, read_boundary_file(KOMMUNER))
    assert municipality_at(session, *SVARDSJO) == "2080"
    data = json.loads(KOMMUNER.read_text(encoding="utf-8"))
    falun = next(f for f in data["features"] if f["properties"]["kommunkod"] == "2080")
    # Shrink Falun to a 2 x 2 km square around the town.
    lon, lat = 15.603, 60.605
    falun["geometry"] = {
        "type": "Polygon",
        "coordinates": [
            [
                [lon - 0.018, lat - 0.009],
                [lon + 0.018, lat - 0.009],
                [lon + 0.018, lat + 0.009],
                [lon - 0.018, lat + 0.009],
                [lon - 0.018, lat - 0.009],
            ]
        ],
    }
    changed = tmp_path / "kommuner.geojson"
    changed.write_text(json.dumps(data), encoding="utf-8")
    report = import_boundaries(session, read_boundary_file(changed))
    assert (report.added, report.updated, report.unchanged) == (0, 1, 40)
    assert municipality_at(session, lon, lat) == "2080"
    assert municipality_at(session, *SVARDSJO) != "2080"


def test_outlines_returns_each_county_geometry(session):
    assert outlines(session, "county") == []
    import_boundaries(session, read_boundary_file(LAN))
    result = outlines(session, "county")
    assert [(code, name) for code, name, _ in result] == [
        ("17", "Värmland"),
        ("20", "Dalarna"),
        ("21", "Gävleborg"),
    ]
    for _, _, geometry in result:
        assert geometry["type"] in ("Polygon", "MultiPolygon")
        assert shape(geometry).is_valid and shape(geometry).area > 0.1  # square degrees
    dalarna = shape(result[1][2])
    assert dalarna.contains(shape({"type": "Point", "coordinates": [15.603, 60.605]}))


# --- the command line ----------------------------------------------------------------------


def import_command(app, path):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["geo", "import-boundaries", str(path)])


def test_cli_imports_municipalities_once(app, session):
    result = import_command(app, KOMMUNER)
    assert result.exit_code == 0, result.output
    assert "Read 41 municipality boundaries: 41 added, 0 updated, 0 unchanged." in result.output
    assert count(session, "municipality") == 41
    again = import_command(app, KOMMUNER)
    assert again.exit_code == 0, again.output
    assert "0 added, 0 updated, 41 unchanged" in again.output
    assert count(session) == 41


def test_cli_imports_counties(app, session):
    result = import_command(app, LAN)
    assert result.exit_code == 0, result.output
    assert "Read 3 county boundaries: 3 added" in result.output
    assert count(session, "county") == 3


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        json.dumps({"type": "FeatureCollection", "features": []}),
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"kommunkod": "9999"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[15, 60], [15.1, 60], [15.1, 60.1], [15, 60]]],
                        },
                    }
                ],
            }
        ),
    ],
    ids=["not-json", "no-features", "unknown-code"],
)
def test_cli_refuses_a_broken_file_and_imports_nothing(app, session, tmp_path, content):
    assert import_command(app, LAN).exit_code == 0
    before = count(session)
    path = tmp_path / "broken.geojson"
    path.write_text(content, encoding="utf-8")
    result = import_command(app, path)
    assert result.exit_code != 0
    assert "Nothing was imported" in result.output
    assert count(session) == before == 3


def test_cli_refuses_a_file_whose_last_feature_is_broken_without_importing_the_rest(
    app, session, tmp_path
):
    data = json.loads(KOMMUNER.read_text(encoding="utf-8"))
    data["features"][-1]["geometry"] = {"type": "Point", "coordinates": [17.1, 61.7]}
    path = tmp_path / "last-broken.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = import_command(app, path)
    assert result.exit_code != 0
    assert "Nothing was imported" in result.output and "feature 41" in result.output
    assert count(session) == 0


def test_cli_reports_a_missing_file(app, session, tmp_path):
    result = import_command(app, tmp_path / "nowhere.geojson")
    assert result.exit_code != 0
    assert "Nothing was imported" in result.output and "no such file" in result.output
