"""factory_boy factories for the models; the session is bound per test by conftest."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import count

import factory
from factory.alchemy import SQLAlchemyModelFactory

from geo.coarsen import coarse_point
from geo.crs import to_sweref
from geo.grid import cell_of
from marketplace.services.accounts.security import hash_password
from marketplace.services.reference.validation import luhn_valid
from models import Listing, Organisation, Site, User
from models.base import swedish_today, utcnow

TEST_PASSWORD = "correct horse battery"
TEST_PASSWORD_HASH = hash_password(TEST_PASSWORD)  # hashed once: argon2 is slow on purpose

_orgnr = count(1)


def org_number() -> str:
    """Distinct organisationsnummer with a valid Luhn check digit."""
    body = f"55{next(_orgnr):07d}"
    check = next(d for d in "0123456789" if luhn_valid(body + d))
    return f"{body[:6]}-{body[6:]}{check}"


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = None  # set per test
        sqlalchemy_session_persistence = "flush"


class OrganisationFactory(Base):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Testbolaget {n} AB")
    org_number = factory.LazyFunction(org_number)
    contact_email = factory.Sequence(lambda n: f"info{n}@firm.example")


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@mail.example")
    name = factory.Sequence(lambda n: f"Person {n}")
    password_hash = TEST_PASSWORD_HASH
    organisation = factory.SubFactory(OrganisationFactory)
    org_role = "owner"
    email_verified_at = factory.LazyFunction(utcnow)
    locale = "en"


class SiteFactory(Base):
    class Meta:
        model = Site

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    municipality_code = "2080"
    county_code = factory.LazyAttribute(
        lambda o: o.municipality_code[:2] if o.municipality_code else None
    )
    lat = 60.605
    lon = 15.603
    x = factory.LazyAttribute(lambda o: to_sweref(o.lon, o.lat)[0])
    y = factory.LazyAttribute(lambda o: to_sweref(o.lon, o.lat)[1])


class ListingFactory(Base):
    class Meta:
        model = Listing

    organisation = factory.SelfAttribute("site.organisation")
    site = factory.SubFactory(SiteFactory)
    direction = "offer"
    kind = "material"
    category = "sawdust"
    title = factory.Sequence(lambda n: f"Sawdust lot {n}")
    description = "Dry spruce sawdust from the planing mill, stored under roof."
    quantity = Decimal("100")
    remaining_quantity = factory.SelfAttribute("quantity")
    unit = "t"
    recurrence = "once"
    price_model = "negotiable"
    visibility = "public"
    status = "published"
    published_at = factory.LazyFunction(utcnow)
    available_until = factory.LazyFunction(lambda: swedish_today() + timedelta(days=90))
    search_text = factory.LazyAttribute(lambda o: f"{o.title} {o.description}".casefold())
    # Where the listing is found: the site, or the coarse point for anonymous listings.
    lon = factory.LazyAttribute(lambda o: _placement(o)[0])
    lat = factory.LazyAttribute(lambda o: _placement(o)[1])
    x = factory.LazyAttribute(lambda o: to_sweref(o.lon, o.lat)[0])
    y = factory.LazyAttribute(lambda o: to_sweref(o.lon, o.lat)[1])
    cell = factory.LazyAttribute(lambda o: cell_of(o.x, o.y))
    municipality_code = factory.SelfAttribute("site.municipality_code")
    county_code = factory.SelfAttribute("site.county_code")


def _placement(o) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    if o.visibility == "anonymous":
        return coarse_point(o.site.lon, o.site.lat, o.site.municipality_code)
    return o.site.lon, o.site.lat
