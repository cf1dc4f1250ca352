"""The best match of each published listing, with its default estimate: the "potential" the
statistics show beside realised savings.

`refresh_listing` runs after a publication (the fan-out job) and updates the counterpart too
when the new pair beats its stored best; `refresh_all` (nightly, and `flask stats refresh`)
recomputes every published listing. Rows of listings that closed since are ignored by the
statistics (they join on published listings) and replaced on the next refresh.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marketplace.services.estimates import Choice, default_quantity, estimate_pair
from marketplace.services.factors import current_set
from marketplace.services.matching import Match, find_matches
from marketplace.services.search import live_condition
from models.base import utcnow
from models.impact import FactorSet
from models.listings import Listing
from models.staff import MatchPotential


def _store(
    session: Session, listing: Listing, match: Match, factor_set: FactorSet | None
) -> MatchPotential:
    row = session.get(MatchPotential, listing.id) or MatchPotential(listing_id=listing.id)
    row.counterpart_id = match.listing.id
    row.score = match.score
    row.distance_km = match.distance_km
    amount = default_quantity(match.offer, match.want)
    heat = match.offer.unit == "MWh"
    row.tonnes, row.mwh = (None, amount) if heat else (amount, None)
    row.co2e_kg = row.sek = None
    row.factor_set_id = None
    if factor_set is not None:
        est, _ = estimate_pair(session, match.offer, match.want, Choice(), factor_set)
        if est.available:
            row.co2e_kg, row.sek, row.factor_set_id = est.co2e_kg, est.sek, factor_set.id
    row.computed_at = utcnow()
    session.add(row)
    return row


def refresh_listing(session: Session, listing_id: int, *, today: date) -> MatchPotential | None:
    """Store the listing's best match (or drop its row); improve the counterpart's if beaten."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        return None
    matches = find_matches(session, listing, today=today, limit=1)
    if not matches or listing.status != "published":
        session.execute(delete(MatchPotential).where(MatchPotential.listing_id == listing_id))
        return None
    factor_set = current_set(session)
    best = matches[0]
    row = _store(session, listing, best, factor_set)
    other = best.listing
    current = session.get(MatchPotential, other.id)
    if current is None or current.score < best.score:
        reverse = find_matches(session, other, today=today, limit=1)
        if reverse:
            _store(session, other, reverse[0], factor_set)
    session.flush()
    return row


def refresh_all(session: Session, *, today: date) -> int:
    """Recompute every published listing's best match; returns how many have one."""
    session.execute(delete(MatchPotential))
    factor_set = current_set(session)
    count = 0
    ids = list(
        session.scalars(select(Listing.id).where(live_condition(today)).order_by(Listing.id))
    )
    for listing_id in ids:
        listing = session.get(Listing, listing_id)
        assert listing is not None
        found = find_matches(session, listing, today=today, limit=1)
        if found:
            _store(session, listing, found[0], factor_set)
            count += 1
    session.flush()
    return count
