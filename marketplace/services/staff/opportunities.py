"""Opportunities a region can act on: supply nobody nearby wants, demand nobody nearby supplies,
matches nobody has taken up, and the network of realised exchanges.

"Nearby" is N km straight line between search points (SWEREF 99 TM metres, exact to well under
0.1 % in the region), for categories that can serve each other (matching.COMPATIBLE), and only
another firm's listing counts. Each category is one STRtree "dwithin" query for all listings at
once, so the whole region is one pass.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import shapely
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from marketplace.services.listings.liveness import live_condition
from marketplace.services.matching.candidates import (
    compatible_categories,
    supplying_categories,
)
from marketplace.services.staff.stats_sql import (
    StatsFilter,
    deal_conditions,
    deals_select,
    listing_conditions,
    tonnes_sql,
)
from models.conversations import Conversation
from models.deals import Deal
from models.deliveries import Delivery
from models.listings import Listing
from models.organisations import Organisation
from models.potentials import MatchPotential
from models.sites import Site


@dataclass(frozen=True)
class Lonely:
    """Listings of one category in one municipality with no counterpart within N km."""

    category: str
    municipality: str | None
    listing_ids: list[int]
    firms: int
    tonnes: float  # per year, where the unit is a mass


def _yearly(recurrence: str) -> int:
    return {"week": 52, "month": 12}.get(recurrence, 1)


def live_rows(session: Session, today: date) -> list[Any]:
    """Every published material and energy listing with what the search needs (fetch once
    and hand to both `lonely` calls of a page)."""
    stmt = select(
        Listing.id,
        Listing.organisation_id,
        Listing.direction,
        Listing.category,
        Listing.municipality_code,
        Listing.x,
        Listing.y,
        tonnes_sql(Listing.quantity, Listing.unit, Listing.density_t_per_m3).label("tonnes"),
        Listing.recurrence,
    ).where(live_condition(today), Listing.kind != "capacity")
    return list(session.execute(stmt))


def lonely(
    session: Session, f: StatsFilter, *, direction: str, radius_km: float, today: date,
    live: list[Any] | None = None,
) -> list[Lonely]:  # fmt: skip
    """Offers (direction "offer") with no want within radius_km, or wants with no offer; the
    filters choose which listings are examined, counterparts may be anywhere. `live`: the
    rows of `live_rows` for the same day, when the caller has them already."""
    rows = live_rows(session, today) if live is None else live
    chosen = set(
        session.scalars(
            select(Listing.id).where(
                live_condition(today),
                Listing.direction == direction,
                *listing_conditions(f, published_in_period=False),
            )
        )
    )
    examined = [r for r in rows if r.id in chosen]
    served = _served(rows, examined, direction=direction, radius_m=radius_km * 1000)
    cells: dict[tuple[str, str | None], list[Any]] = defaultdict(list)
    for r in examined:
        if r.id not in served:
            cells[(r.category, r.municipality_code)].append(r)
    found = [
        Lonely(
            category=category,
            municipality=municipality,
            listing_ids=[r.id for r in members],
            firms=len({r.organisation_id for r in members}),
            tonnes=sum(float(r.tonnes or 0) * _yearly(r.recurrence) for r in members),
        )
        for (category, municipality), members in cells.items()
    ]
    return sorted(found, key=lambda c: (-c.tonnes, -len(c.listing_ids), c.category))


def _served(rows: list[Any], examined: list[Any], *, direction: str, radius_m: float) -> set[int]:
    """Ids of the examined listings with a counterpart of another firm within radius_m.

    Per counterpart category, one STRtree nearest-neighbour query for the examined listings
    that category can serve and that are not yet known to be served; only those whose nearest
    counterparts within the radius all belong to their own firm are then checked against every
    counterpart within it (a firm rarely sits next to itself)."""
    related = compatible_categories if direction == "offer" else supplying_categories
    by_category: dict[str, list[Any]] = defaultdict(list)
    for r in examined:
        by_category[r.category].append(r)
    counterparts: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        if r.direction != direction:
            counterparts[r.category].append(r)
    served: set[int] = set()
    for category, group in counterparts.items():
        targets = [
            r for own, members in by_category.items() if category in related(own)
            for r in members if r.id not in served
        ]  # fmt: skip
        if not targets:
            continue
        tree = shapely.STRtree(shapely.points([g.x for g in group], [g.y for g in group]))
        points = shapely.points([t.x for t in targets], [t.y for t in targets])
        target_firm = np.array([t.organisation_id for t in targets])
        group_firm = np.array([g.organisation_id for g in group])
        near, found = tree.query_nearest(points, max_distance=radius_m, all_matches=True)
        other = target_firm[near] != group_firm[found]
        hit = np.unique(near[other])
        unsure = np.setdiff1d(np.unique(near), hit)  # nearest ones are all their own firm's
        if unsure.size:
            pairs = tree.query(points[unsure], predicate="dwithin", distance=radius_m)
            other = target_firm[unsure][pairs[0]] != group_firm[pairs[1]]
            hit = np.concatenate([hit, unsure[np.unique(pairs[0][other])]])
        served.update(targets[i].id for i in hit.tolist())
    return served


@dataclass(frozen=True)
class Untaken:
    offer: Listing
    want: Listing
    potential: MatchPotential


def untaken_matches(session: Session, f: StatsFilter, *, limit: int = 30) -> list[Untaken]:
    """The best matches of published offers where the two firms have not started talking about
    either listing, largest potential saving first."""
    want = aliased(Listing)
    talking = exists().where(
        or_(Conversation.listing_id == Listing.id, Conversation.listing_id == want.id),
        or_(
            and_(
                Conversation.listing_org_id == Listing.organisation_id,
                Conversation.inquirer_org_id == want.organisation_id,
            ),
            and_(
                Conversation.listing_org_id == want.organisation_id,
                Conversation.inquirer_org_id == Listing.organisation_id,
            ),
        ),
    )
    stmt = (
        select(Listing, want, MatchPotential)
        .join(Organisation, Organisation.id == Listing.organisation_id)
        .join(MatchPotential, MatchPotential.listing_id == Listing.id)
        .join(want, want.id == MatchPotential.counterpart_id)
        .where(
            Listing.direction == "offer",
            Listing.status == "published",
            want.status == "published",
            ~talking,
            *listing_conditions(f, published_in_period=False),
        )
        .order_by(func.coalesce(MatchPotential.co2e_kg, 0).desc(), MatchPotential.score.desc())
        .limit(limit)
    )
    return [Untaken(o, w, p) for o, w, p in session.execute(stmt)]


@dataclass(frozen=True)
class Node:
    organisation_id: int
    name: str
    lon: float
    lat: float
    tonnes: float  # delivered or received in the period


@dataclass(frozen=True)
class Edge:
    supplier_id: int
    receiver_id: int
    deliveries: int
    tonnes: float
    co2e_kg: float


def network(session: Session, f: StatsFilter) -> tuple[list[Node], list[Edge]]:
    """Firms joined by deliveries in the period (deals where the supplier's site is in the
    area), placed at the sites the goods left from and arrived at."""
    receiver_site = aliased(Site)
    rows = session.execute(
        deals_select(
            Deal.supplier_org_id,
            Deal.receiver_org_id,
            func.count(Delivery.id),
            func.sum(Delivery.tonnes),
            func.sum(Delivery.co2e_kg),
            func.min(Deal.supplier_site_id),
            func.min(Deal.receiver_site_id),
        )
        .join(Delivery, Delivery.deal_id == Deal.id)
        .outerjoin(receiver_site, receiver_site.id == Deal.receiver_site_id)
        .where(
            Delivery.delivered_on >= f.start,
            Delivery.delivered_on <= f.end,
            Delivery.status == "confirmed",
            *deal_conditions(f),
        )
        .group_by(Deal.supplier_org_id, Deal.receiver_org_id)
    ).all()
    edges = [Edge(s, r, n, float(t or 0), float(c or 0)) for s, r, n, t, c, _, _ in rows]
    site_of: dict[int, int | None] = {}
    for s, r, *_rest, s_site, r_site in rows:
        site_of.setdefault(s, s_site)
        site_of.setdefault(r, r_site)
    sites = {
        site.id: site
        for site in session.scalars(
            select(Site).where(Site.id.in_([v for v in site_of.values() if v]))
        )
    }
    names = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(site_of)))
        ).all()
    )
    moved: dict[int, float] = defaultdict(float)
    for e in edges:
        moved[e.supplier_id] += e.tonnes
        moved[e.receiver_id] += e.tonnes
    nodes = [
        Node(org, names.get(org, ""), sites[site].lon, sites[site].lat, moved[org])
        for org, site in site_of.items()
        if site in sites
    ]
    return nodes, edges
