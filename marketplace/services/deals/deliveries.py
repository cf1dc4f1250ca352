"""Deliveries of an agreed deal, confirmed by both firms, and the realised savings they carry.

A delivery logged by one firm is `pending` until the other firm confirms it, or disputes it with
a reason. Either firm can correct a pending or disputed delivery; the correction is pending again
and waits for the other firm. Only confirmed deliveries count as realised, everywhere: the deal
page, My firm, the statistics, open data and the API filter on `Delivery.status`.

Each delivery is estimated when it is logged (or corrected) with the factor set in force and the
deal's terms, and keeps the result and its factor-set version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from marketplace.services.deals.deal_terms import (
    MAX_QUANTITY,
    OVER_DELIVERY,
    PRECISION,
    inputs_for_terms,
    terms_of,
)
from marketplace.services.deals.negotiation import (
    _finish,
    _party_side,
    _record,
    get_deal,
)
from marketplace.services.errors import N_, DomainError, Forbidden
from marketplace.services.impact.estimates import impact_summary
from marketplace.services.impact.estimator import estimate
from marketplace.services.impact.factors import current_set, factors_by_key
from models.accounts import User
from models.base import utcnow
from models.deals import Deal
from models.deliveries import Delivery
from models.taxonomy import tonnes

TIMEZONE = ZoneInfo("Europe/Stockholm")
MAX_REASON = 2000


# --- rules -------------------------------------------------------------------------------------


def agreed_on(deal: Deal) -> date | None:
    """The Swedish day the deal was agreed: no delivery under it can be earlier."""
    return deal.agreed_at.astimezone(TIMEZONE).date() if deal.agreed_at else None


def _check_quantity(quantity: Decimal | None) -> Decimal:
    if quantity is None or not Decimal(0) < quantity <= MAX_QUANTITY:
        raise DomainError(N_("Enter a quantity above zero."), field="quantity")
    if quantity.quantize(PRECISION) == 0:
        raise DomainError(N_("Enter a quantity above zero."), field="quantity")
    return quantity.quantize(PRECISION)


def _check_date(deal: Deal, delivered_on: date | None, today: date) -> date:
    """Inside the agreed period: not before the agreement or the start, not after the end."""
    if delivered_on is None or delivered_on > today:
        raise DomainError(N_("Enter the delivery date (today or earlier)."), field="delivered_on")
    starts = [day for day in (agreed_on(deal), deal.start_date) if day is not None]
    if starts and delivered_on < max(starts):
        raise DomainError(
            N_("A delivery cannot be dated before %(date)s, when the agreed period begins."),
            field="delivered_on",
            date=max(starts),
        )
    if deal.end_date is not None and delivered_on > deal.end_date:
        raise DomainError(
            N_("A delivery cannot be dated after %(date)s, when the agreed period ends."),
            field="delivered_on",
            date=deal.end_date,
        )
    return delivered_on


def _check_total(deal: Deal, quantity: Decimal, replacing: Delivery | None = None) -> None:
    logged = deal.delivered_quantity - (replacing.quantity if replacing is not None else 0)
    if logged + quantity > deal.total_quantity * OVER_DELIVERY:
        raise DomainError(
            N_("That is more than the deal's agreed %(total)s %(unit)s; agree a new deal first."),
            field="quantity",
            total=f"{deal.total_quantity.normalize():f}",
            unit=deal.unit,
        )


def _check_note(note: str, field: str = "note") -> str:
    if len(note) > MAX_REASON:
        raise DomainError(N_("Use at most %(n)d characters."), field=field, n=MAX_REASON)
    return note.strip()


# --- logging, confirming, disputing, correcting ---------------------------------------------------


def log_delivery(
    session: Session,
    *,
    actor: User,
    deal_id: int,
    quantity: Decimal | None,
    delivered_on: date | None,
    note: str = "",
    today: date,
) -> Delivery:
    """One firm logs a delivery; it is pending until the other firm confirms it."""
    deal = get_deal(session, actor=actor, deal_id=deal_id)
    _party_side(actor, deal)
    if not deal.is_live:
        raise DomainError(N_("Deliveries can be logged only on an agreed deal."))
    amount = _check_quantity(quantity)
    day = _check_date(deal, delivered_on, today)
    text = _check_note(note)
    _check_total(deal, amount)
    delivery = Delivery(
        deal=deal, quantity=amount, delivered_on=day, note=text, logged_by_id=actor.id,
        logged_by_org_id=actor.organisation_id, status="pending",
    )  # fmt: skip
    session.add(delivery)
    with session.no_autoflush:
        realise(session, delivery)
    deal.status = "delivering"
    _record(session, deal, "delivery", actor, f"{amount.normalize():f} {deal.unit}")
    session.flush()
    return delivery


def _delivery_of(session: Session, actor: User, deal_id: int, delivery_id: int) -> Delivery:
    deal = get_deal(session, actor=actor, deal_id=deal_id)
    _party_side(actor, deal)  # regional staff see deliveries but never answer for a firm
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.deal_id != deal.id:
        raise DomainError(N_("This delivery is not part of the deal."))
    return delivery


def _answerable(actor: User, delivery: Delivery) -> None:
    if delivery.status != "pending":
        raise DomainError(N_("Only a delivery waiting for confirmation can be answered."))
    if delivery.logged_by_org_id == actor.organisation_id:
        raise Forbidden(N_("The other firm confirms a delivery, not the firm that logged it."))


def confirm_delivery(session: Session, *, actor: User, deal_id: int, delivery_id: int) -> Delivery:
    """The other firm confirms: the delivery now counts as realised."""
    delivery = _delivery_of(session, actor, deal_id, delivery_id)
    _answerable(actor, delivery)
    delivery.status = "confirmed"
    delivery.confirmed_at = utcnow()
    delivery.confirmed_by_id = actor.id
    deal = delivery.deal
    _record(session, deal, "confirmed", actor, _amount_note(delivery))
    session.flush()
    if (
        deal.is_live
        and deal.recurrence == "once"
        and confirmed_quantity(deal) >= (deal.total_quantity)
    ):
        _finish(session, deal, actor)
        session.flush()
    return delivery


def dispute_delivery(
    session: Session, *, actor: User, deal_id: int, delivery_id: int, reason: str
) -> Delivery:
    """The other firm disputes, with a reason both firms and regional staff see."""
    delivery = _delivery_of(session, actor, deal_id, delivery_id)
    _answerable(actor, delivery)
    text = _check_note(reason, "reason")
    if not text:
        raise DomainError(N_("Say what is wrong with the delivery."), field="reason")
    delivery.status = "disputed"
    delivery.disputed_at = utcnow()
    delivery.disputed_by_id = actor.id
    delivery.dispute_reason = text
    _record(session, delivery.deal, "disputed", actor, text)
    session.flush()
    return delivery


def correct_delivery(
    session: Session,
    *,
    actor: User,
    deal_id: int,
    delivery_id: int,
    quantity: Decimal | None,
    delivered_on: date | None,
    note: str = "",
    today: date,
) -> Delivery:
    """Either firm corrects a pending or disputed delivery; it waits for the other firm again."""
    delivery = _delivery_of(session, actor, deal_id, delivery_id)
    if delivery.status == "confirmed":
        raise DomainError(N_("A confirmed delivery cannot be changed."))
    deal = delivery.deal
    amount = _check_quantity(quantity)
    day = _check_date(deal, delivered_on, today)
    text = _check_note(note)
    _check_total(deal, amount, replacing=delivery if delivery.status == "pending" else None)
    delivery.quantity, delivery.delivered_on, delivery.note = amount, day, text
    delivery.status = "pending"
    delivery.logged_by_id, delivery.logged_by_org_id = actor.id, actor.organisation_id
    with session.no_autoflush:
        realise(session, delivery)
    _record(session, deal, "corrected", actor, _amount_note(delivery))
    session.flush()
    return delivery


def _amount_note(delivery: Delivery) -> str:
    return f"{delivery.quantity.normalize():f} {delivery.deal.unit}"


def confirmed_quantity(deal: Deal) -> Decimal:
    return sum((d.quantity for d in deal.deliveries if d.is_confirmed), Decimal(0))


def awaiting(deal: Deal, organisation_id: int | None) -> list[Delivery]:
    """The deal's deliveries this firm is asked to confirm or dispute."""
    return [
        d
        for d in deal.deliveries
        if d.status == "pending" and organisation_id is not None
        and d.logged_by_org_id != organisation_id and organisation_id in deal.org_ids
    ]  # fmt: skip


# --- realised impact -----------------------------------------------------------------------------


def delivery_amount(deal: Deal, quantity: Decimal) -> float | None:
    """The estimate's m: tonnes for materials, MWh for heat; None for anything else."""
    if deal.unit == "MWh":
        return float(quantity)
    density = float(deal.density_t_per_m3) if deal.density_t_per_m3 is not None else None
    return tonnes(float(quantity), deal.unit, density)


def realise(session: Session, delivery: Delivery) -> None:
    """The delivery's CO2e and SEK with the factor set in force, kept with its version."""
    deal = delivery.deal
    amount = delivery_amount(deal, delivery.quantity)
    delivery.tonnes = amount if deal.unit != "MWh" else None
    factor_set = current_set(session)
    if factor_set is None or amount is None:
        reason = (
            N_("No emission factors have been published yet.")
            if factor_set is None
            else N_("No defensible CO2e estimate for this category.")
        )
        delivery.co2e_kg = delivery.sek = None
        delivery.impact_json = json.dumps(
            {"available": False, "reason": reason, "factor_set": None}
        )
        return
    inputs = inputs_for_terms(terms_of(deal), deal.category, amount, deal.distance_km)
    result = estimate(inputs, factors_by_key(factor_set))
    delivery.factor_set_id = factor_set.id
    delivery.co2e_kg = result.co2e_kg if result.available else None
    delivery.sek = result.sek if result.available else None
    delivery.impact_json = json.dumps(impact_summary(result, factor_set))


def impact_of(delivery: Delivery) -> dict[str, Any]:
    return json.loads(delivery.impact_json or "{}")


@dataclass(frozen=True)
class Realised:
    """Realised savings: sums over confirmed deliveries (never match-based estimates)."""

    deliveries: int
    tonnes: float
    mwh: float
    co2e_kg: float
    sek: float
    pending: int = 0  # deliveries logged but not yet confirmed (not in the sums)
    pending_tonnes: float = 0.0


def realised_totals(session: Session, organisation_id: int | None = None) -> Realised:
    """A firm's realised totals (as supplier or receiver), or the whole region's."""
    confirmed = Delivery.status == "confirmed"
    pending = Delivery.status == "pending"

    def when(condition: Any, value: Any) -> Any:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    stmt = select(
        when(confirmed, 1),
        when(confirmed, Delivery.tonnes),
        when(confirmed & (Deal.unit == "MWh"), Delivery.quantity),
        when(confirmed, Delivery.co2e_kg),
        when(confirmed, Delivery.sek),
        when(pending, 1),
        when(pending, Delivery.tonnes),
    ).join(Deal, Deal.id == Delivery.deal_id)
    if organisation_id is not None:
        stmt = stmt.where(
            or_(Deal.supplier_org_id == organisation_id, Deal.receiver_org_id == organisation_id)
        )
    count, mass, mwh, co2e, sek, waiting, waiting_t = session.execute(stmt).one()
    return Realised(
        int(count), float(mass), float(mwh), float(co2e), float(sek), int(waiting),
        float(waiting_t),
    )  # fmt: skip


def unanswered(session: Session, limit: int = 500) -> list[Delivery]:
    """Deliveries not (yet) confirmed, oldest first: what regional staff follow up."""
    stmt = (
        select(Delivery)
        .where(Delivery.status.in_(("pending", "disputed")))
        .order_by(Delivery.delivered_on, Delivery.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
