"""Factor sets: load the defaults of IMPACT.md, find the set in force, publish new versions.

A published version never changes; estimates store the version they used, so publishing a new
one changes new estimates only.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from marketplace.services.accounts import audit
from marketplace.services.errors import N_, DomainError
from marketplace.services.reference.factor_defaults import (
    DEFAULT_FACTORS,
    DEFAULT_VERSION_LABEL,
    FactorRecord,
)
from marketplace.services.spreadsheets.cells import neutralise, plain
from models.accounts import User
from models.impact import Factor, FactorSet

CSV_COLUMNS = ("key", "value", "unit", "source", "year", "low", "high", "note")
REQUIRED_KEYS = (
    "transport.road",
    "transport.rail",
    "circuity",
    "electricity.nordic",
    "cost.freight_road",
)


def current_set(session: Session) -> FactorSet | None:
    """The factor set in force: the highest published version."""
    return session.scalar(
        select(FactorSet)
        .options(selectinload(FactorSet.factors))
        .order_by(FactorSet.version.desc())
        .limit(1)
    )


def get_set(session: Session, version: int) -> FactorSet | None:
    return session.scalar(
        select(FactorSet)
        .where(FactorSet.version == version)
        .options(selectinload(FactorSet.factors))
    )


def factors_by_key(factor_set: FactorSet) -> dict[str, Factor]:
    return {factor.key: factor for factor in factor_set.factors}


def publish(
    session: Session,
    records: list[FactorRecord],
    *,
    label: str,
    notes: str | None = None,
    actor: User | None = None,
) -> FactorSet:
    """Store a new version holding exactly these factors."""
    _check(records)
    latest = session.scalar(select(func.max(FactorSet.version))) or 0
    factor_set = FactorSet(
        version=latest + 1,
        label=label.strip()[:200],
        notes=notes,
        published_by_id=actor.id if actor else None,
    )
    factor_set.factors = [
        Factor(
            key=r.key,
            value=r.value,
            unit=r.unit,
            source=r.source,
            year=r.year,
            low=r.low,
            high=r.high,
            note=r.note,
        )
        for r in records
    ]
    session.add(factor_set)
    session.flush()
    if actor is not None:  # the defaults loaded by the command line are not a person's act
        audit.record(
            session, "factor_set_published", actor=actor, target=f"factor_set:{factor_set.version}"
        )
    return factor_set


def load_defaults(session: Session) -> FactorSet | None:
    """Publish version 1 from IMPACT.md when no factor set exists yet (idempotent)."""
    if session.scalar(select(func.count()).select_from(FactorSet)):
        return None
    return publish(session, list(DEFAULT_FACTORS), label=DEFAULT_VERSION_LABEL)


def _check(records: list[FactorRecord]) -> None:
    keys = [r.key for r in records]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise DomainError(
            N_("Each factor may appear once; repeated: %(keys)s"), keys=", ".join(duplicates)
        )
    missing = [k for k in REQUIRED_KEYS if k not in keys]
    if missing:
        raise DomainError(N_("Required factors are missing: %(keys)s"), keys=", ".join(missing))
    for r in records:
        if r.value < 0 and not r.key.startswith("material."):
            raise DomainError(N_("The factor %(key)s cannot be negative."), key=r.key)
        if (r.low is not None and r.low > r.value) or (r.high is not None and r.high < r.value):
            raise DomainError(N_("For %(key)s, low ≤ value ≤ high must hold."), key=r.key)


@dataclass(frozen=True)
class CsvProblem:
    line: int
    message: str


def parse_csv(text: str) -> list[FactorRecord]:
    """Factors from CSV with the columns of CSV_COLUMNS (a header row first); all or nothing."""
    reader = csv.DictReader(io.StringIO(text.strip()))
    missing = [c for c in CSV_COLUMNS[:5] if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError(N_("The CSV lacks the columns: %(columns)s"), columns=", ".join(missing))
    records = [_record(line, row) for line, row in enumerate(reader, start=2)]
    if not records:
        raise DomainError(N_("The CSV holds no factors."))
    return records


def _number(line: int, name: str, raw: str | None, optional: bool = False) -> float | None:
    raw = (raw or "").strip().replace(",", ".") if raw is not None else ""
    if not raw and optional:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise DomainError(
            N_("Line %(line)d: %(column)s must be a number."), line=line, column=name
        ) from None
    if not math.isfinite(value):
        raise DomainError(N_("Line %(line)d: %(column)s must be a number."), line=line, column=name)
    return value


def _record(line: int, row: dict[str, str]) -> FactorRecord:
    key = plain((row.get("key") or "").strip())
    if not key or len(key) > 80:
        raise DomainError(N_("Line %(line)d: every factor needs a key."), line=line)
    source = plain((row.get("source") or "").strip())
    if not source:
        raise DomainError(N_("Line %(line)d: every factor needs a source."), line=line)
    year = _number(line, "year", row.get("year"))
    if year is None or not 1990 <= year <= 2100 or year != int(year):
        raise DomainError(N_("Line %(line)d: the year must be a year such as 2025."), line=line)
    value = _number(line, "value", row.get("value"))
    assert value is not None
    return FactorRecord(
        key=key,
        value=value,
        unit=plain((row.get("unit") or "").strip())[:30],
        source=source,
        year=int(year),
        low=_number(line, "low", row.get("low"), optional=True),
        high=_number(line, "high", row.get("high"), optional=True),
        note=plain((row.get("note") or "").strip()),
    )


def to_csv(factor_set: FactorSet) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for f in factor_set.factors:
        writer.writerow(
            [
                neutralise(f.key),
                f.value,
                neutralise(f.unit),
                neutralise(f.source),
                f.year,
                "" if f.low is None else f.low,
                "" if f.high is None else f.high,
                neutralise(f.note),
            ]
        )
    return out.getvalue()
