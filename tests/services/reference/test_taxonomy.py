"""Importing the List of Waste: parsing, idempotent import, curated seed, the CLI command."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from marketplace.services.reference.taxonomy import (
    ImportFileError,
    import_ewc,
    parse_ewc_file,
    seed_common_codes,
)
from models.ewc_reference import COMMON_CODES
from models.taxonomy import EwcCode
from tests.conftest import SHARED_DATA

EWC_FILE = SHARED_DATA / "ewc-codes.json"
COMMON_BY_CODE = {c.code: c for c in COMMON_CODES}


def count_codes(session, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(EwcCode).where(*conditions)) or 0


def table_snapshot(session) -> list[tuple]:
    """Every column of every row, read from the database (not the identity map)."""
    session.flush()
    columns = [getattr(EwcCode, c.key) for c in EwcCode.__table__.columns]
    return [tuple(row) for row in session.execute(select(*columns).order_by(EwcCode.code))]


def entry(code: str = "030105", **changes) -> dict:
    raw = {
        "code": code,
        "isHazardous": False,
        "entryTypeDesc": "Mirror non-hazardous",
        "description": "Sawdust, shavings, cuttings, wood",
    }
    raw.update(changes)
    return raw


def write_json(tmp_path, data) -> object:
    path = tmp_path / "ewc.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- parsing ------------------------------------------------------------------------------


def test_parse_reads_every_entry_with_flags_from_the_entry_type():
    records = parse_ewc_file(EWC_FILE)
    assert len(records) == 842
    by_code = {r.code: r for r in records}
    assert (by_code["030104"].is_hazardous, by_code["030104"].is_mirror) == (True, True)
    assert (by_code["030105"].is_hazardous, by_code["030105"].is_mirror) == (False, True)
    assert (by_code["130205"].is_hazardous, by_code["130205"].is_mirror) == (True, False)
    assert (by_code["030101"].is_hazardous, by_code["030101"].is_mirror) == (False, False)


BROKEN_ENTRIES = {
    "five-digit code": (entry(code="03010"), "'code' must be six digits"),
    "numeric code": (entry(code=30105), "'code' must be six digits"),
    "unknown entry type": (entry(entryTypeDesc="Sometimes hazardous"), "'entryTypeDesc'"),
    "contradicting flag": (entry(isHazardous=True), "'isHazardous' is True"),
    "flag as integer": (entry(isHazardous=0), "'isHazardous' is 0"),
    "missing description": (
        {k: v for k, v in entry().items() if k != "description"},
        "'description' must be a non-empty string",
    ),
    "blank description": (entry(description="   "), "'description' must be a non-empty string"),
    "chapter 99": (entry(code="990101"), "chapter 99 is not a List of Waste chapter"),
    "not an object": (["030105"], "expected an object, found list"),
}


@pytest.mark.parametrize("case", BROKEN_ENTRIES)
def test_a_broken_entry_is_refused_naming_its_position(tmp_path, case):
    bad, message = BROKEN_ENTRIES[case]
    path = write_json(tmp_path, [entry(code="030101"), bad])
    with pytest.raises(ImportFileError) as exc:
        parse_ewc_file(path)
    assert "entry 2" in str(exc.value)
    assert message in str(exc.value)


BROKEN_FILES = {
    "not JSON": ("[{'code': '030105'", "not valid JSON"),
    "object instead of array": (json.dumps(entry()), "expected a non-empty JSON array"),
    "empty array": ("[]", "expected a non-empty JSON array"),
    "duplicate code": (
        json.dumps([entry(), entry(code="030101"), entry()]),
        "code 030105 appears more than once",
    ),
}


@pytest.mark.parametrize("case", BROKEN_FILES)
def test_a_broken_file_is_refused_with_the_reason(tmp_path, case):
    content, message = BROKEN_FILES[case]
    path = tmp_path / "ewc.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFileError, match=message):
        parse_ewc_file(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ImportFileError, match="no such file"):
        parse_ewc_file(tmp_path / "absent.json")


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps([entry(description="Spån")]).encode().replace(b"\\u00e5", b"\xe5"))
    with pytest.raises(ImportFileError, match="not UTF-8"):
        parse_ewc_file(path)


# --- importing into the database -------------------------------------------------------------


def test_import_stores_842_codes_of_which_408_hazardous(session):
    report = import_ewc(session, parse_ewc_file(EWC_FILE))
    assert count_codes(session) == 842
    assert count_codes(session, EwcCode.is_hazardous.is_(True)) == 408
    assert count_codes(session, EwcCode.is_mirror.is_(True)) == 173 + 178
    assert count_codes(session, EwcCode.is_common.is_(True)) == 0
    assert (report.read, report.added, report.updated, report.unchanged) == (842, 842, 0, 0)
    assert (report.hazardous, report.total_in_database) == (408, 842)


def test_imported_rows_carry_chapter_sub_chapter_and_description(session):
    import_ewc(session, parse_ewc_file(EWC_FILE))
    row = session.execute(
        select(EwcCode.chapter, EwcCode.sub_chapter, EwcCode.description_en).where(
            EwcCode.code == "030101"
        )
    ).one()
    assert tuple(row) == ("03", "0301", "Waste bark and cork")


def test_importing_twice_changes_nothing(session):
    records = parse_ewc_file(EWC_FILE)
    import_ewc(session, records)
    before = table_snapshot(session)
    report = import_ewc(session, records)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 842)
    assert report.total_in_database == 842
    assert table_snapshot(session) == before


def test_import_updates_a_changed_description(session, tmp_path):
    import_ewc(session, parse_ewc_file(write_json(tmp_path, [entry()])))
    path = write_json(tmp_path, [entry(description="Sawdust (revised)")])
    report = import_ewc(session, parse_ewc_file(path))
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)
    stored = session.scalar(select(EwcCode.description_en).where(EwcCode.code == "030105"))
    assert stored == "Sawdust (revised)"


def test_seeded_codes_keep_swedish_labels_and_curated_flag_after_import(session):
    assert seed_common_codes(session) == len(COMMON_CODES)
    report = import_ewc(session, parse_ewc_file(EWC_FILE))
    assert report.added == 842 - len(COMMON_CODES)
    assert count_codes(session) == 842
    assert count_codes(session, EwcCode.is_common.is_(True)) == len(COMMON_CODES)
    rows = session.execute(
        select(EwcCode.code, EwcCode.description_sv).where(EwcCode.is_common.is_(True))
    )
    assert {code: sv for code, sv in rows} == {c.code: c.sv for c in COMMON_CODES}
    assert count_codes(session, EwcCode.description_sv.is_not(None)) == len(COMMON_CODES)


def test_seed_after_import_marks_the_curated_codes_without_adding(session):
    import_ewc(session, parse_ewc_file(EWC_FILE))
    assert seed_common_codes(session) == 0
    assert count_codes(session) == 842
    sv = session.scalar(select(EwcCode.description_sv).where(EwcCode.code == "030105"))
    assert sv == COMMON_BY_CODE["030105"].sv
    assert count_codes(session, EwcCode.is_common.is_(True)) == len(COMMON_CODES)


def test_seed_is_idempotent(session):
    seed_common_codes(session)
    before = table_snapshot(session)
    assert seed_common_codes(session) == 0
    assert table_snapshot(session) == before


@pytest.mark.parametrize("case", ["duplicate", "bad last entry"])
def test_a_broken_file_leaves_the_database_unchanged(session, tmp_path, case):
    seed_common_codes(session)
    before = table_snapshot(session)
    good = json.loads(EWC_FILE.read_text(encoding="utf-8"))
    bad = [*good, good[0]] if case == "duplicate" else [*good[:-1], entry(code="99")]
    with pytest.raises(ImportFileError):
        import_ewc(session, parse_ewc_file(write_json(tmp_path, bad)))
    assert table_snapshot(session) == before


# --- the CLI -----------------------------------------------------------------------------------


def invoke(app, *args):
    # The `flask` executable pushes an app context for app commands (FlaskGroup.get_command);
    # the groups are plain click groups, so the test runner needs the context pushed here.
    with app.app_context():
        return app.test_cli_runner().invoke(args=["taxonomy", *args])


def test_cli_import_reports_counts(app, session):
    result = invoke(app, "import-ewc", str(EWC_FILE))
    assert result.exit_code == 0, result.output
    assert "Read 842 codes (408 hazardous): 842 added" in result.output
    assert "842 codes in the database" in result.output
    assert count_codes(session) == 842
    assert count_codes(session, EwcCode.is_hazardous.is_(True)) == 408


def test_cli_import_twice_adds_nothing(app, session):
    assert invoke(app, "import-ewc", str(EWC_FILE)).exit_code == 0
    result = invoke(app, "import-ewc", str(EWC_FILE))
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 842 unchanged" in result.output
    assert count_codes(session) == 842


def test_cli_import_of_a_broken_file_imports_nothing(app, session, tmp_path):
    invoke(app, "seed")
    before = count_codes(session)
    path = write_json(tmp_path, [entry(code="030101"), entry(code="03010")])
    result = invoke(app, "import-ewc", str(path))
    assert result.exit_code != 0
    assert "Nothing was imported" in result.output
    assert "'code' must be six digits" in result.output
    assert count_codes(session) == before == len(COMMON_CODES)


def test_cli_seed_inserts_the_curated_codes_once(app, session):
    first = invoke(app, "seed")
    assert first.exit_code == 0, first.output
    assert f"{len(COMMON_CODES)} added" in first.output
    second = invoke(app, "seed")
    assert second.exit_code == 0, second.output
    assert "0 added" in second.output
    assert count_codes(session, EwcCode.is_common.is_(True)) == len(COMMON_CODES)
