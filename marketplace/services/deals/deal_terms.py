"""Deals: terms proposed and countered, agreed, delivered, completed or cancelled.

Agreeing takes the deal's quantity from the offer's remaining quantity in one conditional
UPDATE (`remaining_quantity >= amount`), so two agreements racing for the last tonnes cannot both
succeed: on PostgreSQL the second waits for the first's row lock and then finds too little left;
on SQLite writers are serialised (BEGIN IMMEDIATE). An offer that runs out becomes `reserved`.
Each delivery is estimated with the factor set in force and the deal's parameters, and keeps the
result and the factor-set version: realised figures, never mixed with match-based potential.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from marketplace.services.errors import N_, DomainError, Problems
from marketplace.services.impact.estimates import default_route, route_of
from marketplace.services.impact.estimator import (
    ImpactInputError,
    ImpactInputs,
    validate_inputs,
)
from models.conversations import Conversation
from models.deals import DEAL_PRICE_MODELS, DEAL_ROUTES, TRANSPORT_BY, TRANSPORT_MODES, Deal
from models.listings import Listing
from models.taxonomy import CATEGORY_BY_KEY, RECURRENCES

PERIOD_DAYS = {"week": 7.0, "month": 365.25 / 12, "year": 365.25}
PRECISION = Decimal("0.001")
MAX_QUANTITY = Decimal("1000000000")
OVER_DELIVERY = Decimal("1.1")  # deliveries may exceed the agreed total by 10 % (weighing)


@dataclass(frozen=True)
class Terms:
    """What one side proposes; quantity is per period when `recurrence` is not "once"."""

    quantity: Decimal
    recurrence: str = "once"
    start_date: date | None = None
    end_date: date | None = None
    price_model: str = "price"
    price_sek: Decimal | None = None
    transport_by: str = "supplier"
    transport_mode: str = "truck"
    baseline_route: str = "landfill"
    baseline_distance_km: float = 0.0
    substitution_ratio: float = 1.0
    substitution_today: float | None = (
        None  # sold today: s of today's use (only s − s_today counts)
    )
    virgin_price_sek: float = 0.0
    displaced_heat_kg_per_mwh: float | None = None
    receiver_site_id: int | None = None  # only the receiving firm chooses it
    note: str = ""


def periods(recurrence: str, start: date | None, end: date | None) -> int:
    """How many weeks, months or years a recurring deal runs (inclusive, rounded up)."""
    if recurrence == "once" or start is None or end is None:
        return 1
    days = (end - start).days + 1
    return max(1, math.ceil(days / PERIOD_DAYS[recurrence] - 1e-9))


def total_of(terms: Terms) -> Decimal:
    return (terms.quantity * periods(terms.recurrence, terms.start_date, terms.end_date)).quantize(
        PRECISION
    )


def roles(conversation: Conversation) -> dict[str, Any]:
    """Which listing is the offer and which the want, and which firm supplies."""
    listing, counterpart = conversation.listing, conversation.counterpart
    if listing.direction == "offer":
        return {
            "offer": listing,
            "want": counterpart,
            "supplier": conversation.listing_org_id,
            "receiver": conversation.inquirer_org_id,
        }
    return {
        "offer": counterpart,
        "want": listing,
        "supplier": conversation.inquirer_org_id,
        "receiver": conversation.listing_org_id,
    }


def default_terms(conversation: Conversation) -> Terms:
    """A first proposal: the inquiry's quantity (or what is left), the listing's price."""
    r = roles(conversation)
    basis: Listing = r["offer"] or r["want"]
    quantity = conversation.wanted_quantity or basis.remaining_quantity or basis.quantity
    price_model = basis.price_model if basis.price_model in DEAL_PRICE_MODELS else "price"
    offer: Listing | None = r["offer"]
    route = route_of(offer)[0] if offer is not None else default_route(basis.category)
    return Terms(
        quantity=Decimal(quantity),
        start_date=conversation.wanted_from,
        end_date=conversation.wanted_until,
        price_model=price_model,
        price_sek=basis.price_sek,
        baseline_route=route,
        baseline_distance_km=float(offer.current_route_km or 0) if offer is not None else 0.0,
    )


# --- validation ------------------------------------------------------------------------------


def _check_quantity(terms: Terms) -> None:
    if terms.quantity is None:
        return  # a quantity that did not parse is the form's to report
    if not Decimal(0) < terms.quantity <= MAX_QUANTITY or terms.quantity.quantize(PRECISION) == 0:
        raise DomainError(
            N_("Enter a quantity above zero and below one billion."), field="quantity"
        )


def _check_period(terms: Terms) -> None:
    if terms.recurrence not in RECURRENCES:
        raise DomainError(N_("Choose one of the options."), field="recurrence")
    if terms.recurrence != "once" and (terms.start_date is None or terms.end_date is None):
        raise DomainError(N_("A recurring deal needs a start and an end date."), field="end_date")
    if terms.start_date and terms.end_date and terms.end_date < terms.start_date:
        raise DomainError(N_("The end date must be on or after the start date."), field="end_date")


def _check_option(value: str, allowed: tuple[str, ...], name: str) -> None:
    if value not in allowed:
        raise DomainError(N_("Choose one of the options."), field=name)


def _check_price(terms: Terms) -> None:
    if terms.price_model != "free" and (
        terms.price_sek is None or not Decimal(0) <= terms.price_sek <= Decimal("10000000")
    ):
        raise DomainError(N_("Enter a price between 0 and 10 000 000 SEK."), field="price_sek")


def _check_note(terms: Terms) -> None:
    if len(terms.note) > 2000:
        raise DomainError(N_("Use at most %(n)d characters."), field="note", n=2000)


def _check_impact_inputs(terms: Terms) -> None:
    try:  # the impact inputs' own rules (ratio 0–1, distances and prices ≥ 0)
        inputs_for_terms(terms, "sawdust", 1.0, 0.0)
    except ImpactInputError as exc:
        raise DomainError(exc.message, field=exc.field) from None


def check_terms(terms: Terms) -> None:
    """Every rule the terms break, at once (DomainError.errors)."""
    problems = Problems()
    problems.run(_check_quantity, terms)
    problems.run(_check_period, terms)
    for value, allowed, name in (
        (terms.price_model, DEAL_PRICE_MODELS, "price_model"),
        (terms.transport_by, TRANSPORT_BY, "transport_by"),
        (terms.transport_mode, TRANSPORT_MODES, "transport_mode"),
        (terms.baseline_route, DEAL_ROUTES, "baseline_route"),
    ):
        problems.run(_check_option, value, allowed, name)
    problems.run(_check_price, terms)
    problems.run(_check_note, terms)
    problems.run(_check_impact_inputs, terms)
    problems.raise_if_any()


def terms_of(deal: Deal) -> Terms:
    return Terms(
        quantity=deal.quantity,
        recurrence=deal.recurrence,
        start_date=deal.start_date,
        end_date=deal.end_date,
        price_model=deal.price_model,
        price_sek=deal.price_sek,
        transport_by=deal.transport_by,
        transport_mode=deal.transport_mode,
        baseline_route=deal.baseline_route,
        baseline_distance_km=deal.baseline_distance_km,
        substitution_ratio=deal.substitution_ratio,
        substitution_today=deal.substitution_today,
        virgin_price_sek=deal.virgin_price_sek,
        displaced_heat_kg_per_mwh=deal.displaced_heat_kg_per_mwh,
        receiver_site_id=deal.receiver_site_id,
        note=deal.terms_note,
    )


# --- impact inputs ---------------------------------------------------------------------------


def inputs_for_terms(
    terms: Terms, category: str, quantity: float, distance_km: float
) -> ImpactInputs:
    info = CATEGORY_BY_KEY.get(category)
    inputs = ImpactInputs(
        impact_key=info.impact_key if info else None,
        category=category,
        quantity=quantity,
        distance_km=distance_km,
        baseline_route=terms.baseline_route,
        baseline_distance_km=terms.baseline_distance_km,
        substitution_ratio=terms.substitution_ratio,
        transport_mode="rail" if terms.transport_mode == "rail" else "road",
        virgin_price_sek=terms.virgin_price_sek,
        displaced_heat_kg_per_mwh=terms.displaced_heat_kg_per_mwh,
        substitution_today=terms.substitution_today,
        per="once",  # a delivery is one quantity, delivered once
    )
    validate_inputs(inputs)
    return inputs
