"""Estimates for concrete exchanges: inputs from a pair of listings, results stored with their
factor-set version (a new version never changes a stored estimate)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.distance import geodesic_pair_m
from marketplace.services.errors import N_, DomainError
from marketplace.services.factors import current_set, factors_by_key
from marketplace.services.impact import (
    Estimate,
    ImpactInputError,
    ImpactInputs,
    estimate,
    validate_inputs,
)
from marketplace.services.matching import Match, find_matches
from marketplace.services.search import live_condition
from models.accounts import User
from models.impact import FactorSet, StoredEstimate
from models.listings import Listing
from models.taxonomy import CATEGORY_BY_KEY, tonnes

# Sweden bans landfilling organic waste: their realistic baseline is incineration.
ORGANIC_KEYS = frozenset({"wood", "paper_board_mixed", "paper_board", "food", "organic"})


@dataclass(frozen=True)
class Choice:
    """What a user may change on the estimate page; None means the default for the pair."""

    quantity: float | None = None
    baseline_route: str | None = None
    substitution_ratio: float = 1.0
    transport_mode: str = "road"
    virgin_price_sek: float = 0.0
    baseline_distance_km: float = 0.0
    displaced_heat_kg_per_mwh: float | None = None


def _amount(listing: Listing) -> float | None:
    """Remaining quantity in t (or MWh for energy); None when it is not a mass or energy."""
    quantity = float(
        listing.remaining_quantity if listing.remaining_quantity is not None else listing.quantity
    )
    if listing.unit == "MWh":
        return quantity
    density = float(listing.density_t_per_m3) if listing.density_t_per_m3 else None
    return tonnes(quantity, listing.unit, density)


def default_quantity(offer: Listing, want: Listing) -> float:
    """What could change hands: the smaller of what is offered and what is wanted."""
    amounts = [a for a in (_amount(offer), _amount(want)) if a is not None]
    return min(amounts) if amounts else 0.0


def default_route(category: str) -> str:
    impact_key = CATEGORY_BY_KEY[category].impact_key if category in CATEGORY_BY_KEY else None
    return "incineration" if impact_key in ORGANIC_KEYS else "landfill"


def inputs_for(offer: Listing, want: Listing, choice: Choice) -> ImpactInputs:
    category = CATEGORY_BY_KEY.get(offer.category)
    inputs = ImpactInputs(
        impact_key=category.impact_key if category else None,
        category=offer.category,
        quantity=default_quantity(offer, want) if choice.quantity is None else choice.quantity,
        distance_km=geodesic_pair_m(offer.lon, offer.lat, want.lon, want.lat) / 1000,
        baseline_route=choice.baseline_route or default_route(offer.category),
        baseline_distance_km=choice.baseline_distance_km,
        substitution_ratio=choice.substitution_ratio,
        transport_mode=choice.transport_mode,
        virgin_price_sek=choice.virgin_price_sek,
        displaced_heat_kg_per_mwh=choice.displaced_heat_kg_per_mwh,
    )
    try:
        validate_inputs(inputs)
    except ImpactInputError as exc:
        raise DomainError(exc.message, field=exc.field) from None
    return inputs


def require_factor_set(session: Session) -> FactorSet:
    factor_set = current_set(session)
    if factor_set is None:
        raise DomainError(N_("No emission factors have been published yet."))
    return factor_set


def estimate_pair(
    session: Session,
    offer: Listing,
    want: Listing,
    choice: Choice,
    factor_set: FactorSet | None = None,
) -> tuple[Estimate, FactorSet]:
    """The estimate for one offer/want pair with the factor set in force (or the one given)."""
    factor_set = factor_set or require_factor_set(session)
    return estimate(inputs_for(offer, want, choice), factors_by_key(factor_set)), factor_set


@dataclass(frozen=True)
class RankedMatch:
    match: Match
    estimate: Estimate
    factor_set: FactorSet


def ranked_matches(
    session: Session, listing: Listing, *, today: date, limit: int = 10
) -> list[RankedMatch]:
    """The best matches with their default estimates (one factor set for all)."""
    factor_set = current_set(session)
    if factor_set is None:
        return []
    return _with_estimates(
        session, find_matches(session, listing, today=today, limit=limit), factor_set
    )


def _with_estimates(
    session: Session, matches: list[Match], factor_set: FactorSet
) -> list[RankedMatch]:
    """Each match with its default estimate under one factor set."""
    return [
        RankedMatch(m, estimate_pair(session, m.offer, m.want, Choice(), factor_set)[0], factor_set)
        for m in matches
    ]


def impact_summary(est: Estimate, factor_set: FactorSet) -> dict[str, Any]:
    """The JSON shape of an estimate (API and stored estimates)."""
    return {
        "available": est.available,
        "reason": est.reason,
        "co2e_kg": est.co2e_kg,
        "co2e_low_kg": est.co2e_low_kg,
        "co2e_high_kg": est.co2e_high_kg,
        "sek": est.sek,
        "sek_low": est.sek_low,
        "sek_high": est.sek_high,
        "break_even_km": est.break_even_km,
        "terms": {term.name: term.kg for term in est.terms},
        "sek_terms": {term.name: term.kg for term in est.sek_terms},
        "factor_set": factor_set.version,
    }


def store_estimate(
    session: Session,
    *,
    offer: Listing,
    want: Listing,
    est: Estimate,
    factor_set: FactorSet,
    actor: User | None,
) -> StoredEstimate:
    """Keep an estimate as computed; later factor sets never change it."""
    stored = StoredEstimate(
        offer_id=offer.id,
        want_id=want.id,
        factor_set_id=factor_set.id,
        inputs_json=json.dumps(asdict(est.inputs)),
        result_json=json.dumps(
            {**impact_summary(est, factor_set), "detail": asdict(est)}, default=str
        ),
        created_by_id=actor.id if actor else None,
    )
    session.add(stored)
    session.flush()
    return stored


def stored_result(stored: StoredEstimate) -> dict[str, Any]:
    return json.loads(stored.result_json)


def suggestions(
    session: Session, *, organisation_id: int, today: date, limit: int = 8
) -> list[RankedMatch]:
    """The "Suggested for you" list: the best matches across the firm's live listings."""
    factor_set = current_set(session)
    if factor_set is None:
        return []
    own = session.scalars(
        select(Listing).where(Listing.organisation_id == organisation_id, live_condition(today))
    ).all()
    found = [m for listing in own for m in find_matches(session, listing, today=today, limit=3)]
    found.sort(key=lambda m: (-m.score, m.distance_km, m.listing.id))
    return _with_estimates(session, found[:limit], factor_set)
