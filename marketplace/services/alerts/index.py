"""Which subscriptions a listing satisfies, fast: an in-memory index over every active one.

The index keeps the subscriptions' filters as bit masks and their areas as arrays (circle
centres and radii, prepared polygons, a dict by municipality/county code), with an STRtree over
the SWEREF 99 TM bounding boxes of circles and polygons. A listing is tested against the few
candidates the tree and the dict give, all at once in numpy/shapely; the result is, subscription
for subscription, what `alerts.catches` says (a property test holds them together).

Every change to a subscription writes a new random token into `alert_index_state`; a process
rebuilds its index when the token differs from the one it built with, recompiling only the
subscriptions whose `updated_at` changed.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.areas import AreaError
from geo.distance import geodesic_from_many_m
from marketplace.services.alerts.criteria import (
    Compiled,
    Facts,
    compile_subscription,
    passes_filters,
)
from models.alerts import AlertIndexState, AlertSubscription
from models.taxonomy import CATEGORIES, DIRECTIONS, KINDS

log = logging.getLogger(__name__)

_DIRECTION_BIT = {d: 1 << i for i, d in enumerate(DIRECTIONS)}
_KIND_BIT = {k: 1 << i for i, k in enumerate(KINDS)}
_CATEGORY_BIT = {c.key: 1 << i for i, c in enumerate(CATEGORIES)}
assert len(CATEGORIES) < 63, "categories must fit in one int64 mask"


def _mask(values: frozenset[str], bits: dict[str, int]) -> int:
    """0 means 'any' (an empty filter)."""
    return sum(bits[v] for v in values if v in bits)


@dataclass(frozen=True)
class Hit:
    subscription: Compiled
    distance_m: float | None


class SubscriptionIndex:
    def __init__(self, subscriptions: list[Compiled]) -> None:
        subscriptions = sorted(subscriptions, key=lambda sub: sub.id)  # hits come out in id order
        self.subs = subscriptions
        n = len(subscriptions)
        self.direction = np.array(
            [_mask(s.directions, _DIRECTION_BIT) for s in subscriptions], dtype=np.int64
        )
        self.kind = np.array([_mask(s.kinds, _KIND_BIT) for s in subscriptions], dtype=np.int64)
        self.category = np.array(
            [_mask(s.categories, _CATEGORY_BIT) for s in subscriptions], dtype=np.int64
        )
        # EWC prefixes and keywords are rare: those few are checked with the Python rule.
        self.slow = np.array(
            [bool(s.ewc_prefixes or s.keywords) for s in subscriptions], dtype=bool
        )
        self.is_circle = np.array([s.circle is not None for s in subscriptions], dtype=bool)
        self.is_polygon = np.array([s.polygon is not None for s in subscriptions], dtype=bool)
        self.lon = np.array([s.circle.lon if s.circle else np.nan for s in subscriptions])
        self.lat = np.array([s.circle.lat if s.circle else np.nan for s in subscriptions])
        self.radius = np.array([s.circle.radius_m if s.circle else np.nan for s in subscriptions])
        self.geometry = np.empty(n, dtype=object)
        for i, s in enumerate(subscriptions):
            if s.polygon is not None:
                self.geometry[i] = s.polygon.geometry  # prepared by PolygonArea
        self.spatial = np.array(
            [i for i, s in enumerate(subscriptions) if s.bbox() is not None], dtype=np.int64
        )
        boxes = [shapely.box(*subscriptions[i].bbox()) for i in self.spatial]
        self.tree = shapely.STRtree(boxes) if boxes else None
        by_region: dict[str, list[int]] = defaultdict(list)
        for i, sub in enumerate(subscriptions):
            for code in sub.regions:
                by_region[code].append(i)
        self.by_region = {code: np.array(ids, dtype=np.int64) for code, ids in by_region.items()}
        self.size = n

    def candidates(self, facts: Facts) -> NDArray[np.int64]:
        parts = []
        if self.tree is not None:
            parts.append(self.spatial[self.tree.query(shapely.Point(facts.x, facts.y))])
        for code in (facts.municipality_code, facts.county_code):
            if code and code in self.by_region:
                parts.append(self.by_region[code])
        if not parts:
            return np.empty(0, dtype=np.int64)
        if len(parts) == 1:
            return parts[0]  # tree results and one code's list hold no repeats
        return np.unique(np.concatenate(parts))  # a region alert may name county and municipality

    def _filtered(self, cand: NDArray[np.int64], facts: Facts) -> NDArray[np.int64]:
        keep = np.ones(len(cand), dtype=bool)
        for masks, bit in (
            (self.direction, _DIRECTION_BIT.get(facts.direction, 0)),
            (self.kind, _KIND_BIT.get(facts.kind, 0)),
            (self.category, _CATEGORY_BIT.get(facts.category, 0)),
        ):
            m = masks[cand]
            keep &= (m == 0) | ((m & bit) != 0)
        cand = cand[keep]
        slow = self.slow[cand]
        if slow.any():
            exact = np.array([passes_filters(self.subs[i], facts) for i in cand[slow]], dtype=bool)
            keep = np.ones(len(cand), dtype=bool)
            keep[np.flatnonzero(slow)] = exact
            cand = cand[keep]
        return cand

    def hits(self, facts: Facts) -> list[Hit]:
        cand = self._filtered(self.candidates(facts), facts)
        circles = cand[self.is_circle[cand]]
        metres = geodesic_from_many_m(self.lon[circles], self.lat[circles], facts.lon, facts.lat)
        inside_circle = metres <= self.radius[circles]
        polygons = cand[self.is_polygon[cand]]
        inside_polygon = (
            shapely.intersects_xy(self.geometry[polygons], facts.x, facts.y)
            if len(polygons)
            else np.zeros(0, dtype=bool)
        )
        regions = cand[~self.is_circle[cand] & ~self.is_polygon[cand]]
        # Subscriptions are held in id order, so sorting positions sorts by id.
        chosen = np.concatenate([circles[inside_circle], polygons[inside_polygon], regions])
        distance = np.concatenate(
            [metres[inside_circle], np.full(len(chosen) - int(inside_circle.sum()), np.nan)]
        )
        order = np.argsort(chosen, kind="stable")
        subs = self.subs
        return [
            Hit(subs[i], None if d != d else d)  # NaN: no distance (polygon or region)
            for i, d in zip(chosen[order].tolist(), distance[order].tolist(), strict=True)
        ]


# --- keeping it current ------------------------------------------------------------------------


@dataclass
class _Cached:
    token: str | None
    compiled: dict[int, tuple[datetime, Compiled]] = field(default_factory=dict)
    index: SubscriptionIndex = field(default_factory=lambda: SubscriptionIndex([]))


_cache: dict[str, _Cached] = {}
_lock = threading.Lock()


def _compile_changed(
    session: Session, previous: dict[int, tuple[datetime, Compiled]]
) -> dict[int, tuple[datetime, Compiled]]:
    rows = session.execute(
        select(AlertSubscription.id, AlertSubscription.updated_at).where(
            AlertSubscription.paused.is_(False)
        )
    ).all()
    kept = {i: previous[i] for i, stamp in rows if i in previous and previous[i][0] == stamp}
    changed = [i for i, _ in rows if i not in kept]
    for start in range(0, len(changed), 500):
        chunk = changed[start : start + 500]
        for sub in session.scalars(
            select(AlertSubscription).where(AlertSubscription.id.in_(chunk))
        ):
            try:
                kept[sub.id] = (sub.updated_at, compile_subscription(sub))
            except AreaError:  # stored areas were validated; a bad one must not stop the rest
                log.exception("alert subscription %s has an unusable area", sub.id)
    return kept


def index_for(session: Session) -> SubscriptionIndex:
    """The index for this database, brought up to date when a subscription changed."""
    bind = session.get_bind()
    key = str(bind.engine.url) if hasattr(bind, "engine") else str(id(bind))
    token = session.scalar(select(AlertIndexState.token).where(AlertIndexState.id == 1))
    cached = _cache.get(key)
    if cached is not None and token is not None and cached.token == token:
        return cached.index
    compiled = _compile_changed(session, cached.compiled if cached else {})
    fresh = _Cached(
        token,
        compiled,
        SubscriptionIndex([c for _, c in sorted(compiled.values(), key=lambda p: p[1].id)]),
    )
    with _lock:
        _cache[key] = fresh
    return fresh.index
