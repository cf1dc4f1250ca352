"""Fan-out: a newly published listing becomes one notification per interested user.

Runs as a job after the publication commits. `Listing.fanout_due` is claimed atomically, so two
jobs for the same listing never both notify; if the job dies before committing, the flag stays
set and the sweep runs it again. (user, listing) is unique, so a user whose several subscriptions
match is told once, on the fastest cadence among them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from geo.distance import geodesic_m
from marketplace.services.alerts.criteria import Facts
from marketplace.services.alerts.index import Hit, index_for
from marketplace.services.alerts.notify import alert_envelope
from marketplace.services.impact.estimates import Choice, estimate_pair
from marketplace.services.impact.factors import current_set
from marketplace.services.listings.liveness import is_live
from marketplace.services.mail import outbox
from marketplace.services.mail.context import MailContext
from marketplace.services.matching.stored import find_matches
from models.accounts import User
from models.alerts import AlertSubscription, Notification
from models.base import utcnow
from models.impact import FactorSet
from models.listings import Listing
from models.sites import Site

CADENCE_RANK = {"instant": 0, "daily": 1, "weekly": 2}
MATCHES_FOR_ESTIMATES = 200


def mark_due(listing: Listing) -> None:
    """A publication, or a move or new category while published: alerts must be checked."""
    listing.fanout_due = True


def due_listing_ids(session: Session, *, updated_before: datetime, limit: int = 1000) -> list[int]:
    """Listings still waiting for their fan-out (changed before `updated_before`)."""
    stmt = (
        select(Listing.id)
        .where(Listing.fanout_due.is_(True), Listing.updated_at <= updated_before)
        .order_by(Listing.id)
    )
    return list(session.scalars(stmt.limit(limit)))


def _claim(session: Session, listing_id: int) -> bool:
    stmt = (
        update(Listing)
        .where(Listing.id == listing_id, Listing.fanout_due.is_(True))
        .values(fanout_due=False)
        .returning(Listing.id)
    )
    return session.execute(stmt).scalar_one_or_none() is not None


def _best_per_user(hits: Iterable[Hit]) -> dict[int, Hit]:
    best: dict[int, Hit] = {}
    for hit in hits:
        current = best.get(hit.subscription.user_id)
        rank = (CADENCE_RANK[hit.subscription.cadence], hit.distance_m or 0.0)
        if current is None or rank < (
            CADENCE_RANK[current.subscription.cadence],
            current.distance_m or 0.0,
        ):
            best[hit.subscription.user_id] = hit
    return best


def _recipients(session: Session, listing: Listing, user_ids: list[int]) -> list[User]:
    """Users who may be told: active, verified, not muted, not of the listing's own firm, and
    not already told about this listing."""
    told = set(
        session.scalars(
            select(Notification.user_id).where(
                Notification.listing_id == listing.id, Notification.user_id.in_(user_ids)
            )
        )
    )
    users = session.scalars(
        select(User).where(
            User.id.in_(user_ids),
            User.active.is_(True),
            User.alerts_muted.is_(False),
            User.email_verified_at.is_not(None),
        )
    )
    return [
        u
        for u in users
        if u.id not in told
        and (u.organisation_id is None or u.organisation_id != listing.organisation_id)
    ]


def _nearest_site_m(session: Session, listing: Listing, org_ids: set[int]) -> dict[int, float]:
    """Per firm, metres from the listing's search point to the firm's nearest site."""
    if not org_ids:
        return {}
    rows = session.execute(
        select(Site.organisation_id, Site.lon, Site.lat).where(Site.organisation_id.in_(org_ids))
    ).all()
    if not rows:
        return {}
    metres = geodesic_m(listing.lon, listing.lat, [r[1] for r in rows], [r[2] for r in rows])
    nearest: dict[int, float] = {}
    for (org, _, _), m in zip(rows, np.asarray(metres).tolist(), strict=True):
        nearest[org] = min(m, nearest.get(org, m))
    return nearest


def _estimates(
    session: Session, listing: Listing, org_ids: set[int], today: date
) -> tuple[dict[int, tuple[float, float, str]], FactorSet | None]:
    """Per firm with a matching listing: (CO2e kg, SEK, per) of the best match with the default
    choices, only where it saves CO2e (an alert never calls a cost a saving)."""
    factor_set = current_set(session)
    if factor_set is None or not org_ids:
        return {}, factor_set
    found: dict[int, tuple[float, float, str]] = {}
    for match in find_matches(session, listing, today=today, limit=MATCHES_FOR_ESTIMATES):
        org = match.listing.organisation_id
        if org in org_ids and org not in found:
            est, _ = estimate_pair(session, match.offer, match.want, Choice(), factor_set)
            if est.available and est.co2e_kg > 0:
                found[org] = (est.co2e_kg, est.sek, est.inputs.per)
    return found, factor_set


def fan_out(
    session: Session, ctx: MailContext, listing_id: int, *, today: date, now: datetime | None = None
) -> list[int]:
    """Record notifications for the listing; returns the outbox ids of instant alerts.

    The caller commits (the notifications, the alert emails and the cleared flag together).
    """
    if not _claim(session, listing_id):
        return []
    listing = session.get(Listing, listing_id)
    if listing is None or not is_live(listing, today):
        return []
    best = _best_per_user(index_for(session).hits(Facts.of(listing)))
    users = _recipients(session, listing, sorted(best)) if best else []
    if not users:
        return []
    orgs = {u.organisation_id for u in users if u.organisation_id is not None}
    nearest = _nearest_site_m(session, listing, orgs)
    estimates, factor_set = _estimates(session, listing, orgs, today)
    names = dict(
        session.execute(
            select(AlertSubscription.id, AlertSubscription.name).where(
                AlertSubscription.id.in_([best[u.id].subscription.id for u in users])
            )
        ).all()
    )
    created = now or utcnow()
    notes, envelopes = [], {}
    for user in users:
        hit = best[user.id]
        est = estimates.get(user.organisation_id or 0)
        distance = (
            hit.distance_m if hit.distance_m is not None else nearest.get(user.organisation_id or 0)
        )
        note = Notification(
            user_id=user.id,
            listing_id=listing.id,
            subscription_id=hit.subscription.id,
            cadence=hit.subscription.cadence,
            state="pending",
            distance_m=distance,
            co2e_kg=est[0] if est else None,
            sek=est[1] if est else None,
            estimate_per=est[2] if est else None,
            factor_set_version=factor_set.version if est and factor_set else None,
            created_at=created,
        )
        notes.append(note)
        if note.cadence == "instant":
            name = names.get(hit.subscription.id, "")
            envelopes[user.id] = alert_envelope(ctx, user, listing, note, name)
    # The instant alerts in one INSERT, then the notifications pointing at them in one flush.
    added = outbox.queue_many(session, list(envelopes.values()), domain=ctx.domain, now=created)
    for note in notes:
        if note.user_id in envelopes:
            note.outbox_id, note.state = added.get(envelopes[note.user_id].key), "emailed"
    session.add_all(notes)
    session.flush()
    return sorted(added.values())
