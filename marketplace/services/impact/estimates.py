"""Estimates for concrete exchanges: inputs from a pair of listings, results stored with their
factor-set version (a new version never changes a stored estimate)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.distance import geodesic_pair_m
from marketplace.services.errors import N_, DomainError
from marketplace.services.impact.estimator import (
    HEAT_KEY,
    Estimate,
    ImpactInputError,
    ImpactInputs,
    estimate,
    validate_inputs,
)
from marketplace.services.impact.factors import current_set, factors_by_key
from marketplace.services.listings.liveness import live_condition
from marketplace.services.matching.candidates import Match
from marketplace.services.matching.stored import find_matches
from marketplace.services.reference.factor_defaults import (
    heat_network_key,
    usual_route,
)
from models.accounts import User
from models.impact import FactorSet, StoredEstimate
from models.listings import Listing
from models.taxonomy import CATEGORY_BY_KEY


@dataclass(frozen=True)
class Choice:
    """What a user may change on the estimate page or in the API; None: the pair's default."""

    quantity: float | None = None
    baseline_route: str | None = None
    substitution_ratio: float | None = None
    transport_mode: str | None = None
    virgin_price_sek: float | None = None
    baseline_distance_km: float | None = None
    displaced_heat_kg_per_mwh: float | None = None
    processing_kwh: float | None = None
    aux_electricity_kwh: float | None = None
    freight_sek_per_tkm: float | None = None
    substitution_today: float | None = None


@dataclass(frozen=True)
class Assumption:
    """An input that was not given by the user: what it was taken as, and why (N_ msgid)."""

    input: str
    value: Any
    reason: str


ASSUMED_ROUTE = N_(
    "The seller has not said what happens to the stream today: assumed to be its category's"
    " usual fate in Sweden."
)
SELLER_ROUTE = N_("Today's route as the seller stated it on the offer.")
UNKNOWN_ROUTE = N_("Nobody has said what happens to the stream today.")
ASSUMED_QUANTITY = N_("The smaller of what is offered and what is wanted.")
ASSUMED_QUANTITY_YEAR = N_(
    "The smaller of what is offered and what is wanted, converted to a year (a weekly stream"
    " ×52, a monthly one ×12)."
)
ASSUMED_NO_HAUL = N_(
    "The haul to today's disposal site or user is not known: taken as 0, so the whole new haul"
    " counts as extra (the conservative choice)."
)
ASSUMED_RATIO = N_("Like-for-like: one tonne of the stream replaces one tonne of virgin input.")
ASSUMED_TRUCK = N_("Road transport by truck.")
ASSUMED_NO_PRICE = N_("No price of the displaced input entered: no avoided purchase counted.")
ASSUMED_FREIGHT = N_("The factor set's road freight cost.")
ASSUMED_NO_PROCESSING = N_("No pre-treatment energy entered.")
ASSUMED_NETWORK = N_("The receiving network's marginal production factor from the factor set.")
NO_NETWORK_FACTOR = N_(
    "No defensible marginal-production factor is published for the receiving network: enter"
    " one to see an estimate."
)
ASSUMED_NO_AUX = N_("No auxiliary electricity for pumps or a heat pump entered.")


def default_route(category: str) -> str:
    """The category's usual fate in Sweden (factor_defaults.USUAL_ROUTES)."""
    return usual_route(category)


def route_of(offer: Listing) -> tuple[str, str]:
    """Today's route of an offer's stream and where it comes from (seller, or an assumption)."""
    if offer.current_route:
        return offer.current_route, SELLER_ROUTE
    route = usual_route(offer.category)
    return route, ASSUMED_ROUTE if route != "unknown" else UNKNOWN_ROUTE


def per_of(offer: Listing, want: Listing) -> str:
    """ "year" when both sides recur (amounts are then compared per year), else "once"."""
    return "year" if offer.per == "year" and want.per == "year" else "once"


def default_quantity(offer: Listing, want: Listing) -> float:
    """What could change hands: the smaller of what is offered and wanted (per year, or once).

    Recurring sides are converted to a year; a one-off lot against a recurring need is compared
    with a year of that need. A fully reserved offer counts with its listed quantity.
    """
    amounts = [
        listing.amount_per_year() if listing.per == "year" else listing.amount()
        for listing in (offer, want)
    ]
    known = [amount for amount in amounts if amount is not None]
    return min(known) if known else 0.0


def inputs_for(offer: Listing, want: Listing, choice: Choice) -> ImpactInputs:
    inputs, _ = inputs_and_assumptions(offer, want, choice)
    return inputs


def inputs_and_assumptions(
    offer: Listing, want: Listing, choice: Choice
) -> tuple[ImpactInputs, tuple[Assumption, ...]]:
    """The estimate's inputs for a pair, and every input that was not the user's own."""
    category = CATEGORY_BY_KEY.get(offer.category)
    impact_key = category.impact_key if category else None
    per = per_of(offer, want)
    assumed: list[Assumption] = []

    def pick(name: str, given: Any, default: Any, reason: str | None) -> Any:
        if given is not None:
            return given
        if reason is not None:
            assumed.append(Assumption(name, default, reason))
        return default

    quantity_reason = ASSUMED_QUANTITY_YEAR if per == "year" else ASSUMED_QUANTITY
    route, route_reason = route_of(offer)
    seller_km = offer.current_route_km
    heat = impact_key == HEAT_KEY
    network = heat_network_key(want.municipality_code) if heat else None
    kwargs: dict[str, Any] = {
        "quantity": pick("quantity", choice.quantity, default_quantity(offer, want),
                         quantity_reason),
        "substitution_ratio": pick("substitution", choice.substitution_ratio, 1.0,
                                   None if heat else ASSUMED_RATIO),
        "virgin_price_sek": pick("price", choice.virgin_price_sek, 0.0, ASSUMED_NO_PRICE),
    }  # fmt: skip
    if heat:
        kwargs["aux_electricity_kwh"] = pick("aux_kwh", choice.aux_electricity_kwh, 0.0,
                                             ASSUMED_NO_AUX)  # fmt: skip
    else:
        kwargs |= {
            # What the seller stated on the offer is not an assumption; only defaults are.
            "baseline_route": pick("route", choice.baseline_route, route,
                                   None if route_reason == SELLER_ROUTE else route_reason),
            "baseline_distance_km": pick(
                "baseline_km", choice.baseline_distance_km, seller_km or 0.0,
                None if seller_km else ASSUMED_NO_HAUL,
            ),
            "transport_mode": pick("mode", choice.transport_mode, "road", ASSUMED_TRUCK),
            "processing_kwh": pick("processing_kwh", choice.processing_kwh, 0.0,
                                   ASSUMED_NO_PROCESSING),
            "freight_sek_per_tkm": choice.freight_sek_per_tkm,
            "substitution_today": choice.substitution_today,
        }  # fmt: skip
        if choice.freight_sek_per_tkm is None:
            assumed.append(Assumption("freight_sek_per_tkm", None, ASSUMED_FREIGHT))
    if heat and choice.displaced_heat_kg_per_mwh is None:
        assumed.append(Assumption("heat_factor", network, ASSUMED_NETWORK))
    inputs = ImpactInputs(
        impact_key=impact_key,
        category=offer.category,
        distance_km=geodesic_pair_m(offer.lon, offer.lat, want.lon, want.lat) / 1000,
        displaced_heat_kg_per_mwh=choice.displaced_heat_kg_per_mwh,
        heat_factor_key=network,
        per=per,
        **kwargs,
    )
    try:
        validate_inputs(inputs)
    except ImpactInputError as exc:
        raise DomainError(exc.message, field=exc.field) from None
    return inputs, tuple(assumed)


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
    inputs, assumed = inputs_and_assumptions(offer, want, choice)
    result = estimate(inputs, factors_by_key(factor_set))
    return replace(result, assumptions=assumed), factor_set


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
        "beyond_break_even": est.beyond_break_even,
        "route": None if est.inputs.impact_key == HEAT_KEY else est.inputs.baseline_route,
        "per": est.inputs.per,
        "quantity": est.inputs.quantity,
        "unit": "MWh" if est.inputs.impact_key == HEAT_KEY else "t",
        "assumptions": [
            {"input": a.input, "value": a.value, "reason": a.reason} for a in est.assumptions
        ],
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
