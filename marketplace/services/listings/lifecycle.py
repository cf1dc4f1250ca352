"""Listings: create, edit, publish, close, find; the rules of what a listing may say."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from geo.coarsen import coarse_point
from geo.crs import to_sweref
from geo.gazetteer import MUNICIPALITY_BY_CODE
from geo.grid import cell_of
from marketplace.services.accounts.ownership import get_owned
from marketplace.services.errors import N_, DomainError, Forbidden, NotFound
from marketplace.services.listings.rules import ListingInput, validate
from models.accounts import User
from models.base import utcnow
from models.listings import Listing
from models.sites import Site
from models.taxonomy import (
    CATEGORY_BY_KEY,
    EwcCode,
)

S = TypeVar("S", bound=Select)


# --- writes ------------------------------------------------------------------------------


def _require_firm(actor: User) -> int:
    if actor.organisation_id is None:
        raise Forbidden(N_("Only members of a firm can create listings."))
    return actor.organisation_id


def _search_text(listing: Listing, ewc: EwcCode | None) -> str:
    category = CATEGORY_BY_KEY[listing.category]
    parts = [
        listing.title,
        listing.description,
        listing.composition or "",
        category.en,
        category.sv,
    ]
    if ewc is not None:
        parts += [ewc.code, ewc.display_code, ewc.description_en, ewc.description_sv or ""]
    return " ".join(parts).casefold()


def place_listing(listing: Listing, site: Site) -> None:
    """Set where the listing is found: its site, or a coarse point when it is anonymous."""
    lon, lat = site.lon, site.lat
    if listing.visibility == "anonymous":
        lon, lat = coarse_point(site.lon, site.lat, site.municipality_code)
    listing.lon, listing.lat = lon, lat
    listing.x, listing.y = to_sweref(lon, lat)
    listing.cell = cell_of(listing.x, listing.y)
    listing.municipality_code = site.municipality_code
    listing.county_code = site.county_code


def _alert_relevant(listing: Listing) -> tuple[object, ...]:
    return (listing.x, listing.y, listing.category, listing.direction, listing.kind)


def _apply(session: Session, listing: Listing, data: ListingInput, organisation_id: int) -> None:
    before = _alert_relevant(listing)
    ewc = validate(session, data)
    site = session.get(Site, data.site_id)
    if site is None or site.organisation_id != organisation_id:
        raise DomainError(N_("Choose one of your firm's sites."), field="site_id")
    if data.kind != "material":
        data = replace(data, ewc_code=None, density_t_per_m3=None, composition=None)
    if data.kind != "energy":
        data = replace(data, temperature_c=None, seasonality=None)
    if data.kind != "capacity":
        data = replace(data, capacity_type=None)
    if data.kind != "material" or data.direction != "offer":
        data = replace(data, current_route=None, current_route_km=None)
    if data.price_model not in ("price", "fee"):
        data = replace(data, price_sek=None)
    for name in ListingInput.__dataclass_fields__:
        if name not in ("ewc_code", "site_id"):
            setattr(listing, name, getattr(data, name))
    listing.title = data.title.strip()
    listing.site_id = site.id
    listing.ewc_code = ewc.code if ewc else None
    listing.is_hazardous = bool(ewc and ewc.is_hazardous)
    listing.needs_assessment = bool(ewc and ewc.is_mirror)
    if listing.remaining_quantity is None:
        listing.remaining_quantity = listing.quantity
    listing.search_text = _search_text(listing, ewc)
    place_listing(listing, site)
    if listing.status == "published" and _alert_relevant(listing) != before:
        listing.fanout_due = True  # moved or recategorised: subscribers there may now want it


def create_listing(session: Session, *, actor: User, data: ListingInput) -> Listing:
    """A new listing, saved as a draft."""
    organisation_id = _require_firm(actor)
    listing = Listing(organisation_id=organisation_id, created_by_id=actor.id, status="draft")
    _apply(session, listing, data, organisation_id)
    session.add(listing)
    session.flush()
    return listing


def get_own_listing(session: Session, *, actor: User, listing_id: int) -> Listing:
    """The actor's firm's listing; others' listings are reported as not found."""
    return get_owned(session, Listing, actor=actor, object_id=listing_id)


def update_listing(
    session: Session, *, actor: User, listing_id: int, data: ListingInput
) -> Listing:
    listing = get_own_listing(session, actor=actor, listing_id=listing_id)
    if listing.status == "closed":
        raise DomainError(N_("A closed listing cannot be edited. Publish it again first."))
    _apply(session, listing, data, listing.organisation_id)
    return listing


def publish_listing(session: Session, *, actor: User, listing_id: int, today: date) -> Listing:
    listing = get_own_listing(session, actor=actor, listing_id=listing_id)
    if listing.status == "published":
        return listing
    if listing.available_until is not None and listing.available_until < today:
        raise DomainError(
            N_("The listing's end date has passed. Change the end date before publishing."),
            field="available_until",
        )
    if listing.remaining_quantity is not None and listing.remaining_quantity <= 0:
        listing.remaining_quantity = listing.quantity
    listing.status = "published"
    listing.published_at = utcnow()
    listing.closed_at = None
    listing.fanout_due = True  # alert subscribers (workers.jobs.alerts.fan_out_listing)
    return listing


def close_listing(session: Session, *, actor: User, listing_id: int) -> Listing:
    listing = get_own_listing(session, actor=actor, listing_id=listing_id)
    if listing.status != "closed":
        listing.status = "closed"
        listing.closed_at = utcnow()
    return listing


def delete_draft(session: Session, *, actor: User, listing_id: int) -> None:
    listing = get_own_listing(session, actor=actor, listing_id=listing_id)
    if listing.status != "draft":
        raise DomainError(N_("Only drafts can be deleted; close a published listing instead."))
    session.delete(listing)


def expire_listings(session: Session, *, today: date) -> int:
    """Mark published listings whose end date has passed as expired; returns how many."""
    stale = session.scalars(
        select(Listing).where(Listing.status == "published", Listing.available_until < today)
    ).all()
    for listing in stale:
        listing.status = "expired"
        listing.closed_at = utcnow()
    return len(stale)


# --- reads -------------------------------------------------------------------------------


def get_visible_listing(session: Session, *, listing_id: int, viewer: User | None) -> Listing:
    """A listing the viewer may see: live or past listings, drafts only to their own firm."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound()
    own = viewer is not None and viewer.organisation_id == listing.organisation_id
    staff = viewer is not None and viewer.is_staff
    if listing.status == "draft" and not (own or staff):
        raise NotFound()
    return listing


def firm_listings(session: Session, organisation_id: int) -> list[Listing]:
    return list(
        session.scalars(
            select(Listing)
            .where(Listing.organisation_id == organisation_id)
            .order_by(Listing.updated_at.desc())
        )
    )


@dataclass(frozen=True)
class Disclosure:
    """What a viewer may see of a listing's owner and place (anonymous listings hide both)."""

    firm_name: str | None
    site_name: str | None
    address: str | None
    contact_email: str | None
    municipality_name: str | None
    is_own: bool


def disclosure(listing: Listing, viewer: User | None, *, revealed: bool = False) -> Disclosure:
    """What the viewer sees; `revealed`: the firm accepted the viewer's firm's inquiry."""
    own = viewer is not None and viewer.organisation_id == listing.organisation_id
    municipality = MUNICIPALITY_BY_CODE.get(listing.site.municipality_code or "")
    municipality_name = municipality.name if municipality else None
    staff = viewer is not None and viewer.is_staff
    if listing.is_anonymous and not (own or staff or revealed):
        return Disclosure(None, None, None, None, municipality_name, own)
    site = listing.site
    address = ", ".join(
        p for p in (site.street, f"{site.postcode or ''} {site.town or ''}".strip()) if p
    )
    return Disclosure(
        listing.organisation.name,
        site.name,
        address or None,
        listing.organisation.contact_email,
        municipality_name,
        own,
    )


def quality_hints(listing: Listing) -> list[str]:
    """Details a buyer would miss, as translatable messages (empty when complete)."""
    hints = []
    if len(listing.description.strip()) < 40:
        hints.append(N_("Describe the stream: origin, form, quality, how it is stored."))
    if listing.kind == "material" and not (listing.composition or "").strip():
        hints.append(N_("Add the composition (e.g. moisture, contaminants, particle size)."))
    if listing.kind == "material" and listing.direction == "offer" and not listing.ewc_code:
        hints.append(N_("Add the waste code (EWC) if the stream is classified as waste."))
    if (
        listing.recurrence == "once"
        and listing.direction == "offer"
        and not listing.available_until
    ):
        hints.append(N_("If the stream recurs, say how often (per week, month or year)."))
    if listing.available_from is None:
        hints.append(N_("Give the date from which it is available."))
    if listing.max_distance_km is None:
        hints.append(N_("Give the maximum transport distance you accept."))
    if listing.needs_assessment and not (listing.composition or "").strip():
        hints.append(
            N_(
                "This is a mirror entry: in the composition, say whether the material has "
                "been assessed as non-hazardous."
            )
        )
    return hints
