"""Finding listings: text and filters, exact radius and area search, home-page figures.

Radius search never measures in degrees: SWEREF 99 TM metres for the indexed prefilter and the
planar ordering, geodesic distances on GRS80 for the answer (see docs/decisions.md, "Geography").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from geo.areas import PLANAR_MARGIN, Circle, PolygonArea
from geo.grid import cells_covering
from marketplace.services.listings.liveness import live_condition, load_in_order
from models.listings import Listing

S = TypeVar("S", bound=Select)


@dataclass(frozen=True)
class ListingFilters:
    q: str = ""
    direction: str | None = None
    kind: str | None = None
    category: str | None = None
    ewc: str | None = None  # chapter (2 digits), sub-chapter (4) or full code (6)
    municipality: str | None = None
    county: str | None = None
    near: Circle | None = None  # sorted by distance from its centre when given
    area: PolygonArea | None = None


@dataclass
class Page:
    items: list[Listing]
    page: int
    per_page: int
    total: int
    distances_km: dict[int, float] = field(default_factory=dict)
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _filtered(stmt: S, filters: ListingFilters) -> S:
    if filters.q.strip():
        for word in filters.q.casefold().split()[:8]:
            stmt = stmt.where(Listing.search_text.contains(word, autoescape=True))
    if filters.direction:
        stmt = stmt.where(Listing.direction == filters.direction)
    if filters.kind:
        stmt = stmt.where(Listing.kind == filters.kind)
    if filters.category:
        stmt = stmt.where(Listing.category == filters.category)
    if filters.ewc:
        digits = "".join(ch for ch in filters.ewc if ch.isdigit())[:6]
        if digits:
            stmt = stmt.where(Listing.ewc_code.startswith(digits, autoescape=True))
    if filters.municipality:
        stmt = stmt.where(Listing.municipality_code == filters.municipality)
    if filters.county:
        stmt = stmt.where(Listing.county_code == filters.county)
    return stmt


def _clamp(page: int, total: int, per_page: int) -> int:
    return max(1, min(page, max(1, -(-total // per_page))))


def search_listings(
    session: Session, filters: ListingFilters, *, today: date, page: int = 1, per_page: int = 20
) -> Page:
    """Live listings matching the filters: nearest first around a centre, else newest first."""
    if filters.near is not None or filters.area is not None:
        return _search_geo(session, filters, today=today, page=page, per_page=per_page)
    base = _filtered(select(Listing.id).where(live_condition(today)), filters)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    page = _clamp(page, total, per_page)
    ids = session.scalars(
        base.order_by(Listing.published_at.desc(), Listing.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(items=load_in_order(session, list(ids)), page=page, per_page=per_page, total=total)


def _bbox_condition(filters: ListingFilters) -> Any:
    boxes = [a.bbox() for a in (filters.near, filters.area) if a is not None]
    min_x, min_y = max(b[0] for b in boxes), max(b[1] for b in boxes)
    max_x, max_y = min(b[2] for b in boxes), min(b[3] for b in boxes)
    condition = Listing.x.between(min_x, max_x) & Listing.y.between(min_y, max_y)
    cells = cells_covering(min_x, min_y, max_x, max_y)
    return condition if cells is None else Listing.cell.in_(cells) & condition


def _planar_d2(near: Circle) -> Any:
    """Squared planar SWEREF 99 TM distance to the centre, as a SQL expression."""
    dx, dy = Listing.x - near.x, Listing.y - near.y
    return dx * dx + dy * dy


def _geo_base(filters: ListingFilters, today: date) -> Select:
    """Indexed prefilter: live listings in the bounding box that surely holds every match."""
    stmt = select(Listing.id).where(live_condition(today), _bbox_condition(filters))
    if filters.near is not None:
        stmt = stmt.where(_planar_d2(filters.near) <= filters.near.planar_radius_m**2)
    return _filtered(stmt, filters)


def _search_geo(
    session: Session, filters: ListingFilters, *, today: date, page: int, per_page: int
) -> Page:
    if filters.near is not None and filters.area is None:
        return _search_near(session, filters, filters.near, today, page, per_page)
    return _search_area(session, filters, today, page, per_page)


def _search_area(
    session: Session, filters: ListingFilters, today: date, page: int, per_page: int
) -> Page:
    """A drawn area (with or without a centre): every candidate is tested in numpy."""
    columns = (Listing.id, Listing.lon, Listing.lat, Listing.x, Listing.y, Listing.published_at)
    rows = session.execute(_geo_base(filters, today).with_only_columns(*columns)).all()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    assert filters.area is not None
    keep = filters.area.contains_xy([r[3] for r in rows], [r[4] for r in rows])
    distances = np.zeros(len(rows))
    if filters.near is not None:
        distances = filters.near.distances_m([r[1] for r in rows], [r[2] for r in rows])
        keep &= distances <= filters.near.radius_m
        order = np.lexsort((ids, distances))
    else:
        stamps = (r[5].timestamp() if r[5] else 0.0 for r in rows)
        newest = np.fromiter(stamps, dtype=np.float64, count=len(rows))
        order = np.lexsort((-ids, -newest))
    order = order[keep[order]]
    page = _clamp(page, len(order), per_page)
    chosen = order[(page - 1) * per_page : page * per_page]
    km = {int(ids[i]): float(distances[i]) / 1000 for i in chosen} if filters.near else {}
    return Page(
        items=load_in_order(session, [int(ids[i]) for i in chosen]),
        page=page,
        per_page=per_page,
        total=len(order),
        distances_km=km,
    )


def _count_within(session: Session, base: Select, near: Circle) -> int:
    """Exact geodesic count: a SQL count of the points surely inside (planar distance below
    the radius shrunk by the planar/geodesic margin) plus a geodesic test of the thin ring
    between the shrunk and the enlarged radius."""
    d2 = _planar_d2(near)
    sure = (near.radius_m * (1 - PLANAR_MARGIN)) ** 2
    inside = session.scalar(select(func.count()).select_from(base.where(d2 <= sure).subquery()))
    ring = session.execute(base.with_only_columns(Listing.lon, Listing.lat).where(d2 > sure)).all()
    in_ring = near.contains([r[0] for r in ring], [r[1] for r in ring])
    return int(inside or 0) + int(np.count_nonzero(in_ring))


def _nearest(session: Session, base: Select, near: Circle, k: int) -> list[tuple[int, float]]:
    """The k nearest matches as (id, geodesic metres), exact.

    SQL orders by planar distance from the covering index and returns ids only. The candidates
    are complete once the k-th geodesic distance is below what any unfetched point could have
    (the last planar distance shrunk by the margin); otherwise four times as many are fetched.
    """
    d2 = _planar_d2(near)
    limit = k + 16
    while True:
        columns = (Listing.id, d2, Listing.lon, Listing.lat)
        top = session.execute(
            base.with_only_columns(*columns).order_by(d2, Listing.id).limit(limit)
        ).all()
        dist = near.distances_m([t[2] for t in top], [t[3] for t in top])
        found = sorted(
            (d, t[0]) for d, t in zip(dist.tolist(), top, strict=True) if d <= near.radius_m
        )
        bound = math.sqrt(top[-1][1]) * (1 - PLANAR_MARGIN) if top else 0.0
        if len(top) < limit or (len(found) >= k and found[k - 1][0] < bound):
            return [(i, d) for d, i in found[:k]]
        limit *= 4


def _search_near(
    session: Session, filters: ListingFilters, near: Circle, today: date, page: int, per_page: int
) -> Page:
    """Radius search, nearest first, exact on the ellipsoid; only the requested page is read."""
    base = _geo_base(filters, today)
    total = _count_within(session, base, near)
    page = _clamp(page, total, per_page)
    nearest = _nearest(session, base, near, page * per_page)[(page - 1) * per_page :]
    return Page(
        items=load_in_order(session, [i for i, _ in nearest]),
        page=page,
        per_page=per_page,
        total=total,
        distances_km={i: d / 1000 for i, d in nearest},
    )


def newest_listings(session: Session, *, today: date, limit: int = 6) -> list[Listing]:
    return list(
        session.scalars(
            select(Listing)
            .where(live_condition(today))
            .order_by(Listing.published_at.desc(), Listing.id.desc())
            .limit(limit)
        )
    )
