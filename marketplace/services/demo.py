"""Demo data loader: fictional firms, sites, listings and logins, through the ordinary services.

The data lives in `marketplace.services.demo_data`. The loader runs once per database (it
recognises the seller login), never in production, and leaves the commit to the caller.
"""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.gazetteer import MUNICIPALITY_BY_CODE
from marketplace.services import accounts, alerts, conversations, deals, deliveries, listings, sites
from marketplace.services.demo_data import (
    DEALS,
    FIRMS,
    PLATFORM_USERS,
    DemoFirm,
    DemoListing,
    DemoSite,
)
from marketplace.services.facilitation import add_note, report_listing
from marketplace.services.factors import load_defaults
from marketplace.services.fanout import fan_out
from marketplace.services.notify import MailContext
from marketplace.services.potentials import refresh_all
from marketplace.services.taxonomy import seed_common_codes
from marketplace.services.validation import luhn_valid
from models.accounts import User
from models.base import utcnow
from models.listings import Listing
from models.sites import Site

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the published password of the demo logins
SELLER_EMAIL = "seller@demo.example"
REFUSAL = (
    "The demo loader refuses to run against a production configuration "
    "(MARKETPLACE_ENV=production)."
)
# PTS reserves 070-174 06 05 to 070-174 06 99 for fiction: no real subscriber answers.
_PHONE_FIRST = 10


class DemoRefused(Exception):
    """The demo loader was asked to run against a production configuration."""


def load_demo(session: Session, *, production: bool, today: date) -> str:
    """Load demo firms, sites, listings and logins once; returns a one-line summary."""
    if production:
        raise DemoRefused(REFUSAL)
    seed_common_codes(session)
    if accounts.find_user_by_email(session, SELLER_EMAIL) is not None:
        return "Demo data already loaded."
    for person in PLATFORM_USERS:
        accounts.create_user(
            session,
            email=person.email,
            password=DEMO_PASSWORD,
            name=person.name,
            verified=True,
            is_staff=person.is_staff,
            is_admin=person.is_admin,
            locale="sv",
        )
    counts: Counter[str] = Counter()
    for index, firm in enumerate(FIRMS):
        _load_firm(session, firm, index, today, counts)
    session.flush()
    _load_alerts(session, today)
    load_defaults(session)  # realised figures need a factor set; a no-op when one exists
    _spread_publication(session, today)
    _load_deals(session, today)
    _load_message_mail(session, today)
    _load_staff_work(session, today)
    refresh_all(session, today=today)  # the potential the statistics show beside realised
    return (
        f"Demo data loaded: {len(FIRMS)} firms, {counts['sites']} sites, "
        f"{counts['published'] + counts['draft']} listings ({counts['published']} published, "
        f"{counts['draft']} drafts), {len(FIRMS) + len(PLATFORM_USERS)} logins "
        f"(password {DEMO_PASSWORD})."
    )


# --- firms and their owners -----------------------------------------------------------------


def org_number(index: int) -> str:
    """A fictional organisationsnummer, distinct per index, with a valid Luhn check digit."""
    nine = f"5560{index + 11:02d}{(index * 37 + 101) % 1000:03d}"
    check = next(d for d in "0123456789" if luhn_valid(nine + d))
    return f"{nine[:6]}-{nine[6:]}{check}"


def owner_email(firm: DemoFirm) -> str:
    return firm.email or f"kontakt@{firm.slug}.demo.example"


def _register_owner(session: Session, firm: DemoFirm, index: int) -> User:
    email = owner_email(firm)
    details = accounts.FirmDetails(
        name=firm.name,
        org_number=org_number(index),
        sni_code=firm.sni,
        website=f"https://{firm.slug}.demo.example",
        contact_email=email,
        contact_phone=f"070-174 06 {_PHONE_FIRST + index:02d}",
    )
    owner = accounts.register_firm_owner(
        session,
        email=email,
        password=DEMO_PASSWORD,
        name=firm.owner,
        firm=details,
        locale="sv",
    ).user
    owner.email_verified_at = utcnow()
    return owner


def _load_firm(
    session: Session, firm: DemoFirm, index: int, today: date, counts: Counter[str]
) -> None:
    owner = _register_owner(session, firm, index)
    firm_sites = [
        sites.create_site(session, actor=owner, data=site_input(spec)) for spec in firm.sites
    ]
    counts["sites"] += len(firm_sites)
    for spec in firm.listings:
        data = listing_input(spec, firm_sites[spec.site], today)
        listing = listings.create_listing(session, actor=owner, data=data)
        if spec.draft:
            counts["draft"] += 1
            continue
        listings.publish_listing(session, actor=owner, listing_id=listing.id, today=today)
        counts["published"] += 1


# --- sites and listings ---------------------------------------------------------------------


def site_input(spec: DemoSite) -> sites.SiteInput:
    """The site a few km from the municipality's main town, as the offset in the table says."""
    town = MUNICIPALITY_BY_CODE[spec.municipality]
    dlat, dlon = spec.offset
    return sites.SiteInput(
        name=spec.name,
        municipality_code=spec.municipality,
        street=spec.street,
        postcode=spec.postcode,
        town=town.main_town,
        lat=round(town.lat + dlat, 5),
        lon=round(town.lon + dlon, 5),
        may_receive_hazardous=spec.hazardous,
        has_waste_permit=spec.permit is not None,
        permit_notes=spec.permit,
    )


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def _price_model(spec: DemoListing) -> str:
    if spec.price is not None and spec.model != "fee":
        return "price"
    return spec.model


def listing_input(spec: DemoListing, site: Site, today: date) -> listings.ListingInput:
    until = today + timedelta(days=spec.until) if spec.until is not None else None
    return listings.ListingInput(
        direction=spec.direction,
        kind=spec.kind,
        site_id=site.id,
        title=spec.title,
        category=spec.category,
        quantity=Decimal(spec.quantity),
        unit=spec.unit,
        description=spec.description,
        composition=spec.composition,
        ewc_code=spec.ewc,
        density_t_per_m3=_decimal(spec.density),
        recurrence=spec.recurrence,
        available_from=today + timedelta(days=spec.starts),
        available_until=until,
        price_model=_price_model(spec),
        price_sek=_decimal(spec.price),
        max_distance_km=spec.km,
        visibility="anonymous" if spec.anonymous else "public",
        temperature_c=_decimal(spec.temp),
        seasonality=spec.season,
        capacity_type=spec.capacity,
        current_route=spec.route,
        current_route_km=spec.route_km,
    )


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
    buyer = accounts.find_user_by_email(session, BUYER_EMAIL)
    staff = accounts.find_user_by_email(session, STAFF_EMAIL)
    assert buyer is not None and staff is not None
    site = session.scalars(
        select(Site).where(Site.organisation_id == buyer.organisation_id)
    ).first()
    alerts.create_subscription(
        session,
        actor=buyer,
        data=alerts.SubscriptionInput(
            name="Bark och träspill i Dalarna och Gävleborg",
            area_kind="regions",
            region_codes=("20", "21"),
            categories=("bark", "wood_offcuts", "wood_packaging"),
            cadence="daily",
        ),
    )
    alerts.create_subscription(
        session,
        actor=staff,
        data=alerts.SubscriptionInput(
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
    alerts.create_subscription(
        session,
        actor=buyer,
        data=alerts.SubscriptionInput(
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
    owner = accounts.find_user_by_email(session, owner_email(firm))
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
        terms = deals.Terms(
            quantity=Decimal(spec.quantity),
            price_model=spec.model,
            price_sek=Decimal(spec.price) if spec.model != "free" else None,
            baseline_route=spec.route,
            baseline_distance_km=spec.baseline_km,
            substitution_ratio=spec.ratio,
            start_date=today - timedelta(days=max(days for days, _ in spec.deliveries) + 5),
        )
        deal = deals.propose_deal(
            session, actor=receiver, conversation_id=conversation.id, terms=terms
        )
        deals.accept_deal(session, actor=supplier, deal_id=deal.id, version=deal.version)
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


def _backdate_deal(session: Session, deal: deals.Deal, today: date, first_delivery: int) -> None:
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
    staff = accounts.find_user_by_email(session, STAFF_EMAIL)
    buyer = accounts.find_user_by_email(session, BUYER_EMAIL)
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
