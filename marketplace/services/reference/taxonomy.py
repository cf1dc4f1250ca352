"""The List of Waste in the database: curated seed, full import, look-ups."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.ewc_reference import CHAPTERS, COMMON_CODES, SUB_CHAPTERS
from models.taxonomy import EwcCode

ENTRY_TYPES = {
    "Absolute hazardous": (True, False),
    "Absolute non-hazardous": (False, False),
    "Mirror hazardous": (True, True),
    "Mirror non-hazardous": (False, True),
}
_CODE = re.compile(r"^[0-9]{6}$")


class ImportFileError(ValueError):
    """The file cannot be imported; the message says where and why. Nothing was changed."""


@dataclass(frozen=True)
class ImportReport:
    read: int
    added: int
    updated: int
    unchanged: int
    hazardous: int
    total_in_database: int


@dataclass(frozen=True)
class EwcRecord:
    code: str
    description_en: str
    is_hazardous: bool
    is_mirror: bool


def _parse_record(index: int, raw: Any) -> EwcRecord:
    where = f"entry {index + 1}"
    if not isinstance(raw, dict):
        raise ImportFileError(f"{where}: expected an object, found {type(raw).__name__}")
    code = raw.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        raise ImportFileError(f"{where}: 'code' must be six digits, found {code!r}")
    where = f"entry {index + 1} ({code})"
    if code[:2] not in CHAPTERS:
        raise ImportFileError(f"{where}: chapter {code[:2]} is not a List of Waste chapter")
    entry_type = raw.get("entryTypeDesc")
    if entry_type not in ENTRY_TYPES:
        raise ImportFileError(
            f"{where}: 'entryTypeDesc' must be one of {', '.join(ENTRY_TYPES)}, "
            f"found {entry_type!r}"
        )
    hazardous, mirror = ENTRY_TYPES[entry_type]
    if raw.get("isHazardous") is not hazardous:
        raise ImportFileError(
            f"{where}: 'isHazardous' is {raw.get('isHazardous')!r} "
            f"but the entry type is {entry_type!r}"
        )
    description = raw.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ImportFileError(f"{where}: 'description' must be a non-empty string")
    return EwcRecord(code, description.strip(), hazardous, mirror)


def parse_ewc_file(path: Path) -> list[EwcRecord]:
    """Read and validate a List of Waste JSON file completely before anything is written."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, list) or not data:
        raise ImportFileError(f"{path}: expected a non-empty JSON array of code entries")
    records = [_parse_record(i, raw) for i, raw in enumerate(data)]
    seen: set[str] = set()
    for record in records:
        if record.code in seen:
            raise ImportFileError(f"{path}: code {record.code} appears more than once")
        seen.add(record.code)
    return records


def import_ewc(session: Session, records: list[EwcRecord]) -> ImportReport:
    """Insert or update every code; Swedish labels and the curated flag are kept."""
    existing = {e.code: e for e in session.scalars(select(EwcCode))}
    added = updated = 0
    for record in records:
        entry = existing.get(record.code)
        if entry is None:
            session.add(
                EwcCode(
                    code=record.code,
                    chapter=record.code[:2],
                    sub_chapter=record.code[:4],
                    description_en=record.description_en,
                    is_hazardous=record.is_hazardous,
                    is_mirror=record.is_mirror,
                    is_common=False,
                )
            )
            added += 1
        elif (entry.description_en, entry.is_hazardous, entry.is_mirror) != (
            record.description_en,
            record.is_hazardous,
            record.is_mirror,
        ):
            entry.description_en = record.description_en
            entry.is_hazardous = record.is_hazardous
            entry.is_mirror = record.is_mirror
            updated += 1
    session.flush()
    total = session.scalar(select(func.count()).select_from(EwcCode)) or 0
    return ImportReport(
        read=len(records),
        added=added,
        updated=updated,
        unchanged=len(records) - added - updated,
        hazardous=sum(r.is_hazardous for r in records),
        total_in_database=total,
    )


def seed_common_codes(session: Session) -> int:
    """Insert the curated codes with Swedish labels (idempotent); returns how many were new."""
    existing = {e.code: e for e in session.scalars(select(EwcCode))}
    added = 0
    for common in COMMON_CODES:
        entry = existing.get(common.code)
        if entry is None:
            session.add(
                EwcCode(
                    code=common.code,
                    chapter=common.code[:2],
                    sub_chapter=common.code[:4],
                    description_en=common.en,
                    description_sv=common.sv,
                    is_hazardous=common.hazardous,
                    is_mirror=common.mirror,
                    is_common=True,
                )
            )
            added += 1
        else:
            entry.description_sv = common.sv
            entry.is_common = True
    session.flush()
    return added


def common_codes(session: Session) -> list[EwcCode]:
    return list(
        session.scalars(select(EwcCode).where(EwcCode.is_common.is_(True)).order_by(EwcCode.code))
    )


def chapter_label(code: str, locale: str) -> str:
    en, sv = CHAPTERS.get(code[:2], ("", ""))
    return sv if locale == "sv" else en


def sub_chapter_label(code: str, locale: str) -> str:
    en, sv = SUB_CHAPTERS.get(code[:4], ("", ""))
    return sv if locale == "sv" else en
