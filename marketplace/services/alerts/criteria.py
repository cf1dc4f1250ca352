"""Alert subscriptions: what a user wants to hear about, where, and how often.

A subscription is an area (a circle around a site or a clicked point, a drawn polygon, or a set
of municipalities/counties), filters (directions, kinds, categories, EWC codes or chapters,
keywords; empty means any) and a cadence. `catches` is the one rule that decides whether a
listing satisfies a subscription; the preview, the fan-out and the tests all go through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from geo.areas import BBox, Circle, PolygonArea, polygon_from_geojson
from models.alerts import AlertSubscription


@dataclass(frozen=True)
class Facts:
    """What the subscription rule needs to know of a listing (its search point, not its site)."""

    id: int
    organisation_id: int
    direction: str
    kind: str
    category: str
    ewc_code: str | None
    search_text: str
    lon: float
    lat: float
    x: float
    y: float
    municipality_code: str | None
    county_code: str | None

    @classmethod
    def of(cls, listing: Any) -> Facts:
        return cls(**{name: getattr(listing, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Compiled:
    """A subscription ready to test listings against (area objects built once)."""

    id: int
    user_id: int
    cadence: str
    directions: frozenset[str]
    kinds: frozenset[str]
    categories: frozenset[str]
    ewc_prefixes: tuple[str, ...]
    keywords: tuple[str, ...]
    circle: Circle | None = None
    polygon: PolygonArea | None = None
    regions: frozenset[str] = field(default_factory=frozenset)

    def bbox(self) -> BBox | None:
        area = self.circle or self.polygon
        return area.bbox() if area is not None else None


def compile_subscription(sub: AlertSubscription) -> Compiled:
    circle = polygon = None
    if sub.area_kind == "circle":
        circle = Circle(sub.center_lon or 0.0, sub.center_lat or 0.0, sub.radius_m or 0.0)
    elif sub.area_kind == "polygon":
        polygon = polygon_from_geojson(sub.polygon_geojson or "")
    return Compiled(
        id=sub.id,
        user_id=sub.user_id,
        cadence=sub.cadence,
        directions=frozenset(sub.split(sub.directions)),
        kinds=frozenset(sub.split(sub.kinds)),
        categories=frozenset(sub.split(sub.categories)),
        ewc_prefixes=tuple(sub.split(sub.ewc_prefixes)),
        keywords=tuple(w.casefold() for w in sub.split(sub.keywords)),
        circle=circle,
        polygon=polygon,
        regions=frozenset(sub.split(sub.region_codes))
        if sub.area_kind == "regions"
        else frozenset(),
    )


def passes_filters(sub: Compiled, facts: Facts) -> bool:
    if sub.directions and facts.direction not in sub.directions:
        return False
    if sub.kinds and facts.kind not in sub.kinds:
        return False
    if sub.categories and facts.category not in sub.categories:
        return False
    if sub.ewc_prefixes and not (
        facts.ewc_code and any(facts.ewc_code.startswith(p) for p in sub.ewc_prefixes)
    ):
        return False
    text = facts.search_text.casefold()
    return not sub.keywords or any(word in text for word in sub.keywords)


def area_distance(sub: Compiled, facts: Facts) -> tuple[bool, float | None]:
    """(inside, metres from the circle's centre) for the listing's search point."""
    if sub.circle is not None:
        metres = float(sub.circle.distances_m([facts.lon], [facts.lat])[0])
        return metres <= sub.circle.radius_m, metres
    if sub.polygon is not None:
        return bool(sub.polygon.contains_xy([facts.x], [facts.y])[0]), None
    return bool({facts.municipality_code, facts.county_code} & sub.regions), None


def catches(sub: Compiled, facts: Facts) -> tuple[bool, float | None]:
    """Whether the subscription is satisfied by the listing (never by its own user's firm:
    that is checked where users are known), and the distance when the area is a circle."""
    if not passes_filters(sub, facts):
        return False, None
    return area_distance(sub, facts)
