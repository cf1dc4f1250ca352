"""The authorization matrix: every route × method × actor has a declared, tested outcome.

A new route without an entry in EXPECTED fails `test_every_route_is_in_the_matrix`. GET
requests must not change the database; POST requests without a CSRF token are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.services.accounts.members import invitation_payload
from marketplace.services.accounts.security import make_token
from marketplace.services.accounts.users import reset_payload, verification_payload
from marketplace.services.alerts.notify import UNSUBSCRIBE_PURPOSE
from marketplace.services.alerts.subscriptions import (
    SubscriptionInput,
    create_subscription,
)
from marketplace.services.deals.conversations import InquiryInput, start_inquiry
from marketplace.services.deals.deal_terms import Terms
from marketplace.services.deals.negotiation import propose_deal
from marketplace.services.impact.estimates import (
    Choice,
    estimate_pair,
    store_estimate,
)
from marketplace.services.impact.factors import load_defaults
from marketplace.services.staff.facilitation import add_note
from models import Base, ExportJob, Invitation, OutboxEmail
from models.base import swedish_today
from models.deliveries import Delivery
from tests.conftest import SECRET
from tests.factories import ListingFactory, SiteFactory, UserFactory

ACTORS = ("anonymous", "owner", "member", "other", "staff", "admin")
L = "login"  # redirected to the login page

# endpoint, method -> expected status per actor, in the order of ACTORS.
EXPECTED: dict[tuple[str, str], tuple[int | str, ...]] = {
    ("main.index", "GET"): (200, 200, 200, 200, 200, 200),
    ("main.health", "GET"): (200, 200, 200, 200, 200, 200),
    ("main.privacy", "GET"): (200, 200, 200, 200, 200, 200),
    ("main.set_language", "POST"): (303, 303, 303, 303, 303, 303),
    ("auth.register", "GET"): (200, 302, 302, 302, 302, 302),
    ("auth.register", "POST"): (422, 302, 302, 302, 302, 302),
    ("auth.registered", "GET"): (200, 200, 200, 200, 200, 200),
    ("auth.login", "GET"): (200, 302, 302, 302, 302, 302),
    ("auth.login", "POST"): (422, 302, 302, 302, 302, 302),
    ("auth.logout", "POST"): (303, 303, 303, 303, 303, 303),
    ("auth.unverified", "GET"): (L, 302, 302, 302, 302, 302),
    ("auth.resend_verification", "POST"): (L, 303, 303, 303, 303, 303),
    ("auth.verify", "GET"): (200, 200, 200, 200, 200, 200),
    ("auth.verify", "POST"): (303, 303, 303, 303, 303, 303),
    ("auth.forgot_password", "GET"): (200, 200, 200, 200, 200, 200),
    ("auth.forgot_password", "POST"): (422, 422, 422, 422, 422, 422),
    ("auth.reset_password", "GET"): (200, 200, 200, 200, 200, 200),
    ("auth.reset_password", "POST"): (422, 422, 422, 422, 422, 422),
    ("auth.accept_invitation", "GET"): (200, 200, 200, 200, 200, 200),
    ("auth.accept_invitation", "POST"): (422, 422, 422, 422, 422, 422),
    ("account.settings", "GET"): (L, 200, 200, 200, 200, 200),
    ("account.update_profile", "POST"): (L, 422, 422, 422, 422, 422),
    ("account.change_password", "POST"): (L, 422, 422, 422, 422, 422),
    ("account.sign_out_everywhere", "POST"): (L, 303, 303, 303, 303, 303),
    ("account.export", "GET"): (L, 200, 200, 200, 200, 200),
    ("account.delete", "POST"): (L, 422, 422, 422, 422, 422),
    ("account.update_message_mail", "POST"): (L, 422, 422, 422, 422, 422),  # no choice sent
    ("firm.overview", "GET"): (L, 200, 200, 200, 403, 403),
    ("firm.edit", "GET"): (L, 200, 403, 200, 403, 403),
    ("firm.edit", "POST"): (L, 422, 403, 422, 403, 403),
    ("firm.new_site", "GET"): (L, 200, 200, 200, 403, 403),
    ("firm.new_site", "POST"): (L, 422, 422, 422, 403, 403),
    ("firm.edit_site", "GET"): (L, 200, 200, 404, 403, 403),
    ("firm.edit_site", "POST"): (L, 422, 422, 404, 403, 403),
    ("firm.delete_site", "POST"): (L, 303, 303, 404, 403, 403),
    ("firm.invite", "POST"): (L, 303, 403, 303, 403, 403),
    ("firm.revoke_invitation", "POST"): (L, 303, 403, 404, 403, 403),
    ("firm.resend_invitation", "POST"): (L, 303, 403, 404, 403, 403),
    ("firm.set_role", "POST"): (L, 303, 403, 404, 403, 403),
    ("firm.remove_member", "POST"): (L, 303, 403, 404, 403, 403),
    ("listings.browse", "GET"): (200, 200, 200, 200, 200, 200),
    ("listings.map_view", "GET"): (200, 200, 200, 200, 200, 200),
    ("api.listings", "GET"): (200, 200, 200, 200, 200, 200),
    ("api.listing", "GET"): (200, 200, 200, 200, 200, 200),
    ("api.boundaries", "GET"): (200, 200, 200, 200, 200, 200),
    ("api.municipality", "GET"): (400, 400, 400, 400, 400, 400),  # needs lat and lon
    ("api.postcode", "GET"): (404, 404, 404, 404, 404, 404),  # needs a known code
    ("maps.asset", "GET"): (200, 200, 200, 200, 200, 200),
    ("api.matches", "GET"): (200, 200, 200, 200, 200, 200),
    ("api.impact", "GET"): (400, 400, 400, 400, 400, 400),  # needs offer and want
    ("impact.factor_sets", "GET"): (200, 200, 200, 200, 200, 200),
    ("impact.factor_set", "GET"): (200, 200, 200, 200, 200, 200),
    ("impact.factor_set_csv", "GET"): (200, 200, 200, 200, 200, 200),
    ("impact.estimate_page", "GET"): (200, 200, 200, 200, 200, 200),
    ("impact.save_estimate", "POST"): (L, 303, 303, 303, 303, 303),
    ("impact.saved_estimate", "GET"): (L, 200, 404, 404, 200, 404),
    ("admin.new_factor_set", "GET"): (L, 403, 403, 403, 403, 200),
    ("admin.new_factor_set", "POST"): (L, 403, 403, 403, 403, 422),
    ("listings.detail", "GET"): (200, 200, 200, 200, 200, 200),
    ("listings.new", "GET"): (L, 200, 200, 200, 403, 403),
    ("listings.new", "POST"): (L, 422, 422, 422, 403, 403),
    ("listings.edit", "GET"): (L, 200, 200, 404, 403, 403),
    ("listings.edit", "POST"): (L, 422, 422, 404, 403, 403),
    ("listings.publish", "POST"): (L, 303, 303, 404, 403, 403),
    ("listings.close", "POST"): (L, 303, 303, 404, 403, 403),
    ("listings.delete", "POST"): (L, 303, 303, 404, 403, 403),
    ("admin.users", "GET"): (L, 403, 403, 403, 403, 200),
    ("admin.set_roles", "POST"): (L, 403, 403, 403, 403, 303),
    ("admin.deactivate", "POST"): (L, 403, 403, 403, 403, 303),
    ("admin.reactivate", "POST"): (L, 403, 403, 403, 403, 303),
    ("admin.send_account_email", "POST"): (L, 403, 403, 403, 403, 303),
    ("admin.audit_log", "GET"): (L, 403, 403, 403, 403, 200),
    # The demo mailbox exists only in development; the tests run as "testing".
    ("devmail.inbox", "GET"): (404, 404, 404, 404, 404, 404),
    ("devmail.show", "GET"): (404, 404, 404, 404, 404, 404),
    ("devmail.show_html", "GET"): (404, 404, 404, 404, 404, 404),
    ("devmail.run", "POST"): (404, 404, 404, 404, 404, 404),
    # Alert subscriptions are personal: even a colleague in the same firm gets 404.
    ("alerts.index", "GET"): (L, 200, 200, 200, 200, 200),
    ("alerts.new", "GET"): (L, 200, 200, 200, 200, 200),
    ("alerts.new", "POST"): (L, 422, 422, 422, 422, 422),
    ("alerts.show", "GET"): (L, 200, 404, 404, 404, 404),
    ("alerts.edit", "GET"): (L, 200, 404, 404, 404, 404),
    ("alerts.edit", "POST"): (L, 422, 404, 404, 404, 404),
    ("alerts.pause", "POST"): (L, 303, 404, 404, 404, 404),
    ("alerts.resume", "POST"): (L, 303, 404, 404, 404, 404),
    ("alerts.delete", "POST"): (L, 303, 404, 404, 404, 404),
    ("alerts.mute", "POST"): (L, 303, 303, 303, 303, 303),
    # The signed link is the authorisation (no login), for whoever holds it.
    ("alerts.unsubscribe", "GET"): (200, 200, 200, 200, 200, 200),
    ("alerts.unsubscribe", "POST"): (200, 200, 200, 200, 200, 200),
    # Conversations and deals between firm A (owner, member) and a third firm; "other" is a
    # firm outside them and gets 404 as if nothing existed. Staff observe and may write.
    ("deals.inquire", "GET"): (L, 404, 404, 200, 403, 403),
    ("deals.inquire", "POST"): (L, 404, 404, 422, 403, 403),
    ("deals.inbox", "GET"): (L, 200, 200, 200, 200, 200),
    ("deals.conversation", "GET"): (L, 200, 200, 404, 200, 200),
    ("deals.post_message", "POST"): (L, 422, 422, 404, 422, 422),
    ("deals.mark_read", "POST"): (L, 303, 303, 404, 303, 303),
    ("deals.accept_inquiry", "POST"): (L, 303, 303, 404, 303, 303),
    ("deals.close", "POST"): (L, 303, 303, 404, 303, 303),
    ("deals.reopen", "POST"): (L, 303, 303, 404, 303, 303),
    # Muting is for members of the two firms; staff are refused inside (flashed).
    ("deals.mute", "POST"): (L, 303, 303, 404, 303, 303),
    ("deals.propose", "GET"): (L, 200, 200, 404, 403, 403),
    ("deals.propose", "POST"): (L, 422, 422, 404, 403, 403),
    ("deals.index", "GET"): (L, 200, 200, 200, 200, 200),
    ("deals.deal", "GET"): (L, 200, 200, 404, 200, 200),
    ("deals.counter", "GET"): (L, 200, 200, 404, 403, 403),
    ("deals.counter", "POST"): (L, 422, 422, 404, 403, 403),
    ("deals.accept", "POST"): (L, 303, 303, 404, 303, 303),
    ("deals.cancel", "POST"): (L, 303, 303, 404, 303, 303),
    ("deals.complete", "POST"): (L, 303, 303, 404, 303, 303),
    ("deals.log_delivery", "POST"): (L, 422, 422, 404, 422, 422),
    # A delivery the third firm logged: firm A answers; staff are refused inside (flashed).
    ("deals.confirm_delivery", "POST"): (L, 303, 303, 404, 303, 303),
    ("deals.dispute_delivery", "POST"): (L, 303, 303, 404, 303, 303),
    ("deals.correct_delivery", "GET"): (L, 200, 200, 404, 403, 403),
    ("deals.correct_delivery", "POST"): (L, 422, 422, 404, 403, 403),
    ("api.deals", "GET"): (401, 200, 200, 200, 200, 200),
    ("api.deal", "GET"): (401, 200, 200, 404, 200, 200),
    # Regional staff's tools: firms get 403 on every one; open data is public.
    ("staff.dashboard", "GET"): (L, 403, 403, 403, 200, 200),
    ("staff.listings", "GET"): (L, 403, 403, 403, 200, 200),
    ("staff.deals", "GET"): (L, 403, 403, 403, 200, 200),
    ("staff.deliveries", "GET"): (L, 403, 403, 403, 200, 200),
    ("staff.export", "GET"): (L, 403, 403, 403, 200, 200),
    ("staff.export_jobs", "GET"): (L, 403, 403, 403, 200, 200),
    ("staff.export_job", "GET"): (L, 403, 403, 403, 200, 200),
    ("staff.download_export", "GET"): (L, 403, 403, 403, 404, 404),  # the job is not done
    ("staff.opportunities", "GET"): (L, 403, 403, 403, 200, 200),
    ("staff.introduce", "GET"): (L, 403, 403, 403, 200, 200),
    ("staff.introduce", "POST"): (L, 403, 403, 403, 422, 422),
    ("staff.moderation", "GET"): (L, 403, 403, 403, 200, 200),
    ("staff.unpublish", "POST"): (L, 403, 403, 403, 303, 303),
    ("staff.resolve", "POST"): (L, 403, 403, 403, 303, 303),
    ("staff.firms", "GET"): (L, 403, 403, 403, 200, 200),
    ("staff.firm", "GET"): (L, 403, 403, 403, 200, 200),
    ("staff.add_note", "POST"): (L, 403, 403, 403, 422, 422),
    ("staff.note_done", "POST"): (L, 403, 403, 403, 303, 303),
    ("api.stats_figures", "GET"): (401, 403, 403, 403, 200, 200),
    ("main.open_data", "GET"): (200, 200, 200, 200, 200, 200),
    ("main.open_data_file", "GET"): (200, 200, 200, 200, 200, 200),
    ("listings.report", "POST"): (L, 303, 303, 303, 303, 303),
    ("admin.mail", "GET"): (L, 403, 403, 403, 200, 200),
    ("admin.retry_mail", "POST"): (L, 403, 403, 403, 303, 303),
}
# One-click unsubscribe (RFC 8058): mail clients POST without a CSRF token; the signed token in
# the URL is what authorises it (tests/web/alerts/test_views.py checks a forged token changes
# nothing).
CSRF_EXEMPT = {"alerts.unsubscribe"}

# Form data that makes a POST valid where the route needs more than a CSRF token.
POST_DATA = {
    "main.set_language": {"language": "en"},
    "firm.invite": {"email": "new.colleague@firm.example"},
    "firm.set_role": {"role": "owner"},
    "admin.set_roles": {"is_staff": "y"},
}


@dataclass
class World:
    emails: dict[str, str]
    values: dict[str, object]


@pytest.fixture
def world(session: Session) -> World:
    owner = UserFactory(email="owner@a.example")
    member = UserFactory(
        email="member@a.example", organisation=owner.organisation, org_role="member"
    )
    other = UserFactory(email="owner@b.example")
    staff = UserFactory(
        email="staff@region.example", organisation=None, org_role=None, is_staff=True
    )
    admin = UserFactory(
        email="admin@region.example", organisation=None, org_role=None, is_admin=True
    )
    site = SiteFactory(organisation=owner.organisation)
    SiteFactory(organisation=other.organisation)
    listing = ListingFactory(site=site)
    invitation = Invitation(organisation=owner.organisation, email="invitee@a.example")
    session.add(invitation)
    session.flush()
    factor_set = load_defaults(session)
    subscription = create_subscription(
        session,
        actor=owner,
        data=SubscriptionInput(name="Spån", area_kind="regions", region_codes=("20",)),
    )
    email = OutboxEmail(
        key="test:failed",
        to_address="someone@a.example",
        purpose="alert",
        locale="sv",
        subject="s",
        text="t",
        html="h",
        message_id="<x@localhost>",
        status="failed",
    )
    session.add(email)
    session.flush()
    want = ListingFactory(site=SiteFactory(organisation=other.organisation), direction="want")
    est, _ = estimate_pair(session, listing, want, Choice(), factor_set)
    estimate = store_estimate(
        session, offer=listing, want=want, est=est, factor_set=factor_set, actor=owner
    )
    buyer = UserFactory(email="buyer@c.example")
    SiteFactory(organisation=buyer.organisation)
    conversation, _ = start_inquiry(
        session, actor=buyer, listing_id=listing.id, data=InquiryInput("Hej"), today=swedish_today()
    )
    deal = propose_deal(
        session,
        actor=buyer,
        conversation_id=conversation.id,
        terms=Terms(quantity=Decimal("10"), price_sek=Decimal("100")),
    )
    delivery = Delivery(
        deal=deal, quantity=Decimal("4"), delivered_on=swedish_today(), logged_by_id=buyer.id,
        logged_by_org_id=buyer.organisation_id, status="pending",
    )  # fmt: skip
    session.add(delivery)
    session.flush()
    note = add_note(
        session,
        actor=staff,
        organisation_id=owner.organisation_id,
        body="Ring om spånet.",
        follow_up_on=swedish_today(),
        today=swedish_today(),
    )
    job = ExportJob(requested_by_id=staff.id, table="listings", fmt="csv")
    session.add(job)
    session.flush()
    emails = {
        "owner": owner.email,
        "member": member.email,
        "other": other.email,
        "staff": staff.email,
        "admin": admin.email,
    }
    values = {
        "site_id": site.id,
        "listing_id": listing.id,
        "member_id": member.id,
        "invitation_id": invitation.id,
        "user_id": member.id,
        "message_id": "nothing",
        "package": "leaflet",
        "filename": "leaflet.css",
        "kind": "municipality",
        "version": 1,
        "estimate_id": estimate.id,
        "want_id": want.id,
        "subscription_id": subscription.id,
        "email_id": email.id,
        "job": "sweep",
        "conversation_id": conversation.id,
        "deal_id": deal.id,
        "delivery_id": delivery.id,
        "organisation_id": owner.organisation_id,
        "note_id": note.id,
        "job_id": job.id,
        "table": "by_month",
        "fmt": "csv",
        "mail": "reset",
        "tokens": {
            "alerts.unsubscribe": make_token(
                SECRET, UNSUBSCRIBE_PURPOSE, {"u": owner.id, "s": [subscription.id]}
            ),
            "auth.verify": make_token(SECRET, "verify", verification_payload(owner)),
            "auth.reset_password": make_token(SECRET, "reset", reset_payload(owner)),
            "auth.accept_invitation": make_token(SECRET, "invite", invitation_payload(invitation)),
        },
    }
    return World(emails, values)


def build_url(app: Flask, endpoint: str, world: World) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    args = {name: world.values[name] for name in rule.arguments if name != "token"}
    if "token" in rule.arguments:
        args["token"] = world.values["tokens"][endpoint]  # type: ignore[index]
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **args)
    if endpoint == "listings.new":
        url += "?direction=offer&kind=material"
    if endpoint == "staff.introduce":
        url += f"?offer={world.values['listing_id']}&want={world.values['want_id']}"
    if endpoint == "impact.estimate_page":
        url += f"?offer={world.values['listing_id']}&want={world.values['want_id']}"
    return url


def post_data(endpoint: str, world: World) -> dict[str, object]:
    if endpoint == "impact.save_estimate":
        return {"offer": world.values["listing_id"], "want": world.values["want_id"]}
    return POST_DATA.get(endpoint, {})


# A GET may add audit entries (exports downloaded, firm notes viewed, a person's data
# exported): a record that a read happened, not a change of what was read.
READ_LOGS = frozenset({"audit_log"})


def snapshot(session: Session, *, skip: frozenset[str] = frozenset()) -> list[list[tuple]]:
    """Every row of every table, to prove a request changed nothing."""
    session.expire_all()
    return [
        [tuple(row) for row in session.execute(select(table).order_by(*table.primary_key.columns))]
        for table in Base.metadata.sorted_tables
        if table.name not in skip
    ]


def routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_in_the_matrix(app):
    assert routes(app) == set(EXPECTED)


CASES = [(endpoint, method, actor) for (endpoint, method) in EXPECTED for actor in ACTORS]


@pytest.mark.parametrize(
    ("endpoint", "method", "actor"), CASES, ids=[f"{e}-{m}-{a}" for e, m, a in CASES]
)
def test_authorization(app, client, session, world, endpoint, method, actor):
    expected = EXPECTED[(endpoint, method)][ACTORS.index(actor)]
    if actor != "anonymous":
        client.login(world.emails[actor])
    url = build_url(app, endpoint, world)
    before = snapshot(session, skip=READ_LOGS) if method == "GET" else None
    data = post_data(endpoint, world)
    response = client.get(url) if method == "GET" else client.post(url, data)
    response.close()  # file responses (vendored assets) hold an open file until closed
    if expected == L:
        assert response.status_code == 302, response.status_code
        assert response.headers["Location"].startswith("/login?next=")
    else:
        assert response.status_code == expected, (url, response.get_data(as_text=True)[:500])
    if before is not None:
        assert snapshot(session, skip=READ_LOGS) == before, f"GET {url} changed the database"


STATE_CHANGING = sorted((e, m) for (e, m) in EXPECTED if m == "POST" and e not in CSRF_EXEMPT)


@pytest.mark.parametrize(
    ("endpoint", "method"), STATE_CHANGING, ids=[e for e, _m in STATE_CHANGING]
)
def test_post_without_csrf_token_is_refused_and_changes_nothing(
    app, client, session, world, endpoint, method
):
    actor = "admin" if endpoint.startswith("admin.") else "owner"
    client.login(world.emails[actor])
    before = snapshot(session)
    response = client.post(build_url(app, endpoint, world), post_data(endpoint, world), csrf=False)
    assert response.status_code == 400
    assert snapshot(session) == before
