"""Postcodes: import and look-up (a first guess for a site's location)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.postcodes import PostcodeRecord
from marketplace.services.reference.validation import normalise_postcode
from models.geo import Postcode


def import_postcodes(session: Session, records: list[PostcodeRecord]) -> tuple[int, int, int]:
    """Insert or update every postcode; returns (added, updated, unchanged)."""
    existing = {p.code: p for p in session.scalars(select(Postcode))}
    added = updated = 0
    for record in {r.code: r for r in records}.values():
        values = {
            "place": record.place,
            "municipality_code": record.municipality_code,
            "lat": record.lat,
            "lon": record.lon,
        }
        row = existing.get(record.code)
        if row is None:
            session.add(Postcode(code=record.code, **values))
            added += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            updated += 1
    session.flush()
    unique = len({r.code for r in records})
    return added, updated, unique - added - updated


def find_postcode(session: Session, raw: str) -> Postcode | None:
    code = normalise_postcode(raw)
    return session.get(Postcode, code) if code else None
