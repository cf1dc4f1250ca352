"""Imported municipality/county boundaries: loading them and proposing a municipality."""

from __future__ import annotations

import json
from dataclasses import dataclass
from threading import Lock

import shapely
from shapely.geometry import mapping, shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.boundaries import BoundaryIndex, BoundaryRecord, to_sweref_geometry
from geo.crs import to_sweref
from models.base import utcnow
from models.geo import Boundary


@dataclass(frozen=True)
class BoundaryReport:
    kind: str
    read: int
    added: int
    updated: int
    unchanged: int


def import_boundaries(session: Session, records: list[BoundaryRecord]) -> BoundaryReport:
    """Insert or replace each record's polygon (idempotent: unchanged polygons stay untouched)."""
    kinds = {r.kind for r in records}
    existing = {(b.kind, b.code): b for b in session.scalars(select(Boundary))}
    added = updated = 0
    for record in records:
        geojson = json.dumps(mapping(record.geometry_wgs84), separators=(",", ":"))
        min_x, min_y, max_x, max_y = to_sweref_geometry(record.geometry_wgs84).bounds
        values = {
            "name": record.name,
            "geojson": geojson,
            "min_x": min_x,
            "min_y": min_y,
            "max_x": max_x,
            "max_y": max_y,
        }
        row = existing.get((record.kind, record.code))
        if row is None:
            session.add(Boundary(kind=record.kind, code=record.code, **values))
            added += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            updated += 1
    session.flush()
    return BoundaryReport(
        kind=", ".join(sorted(kinds)),
        read=len(records),
        added=added,
        updated=updated,
        unchanged=len(records) - added - updated,
    )


_cache: dict[tuple[str, str], tuple[object, BoundaryIndex]] = {}
_cache_lock = Lock()


def boundary_index(session: Session, kind: str = "municipality") -> BoundaryIndex | None:
    """An in-process point index over the stored polygons, rebuilt when the table changes."""
    engine_key = str(session.get_bind().engine.url)
    stamp = session.execute(
        select(func.count(Boundary.id), func.max(Boundary.updated_at)).where(Boundary.kind == kind)
    ).one()
    if not stamp[0]:
        return None
    with _cache_lock:
        cached = _cache.get((engine_key, kind))
        if cached is not None and cached[0] == tuple(stamp):
            return cached[1]
    rows = session.execute(select(Boundary.code, Boundary.geojson).where(Boundary.kind == kind))
    index = BoundaryIndex(
        [(code, to_sweref_geometry(shape(json.loads(geojson)))) for code, geojson in rows]
    )
    with _cache_lock:
        _cache[(engine_key, kind)] = (tuple(stamp), index)
    return index


def municipality_at(session: Session, lon: float, lat: float) -> str | None:
    """The municipality holding (or within a few km of) the point, when boundaries are loaded."""
    index = boundary_index(session, "municipality")
    if index is None:
        return None
    return index.locate(*to_sweref(lon, lat))


def outlines(session: Session, kind: str) -> list[tuple[str, str, dict[str, object]]]:
    """(code, name, GeoJSON geometry) of every stored boundary of a kind, simplified for maps."""
    result = []
    for code, name, geojson in session.execute(
        select(Boundary.code, Boundary.name, Boundary.geojson)
        .where(Boundary.kind == kind)
        .order_by(Boundary.code)
    ):
        geometry = shapely.simplify(shape(json.loads(geojson)), 0.001, preserve_topology=True)
        result.append((code, name, mapping(geometry)))
    return result
