"""Deals: terms proposed and countered, agreed, delivered, completed or cancelled.

Agreeing takes the deal's quantity from the offer's remaining quantity in one conditional
UPDATE (`remaining_quantity >= amount`), so two agreements racing for the last tonnes cannot both
succeed: on PostgreSQL the second waits for the first's row lock and then finds too little left;
on SQLite writers are serialised (BEGIN IMMEDIATE). An offer that runs out becomes `reserved`.
Each delivery is estimated with the factor set in force and the deal's parameters, and keeps the
result and the factor-set version: realised figures, never mixed with match-based potential.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from geo.distance import geodesic_pair_m
from marketplace.services.conversations import (
    get_conversation,
    is_party,
    is_staff,
    mark_accepted,
    may_see,
    side_of,
    touch,
)
from marketplace.services.errors import N_, DomainError, Forbidden, NotFound, Problems
from marketplace.services.estimates import default_route, route_of
from marketplace.services.impact import ImpactInputError, ImpactInputs, validate_inputs
from models.accounts import User
from models.base import utcnow
from models.deals import (
    DEAL_PRICE_MODELS,
    DEAL_ROUTES,
    TRANSPORT_BY,
    TRANSPORT_MODES,
    Conversation,
    Deal,
    DealEvent,
)
from models.listings import Listing
from models.sites import Site
from models.taxonomy import CATEGORY_BY_KEY, RECURRENCES, tonnes

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


# --- reading -------------------------------------------------------------------------------------


def get_deal(session: Session, *, actor: User, deal_id: int) -> Deal:
    deal = session.get(Deal, deal_id)
    if deal is None or not may_see(actor, deal.org_ids):
        raise NotFound()
    return deal


def deals_for(session: Session, *, actor: User, everyone: bool = False) -> list[Deal]:
    """The actor's firm's deals (staff with `everyone`: all), newest first."""
    stmt = select(Deal).order_by(Deal.created_at.desc(), Deal.id.desc())
    if not (everyone and is_staff(actor)):
        if actor.organisation_id is None:
            return []
        org = actor.organisation_id
        stmt = stmt.where(or_(Deal.supplier_org_id == org, Deal.receiver_org_id == org))
    return list(session.scalars(stmt))


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


def _receiver_site(session: Session, deal: Deal, terms: Terms, actor_side: str) -> int | None:
    if terms.receiver_site_id is not None and actor_side == "receiver":
        site = session.get(Site, terms.receiver_site_id)
        if site is None or site.organisation_id != deal.receiver_org_id:
            raise DomainError(N_("Choose one of your firm's sites."), field="receiver_site_id")
        return site.id
    if deal.receiver_site_id is not None:
        return deal.receiver_site_id
    if deal.want is not None:
        return deal.want.site_id
    return _first_site(session, deal.receiver_org_id)


def _first_site(session: Session, organisation_id: int) -> int | None:
    stmt = select(Site.id).where(Site.organisation_id == organisation_id).order_by(Site.id)
    return session.scalar(stmt.limit(1))


def _distance_km(session: Session, deal: Deal) -> float:
    a = session.get(Site, deal.supplier_site_id) if deal.supplier_site_id else None
    b = session.get(Site, deal.receiver_site_id) if deal.receiver_site_id else None
    if a is None or b is None:
        return 0.0
    return geodesic_pair_m(a.lon, a.lat, b.lon, b.lat) / 1000


def _apply_terms(session: Session, deal: Deal, terms: Terms, actor_side: str) -> None:
    check_terms(terms)
    deal.receiver_site_id = _receiver_site(session, deal, terms, actor_side)
    for name in (
        "quantity", "recurrence", "start_date", "end_date", "price_model", "transport_by",
        "transport_mode", "baseline_route", "baseline_distance_km", "substitution_ratio",
        "substitution_today", "virgin_price_sek", "displaced_heat_kg_per_mwh",
    ):  # fmt: skip
        setattr(deal, name, getattr(terms, name))
    deal.quantity = terms.quantity.quantize(PRECISION)
    deal.price_sek = None if terms.price_model == "free" else terms.price_sek
    deal.terms_note = terms.note.strip()
    deal.total_quantity = total_of(terms)
    deal.distance_km = _distance_km(session, deal)


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


def _record(session: Session, deal: Deal, action: str, actor: User, note: str = "") -> DealEvent:
    party = actor.organisation_id in deal.org_ids
    terms = None
    if action in ("proposed", "countered"):
        terms = json.dumps(asdict(terms_of(deal)), default=str)
    event = DealEvent(
        deal=deal,
        action=action,
        actor_id=actor.id,
        actor_org_id=actor.organisation_id if party else None,
        as_staff=not party,
        terms_json=terms,
        note=note,
    )
    session.add(event)
    touch(session, deal.conversation, actor)
    return event


def _party_side(actor: User, deal: Deal) -> str:
    if actor.organisation_id == deal.supplier_org_id:
        return "supplier"
    if actor.organisation_id == deal.receiver_org_id:
        return "receiver"
    raise Forbidden(N_("Only the two firms can negotiate a deal."))


# --- the lifecycle -----------------------------------------------------------------------------


def propose_deal(session: Session, *, actor: User, conversation_id: int, terms: Terms) -> Deal:
    conversation = get_conversation(session, actor=actor, conversation_id=conversation_id)
    if not is_party(actor, conversation):
        raise Forbidden(N_("Only the two firms can negotiate a deal."))
    if not conversation.is_open:
        raise DomainError(N_("The conversation is closed."))
    r = roles(conversation)
    basis: Listing = r["offer"] or r["want"]
    deal = Deal(
        conversation=conversation,
        offer=r["offer"],
        want=r["want"],
        supplier_org_id=r["supplier"],
        receiver_org_id=r["receiver"],
        supplier_site_id=r["offer"].site_id if r["offer"] else _first_site(session, r["supplier"]),
        proposed_by_org_id=actor.organisation_id,
        category=basis.category,
        unit=basis.unit,
        density_t_per_m3=basis.density_t_per_m3,
        status="proposed",
        version=1,
    )
    with session.no_autoflush:  # the deal is complete only once its terms are applied
        _apply_terms(session, deal, terms, _party_side(actor, deal))
    if side_of(actor, conversation) == "listing" and conversation.accepted_at is None:
        mark_accepted(conversation, actor)  # proposing a deal accepts the inquiry
    session.add(deal)
    session.flush()
    _record(session, deal, "proposed", actor)
    session.flush()
    return deal


def _open_proposal(deal: Deal, version: int) -> None:
    if deal.status != "proposed":
        raise DomainError(N_("This deal is no longer open for negotiation."))
    if deal.version != version:
        raise DomainError(N_("The terms have changed meanwhile. Read the new proposal first."))


def counter_deal(
    session: Session, *, actor: User, deal_id: int, version: int, terms: Terms
) -> Deal:
    """New terms from the side that did not propose the current ones."""
    deal = get_deal(session, actor=actor, deal_id=deal_id)
    side = _party_side(actor, deal)
    _open_proposal(deal, version)
    if deal.proposed_by_org_id == actor.organisation_id:
        raise DomainError(N_("Wait for the other firm to answer your proposal."))
    _apply_terms(session, deal, terms, side)
    claimed = session.execute(
        update(Deal)
        .where(Deal.id == deal.id, Deal.status == "proposed", Deal.version == version)
        .values(version=version + 1, proposed_by_org_id=actor.organisation_id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError(N_("The terms have changed meanwhile. Read the new proposal first."))
    deal.version, deal.proposed_by_org_id = version + 1, actor.organisation_id  # type: ignore[assignment]
    _record(session, deal, "countered", actor)
    session.flush()
    return deal


def accept_deal(session: Session, *, actor: User, deal_id: int, version: int) -> Deal:
    """Agree to the current proposal; takes the quantity from the offer (and the want)."""
    deal = get_deal(session, actor=actor, deal_id=deal_id)
    _party_side(actor, deal)
    _open_proposal(deal, version)
    if deal.proposed_by_org_id == actor.organisation_id:
        raise DomainError(N_("The other firm has to accept your proposal."))
    now = utcnow()
    claimed = session.execute(
        update(Deal)
        .where(Deal.id == deal.id, Deal.status == "proposed", Deal.version == version)
        .values(status="agreed", agreed_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError(N_("The terms have changed meanwhile. Read the new proposal first."))
    deal.status, deal.agreed_at = "agreed", now
    if deal.offer is not None:
        deal.reserved_offer = _take_offer(session, deal.offer, amount_for(deal, deal.offer))
    if deal.want is not None:
        deal.reserved_want = _take_want(session, deal.want, amount_for(deal, deal.want))
    conversation = deal.conversation
    if side_of(actor, conversation) == "listing" and conversation.accepted_at is None:
        mark_accepted(conversation, actor)
    _record(session, deal, "agreed", actor)
    session.flush()
    return deal


def amount_for(deal: Deal, listing: Listing) -> Decimal | None:
    """What the deal takes from a listing, in the listing's unit and per its period.

    A one-off listing gives the deal's whole total; a recurring listing (say 8 000 t a year)
    gives a one-off deal's quantity, or a recurring deal's rate converted to the listing's
    period (100 t a month is 1 200 t of a yearly stream). None when the units do not compare.
    """
    if listing.recurrence == "once":
        amount = deal.total_quantity
    elif deal.recurrence == "once":
        amount = deal.quantity
    else:
        ratio = PERIOD_DAYS[listing.recurrence] / PERIOD_DAYS[deal.recurrence]
        amount = deal.quantity * Decimal(str(ratio))
    if listing.unit != deal.unit:
        deal_t = _tonnes(amount, deal.unit, deal.density_t_per_m3)
        listing_t_per_unit = _tonnes(Decimal(1), listing.unit, listing.density_t_per_m3)
        if deal_t is None or not listing_t_per_unit:
            return None
        amount = Decimal(str(deal_t / listing_t_per_unit))
    return amount.quantize(PRECISION, rounding=ROUND_HALF_UP)


def _tonnes(quantity: Decimal, unit: str, density: Decimal | None) -> float | None:
    return tonnes(float(quantity), unit, float(density) if density is not None else None)


def _ran_out(remaining):  # type: ignore[no-untyped-def]
    return case((remaining <= 0, "reserved"), else_=Listing.status)


def _take_offer(session: Session, offer: Listing, amount: Decimal | None) -> Decimal | None:
    """The race-safe step: succeeds only while enough remains; runs out → reserved."""
    if amount is None:
        return None
    left = func.coalesce(Listing.remaining_quantity, Listing.quantity) - amount
    taken = session.execute(
        update(Listing)
        .where(
            Listing.id == offer.id,
            Listing.status == "published",
            func.coalesce(Listing.remaining_quantity, Listing.quantity) >= amount,
        )
        .values(remaining_quantity=left, status=_ran_out(left))
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(offer)
        if offer.status != "published":
            raise DomainError(N_("The offer is no longer available."))
        raise DomainError(
            N_("Only %(left)s %(unit)s remain of the offer; agree on a smaller quantity."),
            left=f"{(offer.remaining_quantity or Decimal(0)).normalize():f}",
            unit=offer.unit,
        )
    session.refresh(offer)
    return amount


def _take_want(session: Session, want: Listing, amount: Decimal | None) -> Decimal | None:
    """A want is covered as far as it goes (it never blocks a deal)."""
    if amount is None or want.status != "published":
        return None
    current = session.scalar(
        select(Listing.remaining_quantity).where(Listing.id == want.id).with_for_update()
    )
    remaining = current if current is not None else want.quantity
    taken = min(amount, remaining)
    left = remaining - taken
    session.execute(
        update(Listing)
        .where(Listing.id == want.id)
        .values(remaining_quantity=left, status="reserved" if left <= 0 else Listing.status)
        .execution_options(synchronize_session=False)
    )
    session.refresh(want)
    return taken


def _give_back(session: Session, listing: Listing | None, amount: Decimal | None) -> None:
    """Return an undelivered reservation; a listing reserved by it is published again."""
    if listing is None or not amount or amount <= 0:
        return
    session.execute(
        update(Listing)
        .where(Listing.id == listing.id)
        .values(
            remaining_quantity=case(
                (Listing.remaining_quantity + amount > Listing.quantity, Listing.quantity),
                else_=Listing.remaining_quantity + amount,
            ),
            status=case((Listing.status == "reserved", "published"), else_=Listing.status),
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(listing)


def _release_undelivered(session: Session, deal: Deal) -> None:
    if deal.total_quantity <= 0:
        return
    undelivered = max(Decimal(0), 1 - deal.delivered_quantity / deal.total_quantity)
    for listing, reserved in ((deal.offer, deal.reserved_offer), (deal.want, deal.reserved_want)):
        if reserved:
            _give_back(session, listing, (reserved * undelivered).quantize(PRECISION))


def cancel_deal(session: Session, *, actor: User, deal_id: int, reason: str = "") -> Deal:
    """Withdraw or decline a proposal, or call off an agreed deal (undelivered part returned)."""
    deal = get_deal(session, actor=actor, deal_id=deal_id)
    _party_side(actor, deal)
    if deal.status in ("completed", "cancelled"):
        raise DomainError(N_("This deal is already finished."))
    if len(reason) > 2000:
        raise DomainError(N_("Use at most %(n)d characters."), field="reason", n=2000)
    if deal.is_live:
        _release_undelivered(session, deal)
    deal.status = "cancelled"
    deal.cancelled_at = utcnow()
    _record(session, deal, "cancelled", actor, reason.strip())
    session.flush()
    return deal


def complete_deal(session: Session, *, actor: User, deal_id: int) -> Deal:
    deal = get_deal(session, actor=actor, deal_id=deal_id)
    _party_side(actor, deal)
    if deal.status != "delivering":
        raise DomainError(N_("Log at least one delivery before completing the deal."))
    _finish(session, deal, actor)
    session.flush()
    return deal


def _finish(session: Session, deal: Deal, actor: User) -> None:
    _release_undelivered(session, deal)
    deal.status = "completed"
    deal.completed_at = utcnow()
    _record(session, deal, "completed", actor)


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
