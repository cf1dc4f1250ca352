"""Which subscriptions a listing satisfies, fast: an in-memory index over every active one.

Circles and polygons sit in an STRtree of their SWEREF 99 TM bounding boxes; region
subscriptions in a dict by municipality/county code. The index is rebuilt when the subscription
table changes (its row count, newest update and highest id form the stamp), so a fan-out costs a
stamp query plus a tree lookup and the exact tests of the few candidates.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.areas import AreaError
from marketplace.services.alerts import Compiled, Facts, catches, compile_subscription
from models.alerts import AlertSubscription

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hit:
    subscription: Compiled
    distance_m: float | None


class SubscriptionIndex:
    def __init__(self, subscriptions: list[Compiled]) -> None:
        self.spatial = [s for s in subscriptions if s.bbox() is not None]
        boxes = [shapely.box(*s.bbox()) for s in self.spatial]  # type: ignore[misc]
        self.tree = shapely.STRtree(boxes) if boxes else None
        self.by_region: dict[str, list[Compiled]] = defaultdict(list)
        for sub in subscriptions:
            for code in sub.regions:
                self.by_region[code].append(sub)
        self.size = len(subscriptions)

    def candidates(self, facts: Facts) -> list[Compiled]:
        found: list[Compiled] = []
        if self.tree is not None:
            idx = self.tree.query(shapely.Point(facts.x, facts.y), predicate="intersects")
            found.extend(self.spatial[i] for i in np.sort(idx))
        for code in (facts.municipality_code, facts.county_code):
            if code:
                found.extend(self.by_region.get(code, ()))
        return found

    def hits(self, facts: Facts) -> list[Hit]:
        result = []
        for sub in self.candidates(facts):
            inside, metres = catches(sub, facts)
            if inside:
                result.append(Hit(sub, metres))
        return result


def _compile_all(session: Session) -> list[Compiled]:
    compiled = []
    rows = session.scalars(select(AlertSubscription).where(AlertSubscription.paused.is_(False)))
    for sub in rows:
        try:
            compiled.append(compile_subscription(sub))
        except AreaError:  # stored areas were validated; a bad one must not stop the others
            log.exception("alert subscription %s has an unusable area", sub.id)
    return compiled


def _stamp(session: Session) -> tuple[object, ...]:
    row = session.execute(
        select(
            func.count(),
            func.max(AlertSubscription.updated_at),
            func.max(AlertSubscription.id),
        ).where(AlertSubscription.paused.is_(False))
    ).one()
    return tuple(row)


_cache: dict[str, tuple[tuple[object, ...], SubscriptionIndex]] = {}
_lock = threading.Lock()


def index_for(session: Session) -> SubscriptionIndex:
    """The index for this database, rebuilt only when a subscription changed."""
    bind = session.get_bind()
    key = str(bind.engine.url) if hasattr(bind, "engine") else str(id(bind))
    stamp = _stamp(session)
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    index = SubscriptionIndex(_compile_all(session))
    with _lock:
        _cache[key] = (stamp, index)
    return index
