"""Demo data loader: fictional firms, sites, listings and logins, through the ordinary services.

The data lives in `marketplace.demo.data`. The loader runs once per database (it
recognises the seller login), never in production, and leaves the commit to the caller.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from geo.gazetteer import MUNICIPALITY_BY_CODE
from marketplace.demo.activity import (
    _load_alerts,
    _load_deals,
    _load_message_mail,
    _load_staff_work,
    _spread_publication,
)
from marketplace.demo.data import (
    FIRMS,
    PLATFORM_USERS,
    DemoFirm,
    DemoListing,
    DemoSite,
    owner_email,
)
from marketplace.services.accounts import users
from marketplace.services.impact.factors import load_defaults
from marketplace.services.impact.potentials import refresh_all
from marketplace.services.listings import lifecycle, rules, sites
from marketplace.services.reference.taxonomy import seed_common_codes
from marketplace.services.reference.validation import luhn_valid
from models.accounts import User
from models.base import utcnow
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
    if users.find_user_by_email(session, SELLER_EMAIL) is not None:
        return "Demo data already loaded."
    for person in PLATFORM_USERS:
        users.create_user(
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


def _register_owner(session: Session, firm: DemoFirm, index: int) -> User:
    email = owner_email(firm)
    details = users.FirmDetails(
        name=firm.name,
        org_number=org_number(index),
        sni_code=firm.sni,
        website=f"https://{firm.slug}.demo.example",
        contact_email=email,
        contact_phone=f"070-174 06 {_PHONE_FIRST + index:02d}",
    )
    owner = users.register_firm_owner(
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
        listing = lifecycle.create_listing(session, actor=owner, data=data)
        if spec.draft:
            counts["draft"] += 1
            continue
        lifecycle.publish_listing(session, actor=owner, listing_id=listing.id, today=today)
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


def listing_input(spec: DemoListing, site: Site, today: date) -> rules.ListingInput:
    until = today + timedelta(days=spec.until) if spec.until is not None else None
    return rules.ListingInput(
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
