"""Alert subscriptions: what a user wants to hear about, where, and how often.

A subscription is an area (a circle around a site or a clicked point, a drawn polygon, or a set
of municipalities/counties), filters (directions, kinds, categories, EWC codes or chapters,
keywords; empty means any) and a cadence. `catches` is the one rule that decides whether a
listing satisfies a subscription; the preview, the fan-out and the tests all go through it.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from geo.areas import AreaError, Circle, polygon_from_geojson
from geo.gazetteer import COUNTY_BY_CODE, MUNICIPALITY_BY_CODE
from marketplace.services.alerts.criteria import Facts, catches, compile_subscription
from marketplace.services.errors import N_, DomainError, NotFound
from marketplace.services.listings.liveness import live_condition, load_in_order
from models.accounts import User
from models.alerts import CADENCES, AlertIndexState, AlertSubscription
from models.listings import Listing
from models.sites import Site
from models.taxonomy import CATEGORY_BY_KEY, DIRECTIONS, KINDS

MAX_SUBSCRIPTIONS = 50
MAX_RADIUS_KM = 300
PREVIEW_LIMIT = 500
_EWC_TOKEN = re.compile(r"^[0-9]{2}([0-9]{2}([0-9]{2})?)?$")


@dataclass(frozen=True)
class SubscriptionInput:
    name: str
    area_kind: str  # circle | polygon | regions
    site_id: int | None = None
    center_lon: float | None = None
    center_lat: float | None = None
    radius_km: float | None = None
    polygon_geojson: str | None = None
    region_codes: tuple[str, ...] = ()
    directions: tuple[str, ...] = ("offer",)
    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    ewc: str = ""
    keywords: str = ""
    cadence: str = "instant"


# --- writing subscriptions ---------------------------------------------------------------------


def touch(session: Session) -> None:
    """Record that subscriptions changed, so every process's fan-out index catches up."""
    token = uuid.uuid4().hex
    updated = session.execute(
        update(AlertIndexState).where(AlertIndexState.id == 1).values(token=token)
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        session.add(AlertIndexState(id=1, token=token))


def _clean_codes(values: Iterable[str], allowed: Iterable[str], field_name: str) -> list[str]:
    allowed_set = set(allowed)
    cleaned = sorted({v for v in values if v})
    if any(v not in allowed_set for v in cleaned):
        raise DomainError(N_("Choose from the list."), field=field_name)
    return cleaned


def _clean_ewc(raw: str) -> list[str]:
    tokens = [t.replace(" ", "").rstrip("*") for t in re.split(r"[,;]+", raw) if t.strip()]
    if len(tokens) > 30 or not all(_EWC_TOKEN.match(t) for t in tokens):
        raise DomainError(
            N_("Give waste codes or chapters as 2, 4 or 6 digits, separated by commas."),
            field="ewc",
        )
    return sorted(set(tokens))


def _apply_area(
    session: Session, sub: AlertSubscription, data: SubscriptionInput, actor: User
) -> None:
    sub.area_kind = data.area_kind
    sub.site_id = sub.center_lon = sub.center_lat = sub.radius_m = sub.polygon_geojson = None
    sub.min_x = sub.min_y = sub.max_x = sub.max_y = None
    sub.region_codes = ""
    if data.area_kind == "circle":
        _apply_circle(session, sub, data, actor)
    elif data.area_kind == "polygon":
        try:
            area = polygon_from_geojson(data.polygon_geojson or "")
        except AreaError:
            raise DomainError(
                N_("Draw an area on the map: at least three points, inside Sweden."),
                field="polygon",
            ) from None
        sub.polygon_geojson = json.dumps(area.to_geojson())
        sub.min_x, sub.min_y, sub.max_x, sub.max_y = area.bbox()
    elif data.area_kind == "regions":
        allowed = list(MUNICIPALITY_BY_CODE) + list(COUNTY_BY_CODE)
        codes = _clean_codes(data.region_codes, allowed, "regions")
        if not codes:
            raise DomainError(N_("Choose at least one municipality or county."), field="regions")
        sub.region_codes = " ".join(codes)
    else:
        raise DomainError(N_("Choose from the list."), field="area_kind")


def _apply_circle(
    session: Session, sub: AlertSubscription, data: SubscriptionInput, actor: User
) -> None:
    if data.site_id is not None:
        site = session.get(Site, data.site_id)
        if site is None or site.organisation_id != actor.organisation_id:
            raise DomainError(N_("Choose one of your firm's sites."), field="site_id")
        lon, lat = site.lon, site.lat
        sub.site_id = site.id
    elif data.center_lon is not None and data.center_lat is not None:
        lon, lat = data.center_lon, data.center_lat
    else:
        raise DomainError(N_("Choose a site or click the map to set a centre."), field="site_id")
    radius = data.radius_km
    if radius is None or not 1 <= radius <= MAX_RADIUS_KM:
        raise DomainError(
            N_("The radius must be between 1 and %(max)s km."), field="radius_km", max=MAX_RADIUS_KM
        )
    try:
        circle = Circle(lon, lat, radius * 1000)
    except AreaError:
        raise DomainError(N_("The centre must lie in Sweden."), field="site_id") from None
    sub.center_lon, sub.center_lat, sub.radius_m = lon, lat, radius * 1000
    sub.min_x, sub.min_y, sub.max_x, sub.max_y = circle.bbox()


def _apply(session: Session, sub: AlertSubscription, data: SubscriptionInput, actor: User) -> None:
    name = data.name.strip()
    if not name:
        raise DomainError(N_("Give the alert a name."), field="name")
    if len(name) > 120:
        raise DomainError(N_("At most %(max)s characters."), field="name", max=120)
    if data.cadence not in CADENCES:
        raise DomainError(N_("Choose from the list."), field="cadence")
    directions = _clean_codes(data.directions, DIRECTIONS, "directions")
    if not directions:
        raise DomainError(N_("Choose offers, wants or both."), field="directions")
    kinds = _clean_codes(data.kinds, KINDS, "kinds")
    categories = _clean_codes(data.categories, CATEGORY_BY_KEY, "categories")
    ewc = _clean_ewc(data.ewc)
    keywords = " ".join(data.keywords.split())
    if len(keywords) > 200:
        raise DomainError(N_("At most %(max)s characters."), field="keywords", max=200)
    _apply_area(session, sub, data, actor)
    sub.name = name
    sub.cadence = data.cadence
    sub.directions = " ".join(directions)
    sub.kinds = " ".join(kinds)
    sub.categories = " ".join(categories)
    sub.ewc_prefixes = " ".join(ewc)
    sub.keywords = keywords


def create_subscription(
    session: Session, *, actor: User, data: SubscriptionInput
) -> AlertSubscription:
    count = session.scalar(
        select(func.count())
        .select_from(AlertSubscription)
        .where(AlertSubscription.user_id == actor.id)
    )
    if (count or 0) >= MAX_SUBSCRIPTIONS:
        raise DomainError(
            N_("You have %(max)s alerts, the most one person can have. Delete one first."),
            max=MAX_SUBSCRIPTIONS,
        )
    sub = AlertSubscription(user_id=actor.id)
    _apply(session, sub, data, actor)
    session.add(sub)
    session.flush()
    touch(session)
    return sub


def draft_subscription(
    session: Session, *, actor: User, data: SubscriptionInput
) -> AlertSubscription:
    """A checked subscription that is not saved (to preview what it would catch)."""
    sub = AlertSubscription(user_id=actor.id, paused=False)
    _apply(session, sub, data, actor)
    return sub


def get_own_subscription(
    session: Session, *, actor: User, subscription_id: int
) -> AlertSubscription:
    sub = session.get(AlertSubscription, subscription_id)
    if sub is None or sub.user_id != actor.id:
        raise NotFound()
    return sub


def update_subscription(
    session: Session, *, actor: User, subscription_id: int, data: SubscriptionInput
) -> AlertSubscription:
    sub = get_own_subscription(session, actor=actor, subscription_id=subscription_id)
    _apply(session, sub, data, actor)
    touch(session)
    return sub


def set_paused(
    session: Session, *, actor: User, subscription_id: int, paused: bool
) -> AlertSubscription:
    sub = get_own_subscription(session, actor=actor, subscription_id=subscription_id)
    sub.paused = paused
    touch(session)
    return sub


def delete_subscription(session: Session, *, actor: User, subscription_id: int) -> None:
    session.delete(get_own_subscription(session, actor=actor, subscription_id=subscription_id))
    touch(session)


def set_muted(session: Session, user: User, muted: bool) -> None:
    user.alerts_muted = muted


def user_subscriptions(session: Session, user_id: int) -> list[AlertSubscription]:
    stmt = (
        select(AlertSubscription)
        .where(AlertSubscription.user_id == user_id)
        .order_by(AlertSubscription.created_at.desc(), AlertSubscription.id.desc())
    )
    return list(session.scalars(stmt))


def pause_by_link(
    session: Session, *, user_id: int, subscription_ids: Iterable[int]
) -> list[AlertSubscription]:
    """The unsubscribe link: pause the named subscriptions of that user (no login needed)."""
    wanted = list(subscription_ids)
    subs = list(
        session.scalars(
            select(AlertSubscription).where(
                AlertSubscription.user_id == user_id, AlertSubscription.id.in_(wanted)
            )
        )
    )
    for sub in subs:
        sub.paused = True
    touch(session)
    return subs


def to_input(sub: AlertSubscription) -> SubscriptionInput:
    """The stored subscription as form input (editing starts from it)."""
    return SubscriptionInput(
        name=sub.name,
        area_kind=sub.area_kind,
        site_id=sub.site_id,
        center_lon=sub.center_lon,
        center_lat=sub.center_lat,
        radius_km=(sub.radius_m or 0) / 1000 or None,
        polygon_geojson=sub.polygon_geojson,
        region_codes=tuple(sub.split(sub.region_codes)),
        directions=tuple(sub.split(sub.directions)),
        kinds=tuple(sub.split(sub.kinds)),
        categories=tuple(sub.split(sub.categories)),
        ewc=", ".join(sub.split(sub.ewc_prefixes)),
        keywords=sub.keywords,
        cadence=sub.cadence,
    )


# --- preview -----------------------------------------------------------------------------------

_FACT_COLUMNS = [getattr(Listing, name) for name in Facts.__dataclass_fields__]


def preview(
    session: Session,
    sub: AlertSubscription,
    *,
    actor: User,
    today: date,
    limit: int = PREVIEW_LIMIT,
) -> tuple[list[Listing], int, dict[int, float]]:
    """Live listings the subscription would have caught: (first `limit`, total, metres by id)."""
    compiled = compile_subscription(sub)
    stmt = select(*_FACT_COLUMNS).where(live_condition(today))
    if actor.organisation_id is not None:
        stmt = stmt.where(Listing.organisation_id != actor.organisation_id)
    if compiled.directions:
        stmt = stmt.where(Listing.direction.in_(compiled.directions))
    if compiled.kinds:
        stmt = stmt.where(Listing.kind.in_(compiled.kinds))
    if compiled.categories:
        stmt = stmt.where(Listing.category.in_(compiled.categories))
    box = compiled.bbox()
    if box is not None:
        stmt = stmt.where(Listing.x.between(box[0], box[2]), Listing.y.between(box[1], box[3]))
    else:
        stmt = stmt.where(
            Listing.municipality_code.in_(compiled.regions)
            | Listing.county_code.in_(compiled.regions)
        )
    caught: list[tuple[float, int]] = []
    for row in session.execute(stmt.order_by(Listing.id.desc())):
        inside, metres = catches(compiled, Facts(*row))
        if inside:
            caught.append((metres if metres is not None else 0.0, row.id))
    caught.sort(key=lambda item: (item[0], -item[1]) if compiled.circle else (0, -item[1]))
    chosen = [listing_id for _, listing_id in caught[:limit]]
    distances = (
        {listing_id: metres for metres, listing_id in caught[:limit]} if compiled.circle else {}
    )
    return load_in_order(session, chosen), len(caught), distances
