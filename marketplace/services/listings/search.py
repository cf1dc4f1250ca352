"""Finding listings: text and filters, exact radius and area search, home-page figures.

Radius search never measures in degrees: SWEREF 99 TM metres for the indexed prefilter and the
planar ordering, geodesic distances on GRS80 for the answer (see docs/decisions.md, "Geography").
Text search is the databases' full-text search (`fulltext`); counts and deep pages are bounded
(`paging`), so no page costs more as the market grows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import ColumnElement, Select, SQLColumnExpression, false, select
from sqlalchemy.orm import Session

from geo.areas import PLANAR_MARGIN, Circle, PolygonArea
from geo.grid import cells_covering
from marketplace.services.listings import paging
from marketplace.services.listings.fulltext import match_text, words
from marketplace.services.listings.liveness import live_condition, load_in_order
from marketplace.services.listings.paging import (
    Cursor,
    CursorError,
    bounded_count,
    keyset_slice,
)
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
    """One page of results. `total` is exact unless `total_is_lower_bound` (then there are more
    than COUNT_LIMIT); `pages` counts the pages reachable by number. Newest-first and relevance
    results carry keyset cursors to the pages either side (`keyset`); geographic results are
    paged by number only."""

    items: list[Listing]
    page: int
    per_page: int
    total: int
    distances_km: dict[int, float] = field(default_factory=dict)
    total_is_lower_bound: bool = False
    keyset: bool = False
    next_cursor: Cursor | None = None
    prev_cursor: Cursor | None = None
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None if self.keyset else self.page < self.pages


def _filtered(
    stmt: S, filters: ListingFilters, dialect: str
) -> tuple[S, ColumnElement[Any] | None]:
    """The filters applied to `stmt`, and the text relevance when there is a text query."""
    relevance = None
    terms = words(filters.q)
    if terms:
        stmt, relevance = match_text(stmt, terms, dialect)
    elif filters.q.strip():  # only punctuation: nothing to search for, so nothing found
        stmt = stmt.where(false())
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
    return stmt, relevance


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _clamp(page: int, total: int, per_page: int) -> int:
    return max(1, min(page, max(1, -(-total // per_page))))


def search_listings(
    session: Session,
    filters: ListingFilters,
    *,
    today: date,
    page: int = 1,
    per_page: int = 20,
    cursor: Cursor | None = None,
) -> Page:
    """Live listings matching the filters: nearest first around a centre, else by relevance
    to the text query, else newest first. `page` numbers reach as far as the bounded count;
    `cursor` (from a previous Page) reaches any depth at the cost of the first page."""
    if filters.near is not None or filters.area is not None:
        if cursor is not None:
            raise CursorError("geographic results are paged by number")
        return _search_geo(session, filters, today=today, page=page, per_page=per_page)
    base, relevance = _filtered(
        select(Listing.id).where(live_condition(today)), filters, _dialect(session)
    )
    total, more = bounded_count(session, base)
    keys: list[SQLColumnExpression[Any]] = [*_present(relevance), Listing.published_at, Listing.id]
    chosen = keyset_slice(
        session, base, keys, page=_clamp(page, total, per_page), per_page=per_page, cursor=cursor
    )
    return Page(
        items=load_in_order(session, chosen.ids),
        page=chosen.page,
        per_page=per_page,
        total=total,
        total_is_lower_bound=more,
        keyset=True,
        next_cursor=chosen.next,
        prev_cursor=chosen.prev,
    )


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


def _geo_base(
    filters: ListingFilters, today: date, dialect: str
) -> tuple[Select, ColumnElement[Any] | None]:
    """Indexed prefilter: live listings in the bounding box that surely holds every match
    (and the text relevance, when there is a text query)."""
    stmt = select(Listing.id).where(live_condition(today), _bbox_condition(filters))
    if filters.near is not None:
        stmt = stmt.where(_planar_d2(filters.near) <= filters.near.planar_radius_m**2)
    return _filtered(stmt, filters, dialect)


def _search_geo(
    session: Session, filters: ListingFilters, *, today: date, page: int, per_page: int
) -> Page:
    if filters.near is not None and filters.area is None:
        return _search_near(session, filters, filters.near, today, page, per_page)
    return _search_area(session, filters, today, page, per_page)


def _search_area(
    session: Session, filters: ListingFilters, today: date, page: int, per_page: int
) -> Page:
    """A drawn area (with or without a centre): every candidate is tested in numpy. Nearest
    first around a centre, else by text relevance when there is a query, then newest first."""
    base, relevance = _geo_base(filters, today, _dialect(session))
    columns: list[SQLColumnExpression[Any]] = [
        Listing.id, Listing.lon, Listing.lat, Listing.x, Listing.y, Listing.published_at,
        *_present(relevance),
    ]  # fmt: skip
    rows: list[Any] = list(session.execute(base.with_only_columns(*columns)).all())
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    assert filters.area is not None
    keep = filters.area.contains_xy([r[3] for r in rows], [r[4] for r in rows])
    distances = np.zeros(len(rows))
    if filters.near is not None:
        distances = filters.near.distances_m([r[1] for r in rows], [r[2] for r in rows])
        keep &= distances <= filters.near.radius_m
        order = np.lexsort((ids, distances))
    else:
        order = np.lexsort(_newest_keys(rows, ids, ranked=relevance is not None))
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


def _newest_keys(rows: list[Any], ids: np.ndarray, *, ranked: bool) -> tuple[np.ndarray, ...]:
    """np.lexsort keys (last is primary): relevance when ranked, then newest, then highest id."""
    stamps = (r[5].timestamp() if r[5] else 0.0 for r in rows)
    keys = [-ids, -np.fromiter(stamps, dtype=np.float64, count=len(rows))]
    if ranked:
        keys.append(-np.fromiter((r[6] for r in rows), dtype=np.float64, count=len(rows)))
    return tuple(keys)


def _present(relevance: ColumnElement[Any] | None) -> list[ColumnElement[Any]]:
    return [] if relevance is None else [relevance]


def _count_within(session: Session, base: Select, near: Circle) -> tuple[int, bool]:
    """Geodesic count, exact up to COUNT_LIMIT: a bounded SQL count of the points surely
    inside (planar distance below the radius shrunk by the planar/geodesic margin) plus a
    geodesic test of the thin ring between the shrunk and the enlarged radius."""
    d2 = _planar_d2(near)
    sure = (near.radius_m * (1 - PLANAR_MARGIN)) ** 2
    inside, more = bounded_count(session, base.where(d2 <= sure))
    if more:
        return paging.COUNT_LIMIT, True
    ring = session.execute(base.with_only_columns(Listing.lon, Listing.lat).where(d2 > sure)).all()
    total = inside + int(
        np.count_nonzero(near.contains([r[0] for r in ring], [r[1] for r in ring]))
    )
    return min(total, paging.COUNT_LIMIT), total > paging.COUNT_LIMIT


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
    """Radius search, nearest first, exact on the ellipsoid; only the requested page is read,
    and pages go as deep as the bounded count (at most COUNT_LIMIT + per_page rows)."""
    base, _relevance = _geo_base(filters, today, _dialect(session))
    total, more = _count_within(session, base, near)
    page = _clamp(page, total, per_page)
    nearest = _nearest(session, base, near, page * per_page)[(page - 1) * per_page :]
    return Page(
        items=load_in_order(session, [i for i, _ in nearest]),
        page=page,
        per_page=per_page,
        total=total,
        distances_km={i: d / 1000 for i, d in nearest},
        total_is_lower_bound=more,
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
