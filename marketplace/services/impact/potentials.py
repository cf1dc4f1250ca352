"""The regional potential: what the live listings could exchange per year, counted once.

Each published listing keeps its best match (`MatchPotential`: counterpart, score, distance),
which says that the listing has a match. The amounts come from an allocation over the best few
matches of every listing (`PotentialPair`): pairs are taken greedily by their CO2e saving per
tonne (or MWh), each given as much as both sides still have, per year (`Listing.amount_per_year`
of what remains), so no want receives more than it asked for and no offer gives more than it
has (IMPACT.md). Pairs whose estimate does not save CO2e, or that have no estimate, are never
allocated: an amount the statistics cannot back with a defensible saving is not potential.
A listing's `MatchPotential.tonnes`/`mwh`/`co2e_kg`/`sek` are the sums of its pairs; the
statistics add them up on the offers' side, so each pair counts once.

Saving per tonne orders the pairs because the amounts are the scarce thing being shared out:
the best use of each tonne comes first. The default estimates are linear in the quantity
(no processing energy by default), so a pair's saving for its allocated amount is the saving
per unit times that amount.

`refresh_all` (nightly, `flask stats refresh`, the demo) allocates the whole market afresh;
`refresh_listing` (after a publication) takes back the pairs of one listing and allocates its
new candidates from what its counterparts still have, so the bounds hold between refreshes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from marketplace.services.impact.estimates import Choice, estimate_pair
from marketplace.services.impact.factors import current_set
from marketplace.services.listings.liveness import live_condition
from marketplace.services.matching.candidates import Match
from marketplace.services.matching.stored import find_matches
from models.base import utcnow
from models.impact import FactorSet
from models.listings import Listing
from models.potentials import MatchPotential, PotentialPair

CANDIDATES = 5  # best matches of each listing that may share its amount


@dataclass(frozen=True)
class Candidate:
    """A pair that saves CO2e, with its saving per unit of what changes hands."""

    offer_id: int
    want_id: int
    unit: str  # "t" or "MWh"
    co2e_per_unit: float
    sek_per_unit: float


@dataclass(frozen=True)
class Allocation:
    candidate: Candidate
    amount: float


def allocate(candidates: Iterable[Candidate], capacity: dict[int, float]) -> list[Allocation]:
    """Greedy by saving per unit: each pair takes what both its listings still have.

    `capacity` maps listing id -> amount left (per year) and is used up as pairs take it.
    Ties go to the lower ids, so the result does not depend on the order given.
    """
    ordered = sorted(candidates, key=lambda c: (-c.co2e_per_unit, c.offer_id, c.want_id))
    taken = []
    for candidate in ordered:
        amount = min(capacity.get(candidate.offer_id, 0.0), capacity.get(candidate.want_id, 0.0))
        if amount <= 0:
            continue
        capacity[candidate.offer_id] -= amount
        capacity[candidate.want_id] -= amount
        taken.append(Allocation(candidate, amount))
    return taken


def _candidate(session: Session, match: Match, factor_set: FactorSet) -> Candidate | None:
    """The pair's default estimate per unit; None unless it saves CO2e."""
    est, _ = estimate_pair(session, match.offer, match.want, Choice(), factor_set)
    quantity = est.inputs.quantity
    if not est.available or quantity <= 0 or est.co2e_kg <= 0:
        return None
    unit = "MWh" if match.offer.unit == "MWh" else "t"
    return Candidate(
        match.offer.id, match.want.id, unit, est.co2e_kg / quantity, est.sek / quantity
    )


def _capacity(listing: Listing) -> float:
    return listing.amount_per_year(remaining=True) or 0.0


def _store_best(session: Session, listing: Listing, match: Match) -> None:
    row = session.get(MatchPotential, listing.id) or MatchPotential(listing_id=listing.id)
    row.counterpart_id = match.listing.id
    row.score = match.score
    row.distance_km = match.distance_km
    row.computed_at = utcnow()
    session.add(row)


def _write(session: Session, taken: list[Allocation], factor_set: FactorSet) -> None:
    now = utcnow()
    session.add_all(
        PotentialPair(
            offer_id=a.candidate.offer_id,
            want_id=a.candidate.want_id,
            unit=a.candidate.unit,
            allocated=a.amount,
            co2e_kg=a.amount * a.candidate.co2e_per_unit,
            sek=a.amount * a.candidate.sek_per_unit,
            factor_set_id=factor_set.id,
            computed_at=now,
        )
        for a in taken
    )
    session.flush()


def _sum_into_rows(session: Session, listing_ids: Iterable[int] | None = None) -> None:
    """Each listing's MatchPotential amounts: the sums of its pairs (zero without any)."""
    rows = select(MatchPotential)
    if listing_ids is not None:
        rows = rows.where(MatchPotential.listing_id.in_(list(listing_ids)))
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for side in (PotentialPair.offer_id, PotentialPair.want_id):
        stmt = select(
            side,
            PotentialPair.unit,
            func.sum(PotentialPair.allocated),
            func.sum(PotentialPair.co2e_kg),
            func.sum(PotentialPair.sek),
        ).group_by(side, PotentialPair.unit)
        if listing_ids is not None:
            stmt = stmt.where(side.in_(list(listing_ids)))
        for listing_id, unit, amount, co2e, sek in session.execute(stmt):
            total = sums[listing_id]
            total[0 if unit == "t" else 1] += float(amount or 0)
            total[2] += float(co2e or 0)
            total[3] += float(sek or 0)
    for row in session.scalars(rows):
        tonnes, mwh, co2e, sek = sums.get(row.listing_id, (0.0, 0.0, 0.0, 0.0))
        row.tonnes, row.mwh = tonnes, mwh
        row.co2e_kg, row.sek = co2e, sek
        row.factor_set_id = None
    session.flush()


def refresh_all(session: Session, *, today: date) -> int:
    """Every published listing's best match, and the whole market's allocation afresh."""
    session.execute(delete(PotentialPair))
    session.execute(delete(MatchPotential))
    factor_set = current_set(session)
    listings = session.scalars(
        select(Listing).where(live_condition(today)).order_by(Listing.id)
    ).all()
    capacity: dict[int, float] = {}
    candidates: dict[tuple[int, int], Candidate | None] = {}
    count = 0
    for listing in listings:
        found = find_matches(session, listing, today=today, limit=CANDIDATES)
        if not found:
            continue
        _store_best(session, listing, found[0])
        count += 1
        for match in found:
            capacity.setdefault(match.offer.id, _capacity(match.offer))
            capacity.setdefault(match.want.id, _capacity(match.want))
            key = (match.offer.id, match.want.id)
            if factor_set is not None and key not in candidates:
                candidates[key] = _candidate(session, match, factor_set)
    session.flush()
    if factor_set is not None:
        usable = [c for c in candidates.values() if c is not None]
        _write(session, allocate(usable, capacity), factor_set)
    _sum_into_rows(session)
    return count


def _left(session: Session, listing: Listing) -> float:
    """What a listing still has to share: its amount less what its pairs already take."""
    side = PotentialPair.offer_id if listing.direction == "offer" else PotentialPair.want_id
    used = session.scalar(select(func.sum(PotentialPair.allocated)).where(side == listing.id))
    return max(0.0, _capacity(listing) - float(used or 0))


def refresh_listing(session: Session, listing_id: int, *, today: date) -> MatchPotential | None:
    """After a publication: the listing's best match, and its pairs allocated again from what
    its counterparts still have (never more than they have left)."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        return None
    touched = {
        other
        for pair in session.scalars(
            select(PotentialPair).where(
                or_(PotentialPair.offer_id == listing_id, PotentialPair.want_id == listing_id)
            )
        )
        for other in (pair.offer_id, pair.want_id)
    }
    session.execute(
        delete(PotentialPair).where(
            or_(PotentialPair.offer_id == listing_id, PotentialPair.want_id == listing_id)
        )
    )
    found = find_matches(session, listing, today=today, limit=CANDIDATES)
    if not found or listing.status != "published":
        session.execute(delete(MatchPotential).where(MatchPotential.listing_id == listing_id))
        _sum_into_rows(session, touched)
        return None
    _store_best(session, listing, found[0])
    _improve_counterpart(session, found[0], today)
    factor_set = current_set(session)
    if factor_set is not None:
        capacity = {listing.id: _capacity(listing)}
        capacity |= {m.listing.id: _left(session, m.listing) for m in found}
        usable = [c for m in found if (c := _candidate(session, m, factor_set)) is not None]
        _write(session, allocate(usable, capacity), factor_set)
    _sum_into_rows(session, touched | {listing.id} | {m.listing.id for m in found})
    session.flush()
    return session.get(MatchPotential, listing_id)


def _improve_counterpart(session: Session, best: Match, today: date) -> None:
    """The counterpart's stored best match, when the new pair beats it."""
    other = best.listing
    current = session.get(MatchPotential, other.id)
    if current is None or current.score < best.score:
        reverse = find_matches(session, other, today=today, limit=1)
        if reverse:
            _store_best(session, other, reverse[0])
