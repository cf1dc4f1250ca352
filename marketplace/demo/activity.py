"""The demo's activity: alerts, inquiries and deals, message mail and staff work, on top of
the firms and listings `marketplace.demo.loader` made."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.demo.data import (
    DEALS,
    FIRMS,
    owner_email,
)
from marketplace.services.accounts import users
from marketplace.services.alerts import subscriptions
from marketplace.services.alerts.fanout import fan_out
from marketplace.services.deals import conversations, deal_terms, deliveries, negotiation
from marketplace.services.mail.context import MailContext
from marketplace.services.staff.facilitation import add_note, report_listing
from models.accounts import User
from models.listings import Listing
from models.sites import Site

# --- alert subscriptions ------------------------------------------------------------------------

BUYER_EMAIL = "buyer@demo.example"
STAFF_EMAIL = "staff@demo.example"
_DALARNA_SOUTH = (  # a drawn area around Falun and Borlänge (lon, lat)
    '{"type": "Polygon", "coordinates": [[[15.2, 60.35], [16.1, 60.35], [16.1, 60.75], '
    "[15.2, 60.75], [15.2, 60.35]]]}"
)


def _load_alerts(session: Session, today: date) -> None:
    """Summary alerts that already caught demo listings (so a digest has content), then an
    instant alert that waits for the next sawdust offer."""
    buyer = users.find_user_by_email(session, BUYER_EMAIL)
    staff = users.find_user_by_email(session, STAFF_EMAIL)
    assert buyer is not None and staff is not None
    site = session.scalars(
        select(Site).where(Site.organisation_id == buyer.organisation_id)
    ).first()
    subscriptions.create_subscription(
        session,
        actor=buyer,
        data=subscriptions.SubscriptionInput(
            name="Bark och träspill i Dalarna och Gävleborg",
            area_kind="regions",
            region_codes=("20", "21"),
            categories=("bark", "wood_offcuts", "wood_packaging"),
            cadence="daily",
        ),
    )
    subscriptions.create_subscription(
        session,
        actor=staff,
        data=subscriptions.SubscriptionInput(
            name="Allt som erbjuds kring Falun–Borlänge",
            area_kind="polygon",
            polygon_geojson=_DALARNA_SOUTH,
            directions=("offer", "want"),
            cadence="weekly",
        ),
    )
    session.flush()
    # Only summary alerts exist at this point, so no email (and no signed link) is made here.
    context = MailContext(base_url="", secret=secrets.token_urlsafe(32), domain="localhost")
    due = list(session.scalars(select(Listing.id).where(Listing.fanout_due.is_(True))))
    for listing_id in due:
        fan_out(session, context, listing_id, today=today)
    subscriptions.create_subscription(
        session,
        actor=buyer,
        data=subscriptions.SubscriptionInput(
            name="Sågspån inom 150 km från pelletsfabriken",
            area_kind="circle",
            site_id=site.id if site else None,
            radius_km=150,
            categories=("sawdust",),
            cadence="instant",
        ),
    )
    session.flush()


# --- realised exchanges -----------------------------------------------------------------------


def _firm_listing(session: Session, slug: str, title_start: str) -> tuple[User, Listing]:
    firm = next(f for f in FIRMS if f.slug == slug)
    owner = users.find_user_by_email(session, owner_email(firm))
    assert owner is not None
    listing = session.scalars(
        select(Listing).where(
            Listing.organisation_id == owner.organisation_id,
            Listing.title.startswith(title_start),
        )
    ).one()
    return owner, listing


def _load_deals(session: Session, today: date) -> None:
    """Deals with logged deliveries, through the ordinary services (so realised CO2e and SEK
    are computed exactly as for real ones)."""
    for spec in DEALS:
        supplier, offer = _firm_listing(session, spec.supplier, spec.offer)
        receiver, want = _firm_listing(session, spec.receiver, spec.want)
        conversation, _ = conversations.start_inquiry(
            session,
            actor=receiver,
            listing_id=offer.id,
            data=conversations.InquiryInput(
                message=spec.inquiry, wanted_quantity=Decimal(spec.quantity), counterpart_id=want.id
            ),
            today=today,
        )
        conversations.post_message(
            session, actor=supplier, conversation_id=conversation.id, body=spec.answer
        )
        terms = deal_terms.Terms(
            quantity=Decimal(spec.quantity),
            price_model=spec.model,
            price_sek=Decimal(spec.price) if spec.model != "free" else None,
            baseline_route=spec.route,
            baseline_distance_km=spec.baseline_km,
            substitution_ratio=spec.ratio,
            start_date=today - timedelta(days=max(days for days, _ in spec.deliveries) + 5),
        )
        deal = negotiation.propose_deal(
            session, actor=receiver, conversation_id=conversation.id, terms=terms
        )
        negotiation.accept_deal(session, actor=supplier, deal_id=deal.id, version=deal.version)
        first_delivery = max(days for days, _ in spec.deliveries)
        deal.agreed_at = _agreed_at(today, first_delivery)  # before the deliveries it carries
        for n, (days_ago, quantity) in enumerate(spec.deliveries):
            delivery = deliveries.log_delivery(
                session,
                actor=receiver,
                deal_id=deal.id,
                quantity=Decimal(quantity),
                delivered_on=today - timedelta(days=days_ago),
                today=today,
            )
            if spec is DEALS[-1] and n == len(spec.deliveries) - 1:
                continue  # the last turnings delivery still waits for the supplier's confirmation
            deliveries.confirm_delivery(
                session, actor=supplier, deal_id=deal.id, delivery_id=delivery.id
            )
            delivery.confirmed_at = _at(delivery.delivered_on + timedelta(days=1), 9)
        _backdate_deal(session, deal, today, first_delivery)
        for marker in (supplier, receiver):  # the story so far has been read by both
            conversations.mark_read(session, actor=marker, conversation_id=conversation.id)


def _load_message_mail(session: Session, today: date) -> None:
    """Löväsens gård reads its messages in a daily summary, the last one from yesterday; the
    paper mill's newest message waits for today's (the demo mailbox's button sends it)."""
    supplier, offer = _firm_listing(session, "vanerns-massabruk", "Mesa")
    farmer, _ = _firm_listing(session, "lovasens-gard", "Kalk till åkermarken")
    if farmer.organisation_id is None:
        return
    conversation = conversations.open_conversation_for(session, offer.id, farmer.organisation_id)
    if conversation is None:
        return
    farmer.message_mail = "daily"
    farmer.messages_summarised_until = _at(today - timedelta(days=1), 4)  # before 07:00 there
    conversations.post_message(
        session,
        actor=supplier,
        conversation_id=conversation.id,
        body="Vi får mer mesa i vår. Säg till om ni vill ha 200 ton igen.",
    )


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def _spread_publication(session: Session, today: date) -> None:
    """Publication dates over the past eleven months, so the statistics have a history."""
    for n, listing in enumerate(
        session.scalars(
            select(Listing).where(Listing.published_at.is_not(None)).order_by(Listing.id)
        )
    ):
        listing.published_at = _at(today - timedelta(days=(n * 37) % 330 + 1))


def _agreed_at(today: date, first_delivery: int) -> datetime:
    return _at(today - timedelta(days=first_delivery + 20))


def _backdate_deal(
    session: Session, deal: negotiation.Deal, today: date, first_delivery: int
) -> None:
    """Inquiry, agreement and completion before and around the deliveries, as they happened."""
    published = today - timedelta(days=first_delivery + 40)
    for listing in (deal.offer, deal.want):
        if listing is not None:
            listing.published_at = min(listing.published_at or _at(published), _at(published))
    conversation = deal.conversation
    conversation.created_at = _at(published + timedelta(days=6))
    conversation.accepted_at = _at(published + timedelta(days=7))
    for n, message in enumerate(conversation.messages):
        message.created_at = _at(published + timedelta(days=6 + n), 10 + n)
    deal.created_at = _at(published + timedelta(days=12))
    deal.agreed_at = _agreed_at(today, first_delivery)
    for event in deal.events:
        event.created_at = {"proposed": deal.created_at, "agreed": deal.agreed_at}.get(
            event.action, _at(today - timedelta(days=1))
        )
    for delivery, event in zip(
        deal.deliveries, [e for e in deal.events if e.action == "delivery"], strict=False
    ):
        event.created_at = _at(delivery.delivered_on, 15)
    for delivery, event in zip(
        [d for d in deal.deliveries if d.is_confirmed],
        [e for e in deal.events if e.action == "confirmed"],
        strict=False,
    ):
        event.created_at = delivery.confirmed_at or event.created_at
    for event in deal.events:
        if event.action == "completed" and deal.deliveries:
            event.created_at = _at(deal.deliveries[-1].delivered_on, 16)
    last = max((e.created_at for e in deal.events), default=deal.agreed_at)
    if deal.completed_at is not None:
        deal.completed_at = last
    conversation.last_activity_at = last


def _load_staff_work(session: Session, today: date) -> None:
    """A report waiting in the moderation queue and a note with a follow-up due today."""
    staff = users.find_user_by_email(session, STAFF_EMAIL)
    buyer = users.find_user_by_email(session, BUYER_EMAIL)
    assert staff is not None and buyer is not None
    oil = session.scalars(select(Listing).where(Listing.title.startswith("Spillolja"))).first()
    if oil is not None:
        report_listing(
            session,
            actor=buyer,
            listing_id=oil.id,
            reason="Spillolja är farligt avfall; annonsen säger inget om tillstånd för transport.",
        )
    add_note(
        session,
        actor=staff,
        organisation_id=buyer.organisation_id or 0,
        body="Ornäs vill utöka till 25 000 ton spån. Ring Erik om sågverken i Ovanåker.",
        follow_up_on=today,
        today=today,
    )
