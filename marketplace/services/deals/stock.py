"""Deals: terms proposed and countered, agreed, delivered, completed or cancelled.

Agreeing takes the deal's quantity from the offer's remaining quantity in one conditional
UPDATE (`remaining_quantity >= amount`), so two agreements racing for the last tonnes cannot both
succeed: on PostgreSQL the second waits for the first's row lock and then finds too little left;
on SQLite writers are serialised (BEGIN IMMEDIATE). An offer that runs out becomes `reserved`.
Each delivery is estimated with the factor set in force and the deal's parameters, and keeps the
result and the factor-set version: realised figures, never mixed with match-based potential.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.orm import Session

from marketplace.services.deals.deal_terms import PERIOD_DAYS, PRECISION
from marketplace.services.errors import N_, DomainError
from marketplace.services.listings.tallies import refresh_tallies
from models.deals import Deal
from models.listings import Listing
from models.taxonomy import tonnes


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


def _ran_out(remaining: ColumnElement[Decimal]) -> ColumnElement[str]:
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
        .values(remaining_quantity=left, status=_ran_out(left), matches_due=True)
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
        .values(
            remaining_quantity=left,
            status="reserved" if left <= 0 else Listing.status,
            matches_due=True,  # the coverage part of its scores changed (matching.stored)
        )
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
            matches_due=True,
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
    settle_tallies(session, deal)


def settle_tallies(session: Session, deal: Deal) -> None:
    """The firms' tallies after the UPDATEs above, which the ORM's flush events do not see.

    Once for both firms after both statements, so the tally rows are locked in id order."""
    refresh_tallies(session, (x.organisation_id for x in (deal.offer, deal.want) if x is not None))
