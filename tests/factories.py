"""factory_boy factories, one per model; the session is bound per test by conftest (`bind`).

Each factory builds a valid row with the fewest choices made for the test: related rows come from
sub-factories (an organisation for a user, a listing for a conversation); ids of rows without a
relationship attribute come from a hidden parameter (`MatchPotentialFactory(listing=…)`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from itertools import count

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session

from geo.coarsen import coarse_point
from geo.crs import to_sweref
from geo.grid import cell_of
from marketplace.services.accounts.security import hash_password
from marketplace.services.reference.validation import luhn_valid
from models import (
    AlertIndexState,
    AlertSubscription,
    AuditEntry,
    Boundary,
    Conversation,
    ConversationMute,
    ConversationRead,
    Deal,
    DealEvent,
    Delivery,
    EwcCode,
    ExportJob,
    Factor,
    FactorSet,
    FirmNote,
    Invitation,
    Listing,
    ListingReport,
    MatchEntry,
    MatchList,
    MatchPotential,
    Message,
    Notification,
    Organisation,
    OutboxEmail,
    Postcode,
    PotentialPair,
    SignIn,
    Site,
    StoredEstimate,
    User,
)
from models.base import swedish_today, utcnow
from models.tallies import FirmTally

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


# --- accounts -----------------------------------------------------------------------------------


class StaffFactory(UserFactory):
    """A regional facilitator: staff, no firm."""

    organisation = None
    org_role = None
    is_staff = True


class InvitationFactory(Base):
    class Meta:
        model = Invitation

    class Params:
        inviter = factory.SubFactory(
            UserFactory, organisation=factory.SelfAttribute("..organisation")
        )

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invited{n}@mail.example")
    invited_by_id = factory.SelfAttribute("inviter.id")


class SignInFactory(Base):
    class Meta:
        model = SignIn

    class Params:
        user = factory.SubFactory(UserFactory)

    user_id = factory.SelfAttribute("user.id")
    at = factory.LazyFunction(utcnow)
    user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


class AuditEntryFactory(Base):
    class Meta:
        model = AuditEntry

    actor = factory.SubFactory(UserFactory)
    subject_user = factory.SelfAttribute("actor")
    organisation_id = factory.SelfAttribute("actor.organisation_id")
    action = "account.export"
    details = "{}"


# --- alerts -------------------------------------------------------------------------------------


class AlertSubscriptionFactory(Base):
    """A circle of `radius_m` around (center_lon, center_lat), its SWEREF 99 TM bbox filled in."""

    class Meta:
        model = AlertSubscription

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Alert {n}")
    area_kind = "circle"
    center_lon = 15.633
    center_lat = 60.607
    radius_m = 30_000.0
    min_x = factory.LazyAttribute(lambda o: to_sweref(o.center_lon, o.center_lat)[0] - o.radius_m)
    min_y = factory.LazyAttribute(lambda o: to_sweref(o.center_lon, o.center_lat)[1] - o.radius_m)
    max_x = factory.LazyAttribute(lambda o: to_sweref(o.center_lon, o.center_lat)[0] + o.radius_m)
    max_y = factory.LazyAttribute(lambda o: to_sweref(o.center_lon, o.center_lat)[1] + o.radius_m)
    cadence = "instant"


class NotificationFactory(Base):
    class Meta:
        model = Notification

    class Params:
        user = factory.SubFactory(UserFactory)
        listing = factory.SubFactory(ListingFactory)

    user_id = factory.SelfAttribute("user.id")
    listing_id = factory.SelfAttribute("listing.id")
    subscription = factory.SubFactory(
        AlertSubscriptionFactory, user=factory.SelfAttribute("..user")
    )
    cadence = factory.SelfAttribute("subscription.cadence")
    distance_m = 12_000.0


class AlertIndexStateFactory(Base):
    """The one row whose token changes with every subscription change."""

    class Meta:
        model = AlertIndexState
        sqlalchemy_get_or_create = ("id",)

    id = 1
    token = factory.Sequence(lambda n: f"{n:032x}")


# --- reference data -----------------------------------------------------------------------------


class EwcCodeFactory(Base):
    class Meta:
        model = EwcCode

    code = factory.Sequence(lambda n: f"99{n % 100:02d}{n // 100 % 100:02d}")
    chapter = factory.LazyAttribute(lambda o: o.code[:2])
    sub_chapter = factory.LazyAttribute(lambda o: o.code[:4])
    description_en = factory.Sequence(lambda n: f"Test waste {n}")
    description_sv = factory.Sequence(lambda n: f"Testavfall {n}")
    is_hazardous = False
    is_mirror = False


class PostcodeFactory(Base):
    class Meta:
        model = Postcode

    code = factory.Sequence(lambda n: f"9{n // 100 % 100:02d} {n % 100:02d}")
    place = "Falun"
    municipality_code = "2080"
    lat = 60.607
    lon = 15.633


def _square(lon: float, lat: float, half: float) -> list[tuple[float, float]]:
    return [
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    ]


class BoundaryFactory(Base):
    """A square of 2 × `half` degrees around (lon, lat), its SWEREF 99 TM bbox filled in."""

    class Meta:
        model = Boundary

    class Params:
        lon = 15.633
        lat = 60.607
        half = 0.1
        ring = factory.LazyAttribute(lambda o: _square(o.lon, o.lat, o.half))
        projected = factory.LazyAttribute(lambda o: [to_sweref(x, y) for x, y in o.ring])

    kind = "municipality"
    code = factory.Sequence(lambda n: f"9{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Testkommun {n}")
    geojson = factory.LazyAttribute(
        lambda o: json.dumps({"type": "Polygon", "coordinates": [[list(p) for p in o.ring]]})
    )
    min_x = factory.LazyAttribute(lambda o: min(x for x, _ in o.projected))
    min_y = factory.LazyAttribute(lambda o: min(y for _, y in o.projected))
    max_x = factory.LazyAttribute(lambda o: max(x for x, _ in o.projected))
    max_y = factory.LazyAttribute(lambda o: max(y for _, y in o.projected))


# --- impact -------------------------------------------------------------------------------------


class FactorSetFactory(Base):
    class Meta:
        model = FactorSet

    version = factory.Sequence(lambda n: 1000 + n)  # clear of the published defaults (1, 2, …)
    label = factory.Sequence(lambda n: f"Test factors {n}")
    published_at = factory.LazyFunction(utcnow)


class FactorFactory(Base):
    class Meta:
        model = Factor

    factor_set = factory.SubFactory(FactorSetFactory)
    key = factory.Sequence(lambda n: f"test.factor_{n}")
    value = 0.5
    unit = "kg CO2e/kg"
    source = "Test source"
    year = 2024


class StoredEstimateFactory(Base):
    class Meta:
        model = StoredEstimate

    class Params:
        offer = factory.SubFactory(ListingFactory)
        want = factory.SubFactory(ListingFactory, direction="want")

    offer_id = factory.SelfAttribute("offer.id")
    want_id = factory.SelfAttribute("want.id")
    factor_set = factory.SubFactory(FactorSetFactory)
    inputs_json = "{}"
    result_json = "{}"


class FirmTallyFactory(Base):
    class Meta:
        model = FirmTally

    class Params:
        organisation = factory.SubFactory(OrganisationFactory)

    organisation_id = factory.SelfAttribute("organisation.id")
    offers = 0
    wants = 0
    tonnes_offered = 0.0


class MatchListFactory(Base):
    class Meta:
        model = MatchList

    class Params:
        listing = factory.SubFactory(ListingFactory)

    listing_id = factory.SelfAttribute("listing.id")
    complete = True
    computed_on = factory.LazyFunction(swedish_today)


class MatchEntryFactory(Base):
    class Meta:
        model = MatchEntry

    class Params:
        owner = factory.SubFactory(MatchListFactory)
        counterpart = factory.SubFactory(ListingFactory, direction="want")

    listing_id = factory.SelfAttribute("owner.listing_id")
    counterpart_id = factory.SelfAttribute("counterpart.id")
    score = 80.0
    distance_km = 12.5


class MatchPotentialFactory(Base):
    class Meta:
        model = MatchPotential

    class Params:
        listing = factory.SubFactory(ListingFactory)
        counterpart = factory.SubFactory(ListingFactory, direction="want")

    listing_id = factory.SelfAttribute("listing.id")
    counterpart_id = factory.SelfAttribute("counterpart.id")
    score = 0.8
    distance_km = 12.5
    tonnes = 100.0
    co2e_kg = 1500.0
    sek = 20_000.0
    computed_at = factory.LazyFunction(utcnow)


class PotentialPairFactory(Base):
    class Meta:
        model = PotentialPair

    class Params:
        offer = factory.SubFactory(ListingFactory)
        want = factory.SubFactory(ListingFactory, direction="want")

    offer_id = factory.SelfAttribute("offer.id")
    want_id = factory.SelfAttribute("want.id")
    unit = "t"
    allocated = 100.0
    co2e_kg = 1500.0
    sek = 20_000.0
    computed_at = factory.LazyFunction(utcnow)


# --- conversations and deals --------------------------------------------------------------------


class ConversationFactory(Base):
    """An inquiry from another firm on a published offer."""

    class Meta:
        model = Conversation

    listing = factory.SubFactory(ListingFactory)
    listing_org = factory.SelfAttribute("listing.organisation")
    inquirer_org = factory.SubFactory(OrganisationFactory)
    started_by = factory.SubFactory(
        UserFactory, organisation=factory.SelfAttribute("..inquirer_org")
    )
    last_activity_by_id = factory.SelfAttribute("started_by.id")


class MessageFactory(Base):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    author = factory.SelfAttribute("conversation.started_by")
    author_org_id = factory.SelfAttribute("author.organisation_id")
    body = factory.Sequence(lambda n: f"Hello, message {n}.")


class ConversationReadFactory(Base):
    class Meta:
        model = ConversationRead

    class Params:
        conversation = factory.SubFactory(ConversationFactory)
        user = factory.SelfAttribute("conversation.started_by")

    conversation_id = factory.SelfAttribute("conversation.id")
    user_id = factory.SelfAttribute("user.id")
    read_at = factory.LazyFunction(utcnow)


class ConversationMuteFactory(Base):
    class Meta:
        model = ConversationMute

    class Params:
        conversation = factory.SubFactory(ConversationFactory)
        user = factory.SelfAttribute("conversation.started_by")

    conversation_id = factory.SelfAttribute("conversation.id")
    user_id = factory.SelfAttribute("user.id")


class DealFactory(Base):
    """An agreed deal on the conversation's offer: the listing's firm supplies the inquirer."""

    class Meta:
        model = Deal

    conversation = factory.SubFactory(ConversationFactory)
    offer = factory.SelfAttribute("conversation.listing")
    supplier_org = factory.SelfAttribute("conversation.listing_org")
    receiver_org = factory.SelfAttribute("conversation.inquirer_org")
    supplier_site = factory.SelfAttribute("offer.site")
    proposed_by_org_id = factory.SelfAttribute("receiver_org.id")
    status = "agreed"
    category = factory.SelfAttribute("offer.category")
    unit = factory.SelfAttribute("offer.unit")
    quantity = Decimal("40")
    total_quantity = factory.SelfAttribute("quantity")
    distance_km = 25.0
    agreed_at = factory.LazyFunction(utcnow)


class DealEventFactory(Base):
    class Meta:
        model = DealEvent

    deal = factory.SubFactory(DealFactory)
    action = "agreed"
    actor = factory.SelfAttribute("deal.conversation.started_by")
    actor_org_id = factory.SelfAttribute("actor.organisation_id")


class DeliveryFactory(Base):
    """A delivery the receiver logged, waiting for the supplier's confirmation."""

    class Meta:
        model = Delivery

    deal = factory.SubFactory(DealFactory)
    quantity = Decimal("10")
    delivered_on = factory.LazyFunction(swedish_today)
    logged_by = factory.SelfAttribute("deal.conversation.started_by")
    logged_by_org_id = factory.SelfAttribute("logged_by.organisation_id")
    status = "pending"


# --- staff --------------------------------------------------------------------------------------


class FirmNoteFactory(Base):
    class Meta:
        model = FirmNote

    organisation = factory.SubFactory(OrganisationFactory)
    author = factory.SubFactory(StaffFactory)
    body = factory.Sequence(lambda n: f"Called about their bark, note {n}.")
    follow_up_on = factory.LazyFunction(lambda: swedish_today() + timedelta(days=14))


class ListingReportFactory(Base):
    class Meta:
        model = ListingReport

    listing = factory.SubFactory(ListingFactory)
    reporter = factory.SubFactory(UserFactory)
    reason = "The photo shows another material."


class ExportJobFactory(Base):
    class Meta:
        model = ExportJob

    class Params:
        requested_by = factory.SubFactory(StaffFactory)

    requested_by_id = factory.SelfAttribute("requested_by.id")
    table = "listings"
    fmt = "csv"
    params_json = "{}"
    status = "queued"


# --- mail ---------------------------------------------------------------------------------------


class OutboxEmailFactory(Base):
    class Meta:
        model = OutboxEmail

    class Params:
        user = factory.SubFactory(UserFactory)

    key = factory.Sequence(lambda n: f"test:{n}")
    user_id = factory.SelfAttribute("user.id")
    to_address = factory.SelfAttribute("user.email")
    purpose = "test"
    locale = factory.SelfAttribute("user.locale")
    subject = factory.Sequence(lambda n: f"Test email {n}")
    text = "Hello."
    html = "<p>Hello.</p>"
    message_id = factory.Sequence(lambda n: f"<test-{n}@test.example>")
    status = "pending"


def copies_of(session: Session, listing: Listing, n: int) -> None:
    """`n` more listings like `listing`, in one INSERT: a market too large for factories.
    Titles get a number; everything else, the publication time included, is the same."""
    values = {a.key: getattr(listing, a.key) for a in inspect(Listing).column_attrs}
    values.pop("id")
    rows = [{**values, "title": f"{listing.title} {k}"} for k in range(n)]
    session.execute(insert(Listing), rows)


# --- binding ------------------------------------------------------------------------------------

FACTORIES: tuple[type[Base], ...] = tuple(
    value
    for value in list(globals().values())
    if isinstance(value, type) and issubclass(value, Base) and value is not Base
)
"""Every factory here (StaffFactory shares User with UserFactory)."""


def bind(session: Session | None) -> None:
    """Every factory writes into `session` (None: unbound)."""
    for each in FACTORIES:
        each._meta.sqlalchemy_session = session


@contextmanager
def bound_to(session: Session) -> Iterator[None]:
    """The factories writing into a session that the test commits itself."""
    bind(session)
    try:
        yield
    finally:
        bind(None)
