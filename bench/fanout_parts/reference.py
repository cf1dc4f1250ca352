"""The independent brute force: the rules of `catches` restated in numpy over every active
subscription read with plain SQL."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import Engine, select
from support import synthetic

from geo.crs import geometry_to_sweref
from marketplace.services.alerts.criteria import Facts
from models.alerts import AlertSubscription

# --- brute force ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Membership:
    """A filter over all subscriptions: empty means any, else one of the listed values."""

    empty: synthetic.BoolArray
    rows: dict[str, synthetic.IntArray]

    @classmethod
    def of(cls, values: list[list[str]]) -> Membership:
        index: dict[str, list[int]] = defaultdict(list)
        for i, listed in enumerate(values):
            for value in listed:
                index[value].append(i)
        empty = np.array([not listed for listed in values], dtype=bool)
        return cls(empty, {k: np.array(v, dtype=np.int64) for k, v in index.items()})

    def accepts(self, value: str | None) -> synthetic.BoolArray:
        ok = self.empty.copy()
        rows = self.rows.get(value or "")
        if rows is not None:
            ok[rows] = True
        return ok


@dataclass(frozen=True)
class Reference:
    """Every active subscription as arrays, read from the table with plain SQL (not through
    `compile_subscription`); the rules of `catches` restated over them."""

    ids: synthetic.IntArray
    directions: Membership
    kinds: Membership
    categories: Membership
    ewc: Membership  # by prefix; a listing's code offers its 2-, 4- and 6-digit prefixes
    keyword_rows: synthetic.IntArray
    keywords: list[list[str]]
    circles: synthetic.IntArray
    lon: synthetic.FloatArray
    lat: synthetic.FloatArray
    radius_m: synthetic.FloatArray
    polygons: synthetic.IntArray
    geometry: NDArray[np.object_]
    regions: Membership  # `empty` unused: an area must name at least one region

    def __len__(self) -> int:
        return len(self.ids)


def build_reference(engine: Engine) -> Reference:
    s = AlertSubscription
    columns = (
        s.id, s.area_kind, s.center_lon, s.center_lat, s.radius_m, s.polygon_geojson,
        s.region_codes, s.directions, s.kinds, s.categories, s.ewc_prefixes, s.keywords,
    )  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).where(s.paused.is_(False)).order_by(s.id)).all()
    n = len(rows)
    lon, lat, radius = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    geometry = np.full(n, None, dtype=object)
    for i, row in enumerate(rows):
        if row.area_kind == "circle":
            lon[i], lat[i], radius[i] = row.center_lon, row.center_lat, row.radius_m
        elif row.area_kind == "polygon":
            geometry[i] = geometry_to_sweref(shapely.from_geojson(row.polygon_geojson))
    polygons = np.flatnonzero([r.area_kind == "polygon" for r in rows])
    shapely.prepare(geometry[polygons])
    words = [[w.casefold() for w in (r.keywords or "").split()] for r in rows]
    keyword_rows = np.array([i for i, w in enumerate(words) if w], dtype=np.int64)
    prefixes = [(r.ewc_prefixes or "").split() for r in rows]
    return Reference(
        ids=np.array([r.id for r in rows], dtype=np.int64),
        directions=Membership.of([(r.directions or "").split() for r in rows]),
        kinds=Membership.of([(r.kinds or "").split() for r in rows]),
        categories=Membership.of([(r.categories or "").split() for r in rows]),
        ewc=Membership.of(prefixes),
        keyword_rows=keyword_rows,
        keywords=[words[i] for i in keyword_rows.tolist()],
        circles=np.flatnonzero([r.area_kind == "circle" for r in rows]),
        lon=lon, lat=lat, radius_m=radius, polygons=polygons, geometry=geometry,
        regions=Membership.of([(r.region_codes or "").split() for r in rows]),
    )  # fmt: skip


def brute_force(ref: Reference, f: Facts) -> list[int]:
    """Ids of the active subscriptions the listing satisfies, by testing every one of them."""
    ok = ref.directions.accepts(f.direction) & ref.kinds.accepts(f.kind)
    ok &= ref.categories.accepts(f.category)
    code_ok = ref.ewc.empty.copy()
    for prefix in {f.ewc_code[:2], f.ewc_code[:4], f.ewc_code} if f.ewc_code else ():
        rows = ref.ewc.rows.get(prefix)
        if rows is not None:
            code_ok[rows] = True
    ok &= code_ok
    if ref.keyword_rows.size:
        text = f.search_text.casefold()
        ok[ref.keyword_rows] &= [any(w in text for w in words) for words in ref.keywords]
    inside = np.zeros(len(ref), dtype=bool)
    circles = ref.circles[ok[ref.circles]]
    if circles.size:
        _, _, metres = synthetic.GEOD.inv(
            np.full(circles.size, f.lon), np.full(circles.size, f.lat), ref.lon[circles],
            ref.lat[circles],
        )  # fmt: skip
        inside[circles] = np.asarray(metres) <= ref.radius_m[circles]
    polygons = ref.polygons[ok[ref.polygons]]
    if polygons.size:
        inside[polygons] = shapely.intersects_xy(ref.geometry[polygons], f.x, f.y)
    for code in (f.municipality_code, f.county_code):
        rows = ref.regions.rows.get(code or "")
        if rows is not None:
            inside[rows] = True
    return sorted(ref.ids[ok & inside].tolist())
