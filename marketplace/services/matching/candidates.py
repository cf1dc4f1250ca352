"""Matching offers with wants: who could take (or supply) a listing, ranked and explained.

A match needs the same resource kind; the same EWC code, the same category or a compatible one
(`COMPATIBLE`); both sides' maximum transport distance; overlapping availability; a permit at the
receiving site for hazardous streams; and never the firm's own listings. The score (0–100)
weighs material fit, distance, quantity coverage and timing; every factor is explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from geo.areas import PLANAR_MARGIN
from geo.distance import geodesic_m
from marketplace.services.errors import N_
from marketplace.services.listings.liveness import live_condition, load_in_order
from models.listings import Listing
from models.sites import Site
from models.taxonomy import format_ewc, tonnes

DEFAULT_RADIUS_KM = 250.0  # when neither side states a maximum transport distance
MAX_MATCHES = 50

# Offer category -> want categories it can serve besides its own (receivers in PRODUCT.md).
COMPATIBLE: dict[str, frozenset[str]] = {
    "sawdust": frozenset({"wood_offcuts", "bark"}),  # pellet feedstock, fuel, bedding
    "bark": frozenset({"sawdust", "wood_offcuts", "soil_stone"}),  # CHP fuel, soil products
    "wood_offcuts": frozenset({"sawdust", "bark"}),
    "wood_packaging": frozenset({"wood_offcuts"}),
    "bottom_ash": frozenset({"aggregates"}),  # road sub-base
    "fly_ash": frozenset({"aggregates", "lime_mud"}),  # forest ash return, liming
    "steel_slag": frozenset({"aggregates", "asphalt"}),  # asphalt aggregate, road base
    "foundry_sand": frozenset({"aggregates", "soil_stone"}),
    "concrete": frozenset({"aggregates"}),  # recycled aggregate
    "mill_scale": frozenset({"ferrous_metal"}),  # steel raw material
    "green_liquor_sludge": frozenset({"soil_stone"}),  # landfill capping, soil stabilisation
    "fibre_sludge": frozenset({"soil_stone", "organic"}),  # soil products
    "food_byproducts": frozenset({"organic"}),  # feed, biogas
    "surplus_heat": frozenset({"process_steam"}),
    "process_steam": frozenset({"surplus_heat"}),  # heat to district heating
}


@cache  # pure lookups, called for every pair the opportunities page examines
def compatible_categories(offer_category: str) -> frozenset[str]:
    return frozenset({offer_category}) | COMPATIBLE.get(offer_category, frozenset())


@cache
def supplying_categories(want_category: str) -> frozenset[str]:
    return frozenset({want_category}) | {
        o for o, wants in COMPATIBLE.items() if want_category in wants
    }


@dataclass(frozen=True)
class Reason:
    """One explained factor: an English msgid (N_) with its parameters, and its score points."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)
    points: float = 0.0


@dataclass(frozen=True)
class Match:
    listing: Listing  # the counterpart
    offer: Listing
    want: Listing
    distance_km: float
    score: float
    reasons: tuple[Reason, ...]
    coverage: float | None  # share of the viewed listing's quantity the other side takes/gives


def _radius_km(a: Any, b: Any) -> float:
    limits = [x.max_distance_km for x in (a, b) if x.max_distance_km]
    return float(min(limits)) if limits else DEFAULT_RADIUS_KM


CANDIDATE_COLUMNS = (
    Listing.id,
    Listing.lon,
    Listing.lat,
    Listing.category,
    Listing.ewc_code,
    Listing.is_hazardous,
    Listing.quantity,
    Listing.remaining_quantity,
    Listing.unit,
    Listing.density_t_per_m3,
    Listing.available_from,
    Listing.available_until,
    Listing.max_distance_km,
    Site.may_receive_hazardous.label("receiver_permit"),
)


def candidate_conditions(listing: Any, today: date) -> list[Any]:
    """The SQL prefilter for a listing's counterparts: live, the opposite direction, the same
    kind, a compatible category or the same EWC code, another firm, within reach. `listing`
    is a Listing or a light row with the same attributes (`pairs.ROW_COLUMNS`)."""
    offer_side = listing.direction == "offer"
    categories = (
        compatible_categories(listing.category)
        if offer_side
        else supplying_categories(listing.category)
    )
    material: Any = Listing.category.in_(categories)
    if listing.ewc_code:
        material = or_(material, Listing.ewc_code == listing.ewc_code)
    # The prefilter box covers the viewed listing's reach; when it states none, a counterpart
    # stating a longer reach than the default can still reach it, so those are kept too.
    reach_m = (listing.max_distance_km or DEFAULT_RADIUS_KM) * 1000 * (1 + PLANAR_MARGIN) + 1
    within: Any = Listing.x.between(listing.x - reach_m, listing.x + reach_m) & Listing.y.between(
        listing.y - reach_m, listing.y + reach_m
    )
    if listing.max_distance_km is None:
        within = or_(within, Listing.max_distance_km > DEFAULT_RADIUS_KM)
    return [
        live_condition(today),
        Listing.direction == ("want" if offer_side else "offer"),
        Listing.kind == listing.kind,
        material,
        Listing.organisation_id != listing.organisation_id,
        within,
    ]


def _candidates(session: Session, listing: Listing, today: date) -> list[Any]:
    """Live counterparts of the right kind and category within reach, other firms only.

    Light rows (the columns the rules read), not ORM objects: only the returned page of
    matches is loaded in full.
    """
    stmt = (
        select(*CANDIDATE_COLUMNS)
        .join(Site, Site.id == Listing.site_id)
        .where(*candidate_conditions(listing, today))
    )
    return list(session.execute(stmt).all())


def _overlap(offer: Any, want: Any) -> bool:
    start = max(d for d in (offer.available_from, want.available_from, date.min) if d)
    ends = [d for d in (offer.available_until, want.available_until) if d]
    return not ends or start <= min(ends)


def _permitted(offer: Any, receiver_permit: bool) -> bool:
    return not offer.is_hazardous or receiver_permit


def _amount(listing: Any) -> tuple[float, str]:
    """The remaining quantity as (amount, unit), in tonnes where the unit allows it."""
    quantity = float(
        listing.remaining_quantity if listing.remaining_quantity is not None else listing.quantity
    )
    density = float(listing.density_t_per_m3) if listing.density_t_per_m3 else None
    mass = tonnes(quantity, listing.unit, density)
    return (mass, "t") if mass is not None else (quantity, listing.unit)


def _coverage(
    offer: tuple[float, str], want: tuple[float, str], viewed: tuple[float, str]
) -> float | None:
    """The share of the viewed listing's amount the other side can take or give, 0..1; None
    when the units cannot be compared (e.g. m³ without a density against tonnes)."""
    if offer[1] != want[1] or not viewed[0]:
        return None
    return min(1.0, min(offer[0], want[0]) / viewed[0])


def _material_reason(offer: Any, want: Any) -> Reason:
    if offer.ewc_code and offer.ewc_code == want.ewc_code:
        code = format_ewc(offer.ewc_code, hazardous=offer.is_hazardous)
        return Reason(N_("same waste code %(code)s"), {"code": code}, 40)
    if offer.category == want.category:
        return Reason(N_("same category: %(category)s"), {"category": offer.category}, 35)
    pair = {"offer_category": offer.category, "want_category": want.category}
    return Reason(N_("%(offer_category)s can serve as %(want_category)s"), pair, 15)


def _quantity_reason(coverage: float | None, viewing_offer: bool) -> Reason:
    """From the seller's side: how much of the offer is taken; from the buyer's: covered."""
    if coverage is None:
        return Reason(N_("quantities in units that cannot be compared"))
    percent = {"percent": round(coverage * 100)}
    if viewing_offer:
        if coverage >= 1:
            return Reason(N_("would take all of the offered quantity"), {}, 20)
        return Reason(
            N_("would take %(percent)d %% of the offered quantity"), percent, 20 * coverage
        )
    if coverage >= 1:
        return Reason(N_("covers all of the wanted quantity"), {}, 20)
    return Reason(N_("covers %(percent)d %% of the wanted quantity"), percent, 20 * coverage)


def _reasons(
    offer: Any,
    want: Any,
    km: float,
    radius_km: float,
    today: date,
    coverage: float | None,
    viewing_offer: bool,
) -> tuple[Reason, ...]:
    reasons = [
        Reason(N_("%(km)s km away"), {"km": round(km, 1)}, 30 * max(0.0, 1 - km / radius_km)),
        _material_reason(offer, want),
        _quantity_reason(coverage, viewing_offer),
    ]
    start = max((d for d in (offer.available_from, want.available_from) if d), default=None)
    if start and start > today:
        reasons.append(Reason(N_("available from %(date)s"), {"date": start}, 5))
    else:
        reasons.append(Reason(N_("available now"), {}, 10))
    return tuple(reasons)


def _fits(listing: Listing, row: Any, km: float) -> tuple[Any, Any, float] | None:
    """(offer, want, radius) when the pair passes every rule, else None."""
    viewing_offer = listing.direction == "offer"
    offer, want = (listing, row) if viewing_offer else (row, listing)
    radius = _radius_km(offer, want)
    permit = row.receiver_permit if viewing_offer else listing.site.may_receive_hazardous
    if km > radius or not _overlap(offer, want) or not _permitted(offer, permit):
        return None
    return offer, want, radius


def compute_matches(
    session: Session, listing: Listing, *, today: date, limit: int = MAX_MATCHES
) -> list[Match]:
    """The counterparts that fit `listing`, best first (score, then distance, then id), by
    scanning every candidate: the reference the stored lists (`stored`) are kept against.

    Candidates are light rows; full listings are loaded only for the page returned.
    """
    rows = _candidates(session, listing, today)
    if not rows:
        return []
    distances = geodesic_m(listing.lon, listing.lat, [r.lon for r in rows], [r.lat for r in rows])
    viewing_offer = listing.direction == "offer"
    mine = _amount(listing)
    scored = []
    for row, km in zip(rows, (distances / 1000).tolist(), strict=True):
        fit = _fits(listing, row, km)
        if fit is None:
            continue
        offer, want, radius = fit
        theirs = _amount(row)
        coverage = _coverage(mine, theirs, mine) if viewing_offer else _coverage(theirs, mine, mine)
        reasons = _reasons(offer, want, km, radius, today, coverage, viewing_offer)
        scored.append((round(sum(r.points for r in reasons), 1), km, row.id, reasons, coverage))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    return _load_matches(session, listing, scored[:limit])


def _load_matches(session: Session, listing: Listing, scored: list[Any]) -> list[Match]:
    """Full listings (with site and firm) for the chosen page of matches, in rank order."""
    loaded = {other.id: other for other in load_in_order(session, [item[2] for item in scored])}
    matches = []
    for score, km, other_id, reasons, coverage in scored:
        other = loaded.get(other_id)
        if other is None:
            continue  # deleted meanwhile
        offer, want = (listing, other) if listing.direction == "offer" else (other, listing)
        matches.append(Match(other, offer, want, km, score, reasons, coverage))
    return matches


def explain_pair(listing: Listing, other: Listing, km: float, today: date) -> Match:
    """The match of `listing` with `other` at `km`, explained and scored as `compute_matches`
    would (the pair is known to fit: a stored list holds it)."""
    viewing_offer = listing.direction == "offer"
    offer, want = (listing, other) if viewing_offer else (other, listing)
    mine, theirs = _amount(listing), _amount(other)
    coverage = _coverage(mine, theirs, mine) if viewing_offer else _coverage(theirs, mine, mine)
    reasons = _reasons(offer, want, km, _radius_km(offer, want), today, coverage, viewing_offer)
    score = round(sum(r.points for r in reasons), 1)
    return Match(other, offer, want, km, score, reasons, coverage)
