"""Postcode import (GeoNames file) and look-up."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from geo.postcodes import PostcodeFileError, read_postcode_file
from marketplace.services.reference.postcodes import find_postcode, import_postcodes
from models.geo import Postcode
from tests.conftest import SHARED_DATA

FILE = SHARED_DATA / "geonames_postnummer_norra_mellansverige.tsv"


def test_import_is_idempotent_and_lookups_work(session, client):
    records = read_postcode_file(FILE)
    assert len(records) == 1592
    assert import_postcodes(session, records) == (1592, 0, 0)
    assert import_postcodes(session, records) == (0, 0, 1592)
    assert session.scalar(select(func.count()).select_from(Postcode)) == 1592
    karlstad = find_postcode(session, "65224")
    assert karlstad is not None and karlstad.place == "Karlstad"
    assert karlstad.municipality_code == "1780"
    data = client.get("/api/v1/postcode?code=652 24").get_json()
    assert data["municipality"] == "1780" and abs(data["lat"] - 59.38) < 0.1
    assert client.get("/api/v1/postcode?code=12345").status_code == 404
    assert client.get("/api/v1/postcode?code=abc").status_code == 404


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("postal_code\tplace_name\n652 24\tKarlstad\n", "missing columns"),
        (
            "country_code\tpostal_code\tplace_name\tadmin_code2\tlatitude\tlongitude\n"
            "SE\t6522\tX\t1780\t59.4\t13.5\n",
            "not a Swedish postcode",
        ),
        (
            "country_code\tpostal_code\tplace_name\tadmin_code2\tlatitude\tlongitude\n"
            "SE\t652 24\tX\t1780\tnorth\t13.5\n",
            "must be numbers",
        ),
        (
            "country_code\tpostal_code\tplace_name\tadmin_code2\tlatitude\tlongitude\n"
            "SE\t652 24\tX\t1780\t48.8\t2.3\n",
            "outside Sweden",
        ),
        (
            "country_code\tpostal_code\tplace_name\tadmin_code2\tlatitude\tlongitude\n",
            "no postcodes",
        ),
    ],
)
def test_broken_files_are_refused(tmp_path, content, message):
    path = tmp_path / "postcodes.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PostcodeFileError, match=message):
        read_postcode_file(path)


def test_cli_import(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["geo", "import-postcodes", str(FILE)])
    assert result.exit_code == 0 and "1592 added" in result.output
    result = runner.invoke(args=["geo", "import-postcodes", str(FILE)])
    assert "0 added" in result.output
    result = runner.invoke(args=["geo", "import-postcodes", str(SHARED_DATA / "ewc-codes.json")])
    assert result.exit_code != 0 and "Nothing was imported" in result.output
