"""Sites: a firm's locations, with municipality and SWEREF 99 TM coordinates."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.crs import in_sweden_bbox, to_sweref
from geo.gazetteer import MUNICIPALITY_BY_CODE
from marketplace.services.accounts.ownership import get_owned
from marketplace.services.errors import N_, DomainError
from marketplace.services.listings.lifecycle import place_listing
from marketplace.services.reference.validation import normalise_postcode
from models.accounts import User
from models.listings import Listing
from models.sites import Site


@dataclass(frozen=True)
class SiteInput:
    name: str
    municipality_code: str | None  # None: outside the region
    street: str | None = None
    postcode: str | None = None
    town: str | None = None
    lat: float | None = None
    lon: float | None = None
    may_receive_hazardous: bool = False
    has_waste_permit: bool = False
    permit_notes: str | None = None


def _require_firm(actor: User) -> int:
    if actor.organisation_id is None:
        raise DomainError(N_("Only members of a firm can manage sites."))
    return actor.organisation_id


def resolve_location(data: SiteInput) -> tuple[float, float]:
    """The site's lat/lon: as entered, else the municipality's main town."""
    if data.lat is not None and data.lon is not None:
        if not in_sweden_bbox(data.lon, data.lat):
            raise DomainError(N_("The coordinates are outside Sweden."), field="lat")
        return data.lat, data.lon
    if (data.lat is None) != (data.lon is None):
        raise DomainError(N_("Enter both latitude and longitude, or neither."), field="lat")
    if data.municipality_code is None:
        raise DomainError(N_("Enter coordinates for a site outside the region."), field="lat")
    town = MUNICIPALITY_BY_CODE[data.municipality_code]
    return town.lat, town.lon


def _apply(site: Site, data: SiteInput) -> None:
    if data.municipality_code is not None and data.municipality_code not in MUNICIPALITY_BY_CODE:
        raise DomainError(N_("Choose a municipality from the list."), field="municipality_code")
    postcode = None
    if data.postcode:
        postcode = normalise_postcode(data.postcode)
        if postcode is None:
            raise DomainError(N_("A postcode has five digits, e.g. 652 24."), field="postcode")
    lat, lon = resolve_location(data)
    site.name = data.name.strip()
    site.street = (data.street or "").strip() or None
    site.postcode = postcode
    site.town = (data.town or "").strip() or None
    site.municipality_code = data.municipality_code
    site.county_code = data.municipality_code[:2] if data.municipality_code else None
    site.lat, site.lon = lat, lon
    site.x, site.y = to_sweref(lon, lat)
    site.may_receive_hazardous = data.may_receive_hazardous
    site.has_waste_permit = data.has_waste_permit
    site.permit_notes = (data.permit_notes or "").strip() or None


def create_site(session: Session, *, actor: User, data: SiteInput) -> Site:
    site = Site(organisation_id=_require_firm(actor))
    _apply(site, data)
    session.add(site)
    session.flush()
    return site


def get_own_site(session: Session, *, actor: User, site_id: int) -> Site:
    """The actor's firm's site; another firm's site is reported as not found."""
    return get_owned(session, Site, actor=actor, object_id=site_id)


def update_site(session: Session, *, actor: User, site_id: int, data: SiteInput) -> Site:
    """Change a site; its listings move with it (coarse points recomputed for anonymous ones)."""
    site = get_own_site(session, actor=actor, site_id=site_id)
    _apply(site, data)
    for listing in session.scalars(select(Listing).where(Listing.site_id == site.id)):
        before = (listing.x, listing.y)
        place_listing(listing, site)
        if listing.status == "published" and (listing.x, listing.y) != before:
            listing.fanout_due = True  # subscribers around the new place may want it
    return site


def delete_site(session: Session, *, actor: User, site_id: int) -> None:
    site = get_own_site(session, actor=actor, site_id=site_id)
    used = session.scalar(select(func.count(Listing.id)).where(Listing.site_id == site.id))
    if used:
        raise DomainError(
            N_("This site has %(n)d listings. Move or delete them before removing the site."),
            n=used,
        )
    session.delete(site)


def firm_sites(session: Session, organisation_id: int) -> list[Site]:
    return list(
        session.scalars(
            select(Site).where(Site.organisation_id == organisation_id).order_by(Site.name)
        )
    )
