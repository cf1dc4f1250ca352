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
from dataclasses import asdict

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from geo.distance import geodesic_pair_m
from marketplace.services.deals.conversations import (
    get_conversation,
    is_party,
    is_staff,
    mark_accepted,
    may_see,
    side_of,
    touch,
)
from marketplace.services.deals.deal_terms import (
    PRECISION,
    Terms,
    check_terms,
    roles,
    terms_of,
    total_of,
)
from marketplace.services.deals.stock import (
    _release_undelivered,
    _take_offer,
    _take_want,
    amount_for,
    settle_tallies,
)
from marketplace.services.errors import N_, DomainError, Forbidden, NotFound
from models.accounts import User
from models.base import utcnow
from models.deals import Deal, DealEvent
from models.listings import Listing
from models.sites import Site

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
    settle_tallies(session, deal)
    conversation = deal.conversation
    if side_of(actor, conversation) == "listing" and conversation.accepted_at is None:
        mark_accepted(conversation, actor)
    _record(session, deal, "agreed", actor)
    session.flush()
    return deal


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
