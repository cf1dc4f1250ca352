"""Sessions that end, a person's own data (export, deletion), the audit log and deactivation
(issue 14), at the level a user and an administrator see them."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import String, Text, func, select

from marketplace.extensions import db
from marketplace.services.alerts.subscriptions import (
    SubscriptionInput,
    create_subscription,
)
from marketplace.services.deals import conversations, deliveries, negotiation
from marketplace.services.deals.conversations import InquiryInput
from marketplace.services.deals.deal_terms import Terms
from marketplace.services.impact.factors import load_defaults
from models import AuditEntry, Base, Deal, OutboxEmail, User
from models.base import swedish_today
from tests.conftest import text_of
from tests.factories import TEST_PASSWORD, ListingFactory, SiteFactory, UserFactory

HTTPS = "https://marketplace.example"
DOMAIN = "marketplace.example"


def _production_login(client, email: str, remember: bool = True):  # type: ignore[no-untyped-def]
    page = client.get("/login", base_url=HTTPS).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    data = {"email": email, "password": TEST_PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    response = client.post(
        "/login", base_url=HTTPS, headers={"Referer": HTTPS + "/login"}, data=data
    )
    assert response.status_code == 303
    return token


def test_logout_ends_the_session_on_the_server_in_production(production_app, session):
    db.configure(production_app, session.get_bind(), join_transaction_mode="create_savepoint")
    UserFactory(email="leaver@mail.example")
    browser = production_app.test_client()
    _production_login(browser, "leaver@mail.example")
    saved_session = browser.get_cookie("session", domain=DOMAIN).value
    saved_remember = browser.get_cookie("remember_token", domain=DOMAIN).value
    assert browser.get("/account", base_url=HTTPS).status_code == 200

    page = browser.get("/account", base_url=HTTPS).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    out = browser.post(
        "/logout", base_url=HTTPS, headers={"Referer": HTTPS + "/"}, data={"csrf_token": token}
    )
    assert out.status_code == 303

    for name, value in (("session", saved_session), ("remember_token", saved_remember)):
        replay = production_app.test_client()
        replay.set_cookie(name, value, domain=DOMAIN, secure=True)
        response = replay.get("/account", base_url=HTTPS)
        assert response.status_code == 302, name
        assert response.headers["Location"].startswith("/login?next="), name

    # Before the fix the same replay opened the account: prove the cookies were valid then.
    again = production_app.test_client()
    _production_login(again, "leaver@mail.example")
    fresh = again.get_cookie("remember_token", domain=DOMAIN).value
    replay = production_app.test_client()
    replay.set_cookie("remember_token", fresh, domain=DOMAIN, secure=True)
    assert replay.get("/account", base_url=HTTPS).status_code == 200


def test_sign_out_everywhere_ends_every_session(make_client, session):
    UserFactory(email="twice@mail.example")
    laptop, phone = make_client(), make_client()
    laptop.login("twice@mail.example")
    phone.login("twice@mail.example")
    assert phone.get("/account").status_code == 200
    response = laptop.post("/account/sign-out-everywhere")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    for browser in (laptop, phone):
        assert browser.get("/account").status_code == 302
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "signed_out_everywhere"))
    assert entry is not None


def test_the_account_page_lists_sign_ins_with_the_browser(make_client, session):
    UserFactory(email="seen@mail.example")
    firefox = make_client()
    firefox.raw.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0"
    )
    firefox.login("seen@mail.example")
    other = make_client()
    other.login("seen@mail.example")
    page = text_of(other.get("/account"))
    assert "Firefox, Windows" in page
    assert page.count("<tr><td>") == 2


def _world(session):  # type: ignore[no-untyped-def]
    seller = UserFactory(email="seller@saw.example", name="Sven Säljare")
    buyer = UserFactory(email="buyer@pellets.example")
    greta = UserFactory(
        email="greta.spanberg@pellets.example",
        name="Greta Spånberg",
        organisation=buyer.organisation,
        org_role="member",
    )
    saw_site = SiteFactory(organisation=seller.organisation, lat=61.383, lon=15.814)
    SiteFactory(organisation=buyer.organisation, lat=60.477, lon=15.447)
    offer = ListingFactory(
        site=saw_site, quantity=Decimal("8000"), recurrence="year", price_model="price",
        price_sek=Decimal("210"),
    )  # fmt: skip
    load_defaults(session)
    today = swedish_today()
    conversation, _ = conversations.start_inquiry(
        session, actor=greta, listing_id=offer.id, data=InquiryInput(message="Hej, vi tar spån."),
        today=today,
    )  # fmt: skip
    deal = negotiation.propose_deal(
        session, actor=greta, conversation_id=conversation.id,
        terms=Terms(quantity=Decimal("400"), price_sek=Decimal("200")),
    )  # fmt: skip
    negotiation.accept_deal(session, actor=seller, deal_id=deal.id, version=deal.version)
    delivery = deliveries.log_delivery(
        session, actor=greta, deal_id=deal.id, quantity=Decimal("50"), delivered_on=today,
        today=today,
    )  # fmt: skip
    deliveries.confirm_delivery(session, actor=seller, deal_id=deal.id, delivery_id=delivery.id)
    create_subscription(
        session,
        actor=greta,
        data=SubscriptionInput(
            name="Spån nära Gävle", area_kind="regions", region_codes=("21",), categories=()
        ),
    )
    session.flush()
    return {"seller": seller, "buyer": buyer, "greta": greta, "conversation": conversation}


def test_a_person_downloads_everything_held_about_them(client, session):
    w = _world(session)
    client.login("greta.spanberg@pellets.example")
    client.post(f"/messages/{w['conversation'].id}", {"body": "Kan ni leverera i mars?"})
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == "greta.spanberg@pellets.example"
    assert "password_hash" not in data["profile"] and "session_token" not in data["profile"]
    bodies = [m["body"] for m in data["messages"]]
    assert "Hej, vi tar spån." in bodies and "Kan ni leverera i mars?" in bodies
    assert [a["name"] for a in data["alert_subscriptions"]] == ["Spån nära Gävle"]
    assert data["membership"]["role"] == "member"
    assert len(data["sign_ins"]) == 1
    assert data["deliveries_logged"], "the delivery Greta logged is listed"
    # The export itself is in the audit log, and so in the next export.
    again = json.loads(client.get("/account/export").get_data(as_text=True))
    assert "data_exported" in [e["action"] for e in again["audit_log"]]


def _texts_mentioning(session, *needles: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every table.column whose text holds one of the needles (case-insensitive)."""
    found = []
    session.expire_all()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text):
                continue
            for needle in needles:
                hits = session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(func.lower(column).contains(needle.lower(), autoescape=True))
                )
                if hits:
                    found.append(f"{table.name}.{column.name} ~ {needle}")
    return found


def test_deleting_an_account_removes_the_person_and_keeps_the_firms_records(make_client, session):
    w = _world(session)
    greta_id = w["greta"].id
    seller = make_client()
    seller.login("seller@saw.example")
    seller.post(f"/messages/{w['conversation'].id}", {"body": "Hej Greta Spånberg, mars går bra."})
    greta = make_client()
    greta.login("greta.spanberg@pellets.example")
    greta.post(f"/messages/{w['conversation'].id}", {"body": "Tack!"})
    before = deliveries.realised_totals(session, w["buyer"].organisation_id)
    region_before = deliveries.realised_totals(session)
    deals_before = session.scalar(select(func.count()).select_from(Deal))
    assert _texts_mentioning(session, "Greta Spånberg", "greta.spanberg@pellets.example")

    wrong = greta.post("/account/delete", {"password": "not the password"})
    assert wrong.status_code == 422 and "The password is wrong." in text_of(wrong)
    assert session.get(User, greta_id).deleted_at is None

    response = greta.post("/account/delete", {"password": TEST_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert greta.get("/account").status_code == 302

    assert _texts_mentioning(session, "Greta Spånberg", "greta.spanberg@pellets.example") == []
    assert deliveries.realised_totals(session, w["buyer"].organisation_id) == before
    assert deliveries.realised_totals(session) == region_before
    assert session.scalar(select(func.count()).select_from(Deal)) == deals_before
    login = greta.post(
        "/login",
        {"email": "greta.spanberg@pellets.example", "password": TEST_PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert login.status_code == 422 and "Wrong email address or password." in text_of(login)
    # The conversation still reads, the author now "a former member".
    page = text_of(seller.get(f"/messages/{w['conversation'].id}"))
    assert "Tack!" in page and "A former member" in page
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "account_deleted"))
    assert entry is not None and entry.actor_id == greta_id


def test_the_last_owner_hands_over_or_closes_the_firm_first(make_client, session):
    owner = UserFactory(email="only.owner@firm.example")
    UserFactory(organisation=owner.organisation, org_role="member")
    site = SiteFactory(organisation=owner.organisation)
    listing = ListingFactory(site=site)
    browser = make_client()
    browser.login("only.owner@firm.example")
    refused = browser.post("/account/delete", {"password": TEST_PASSWORD})
    assert refused.status_code == 422
    assert "last owner" in text_of(refused)
    assert session.get(User, owner.id).deleted_at is None

    alone = UserFactory(email="alone@firm.example")
    firm = alone.organisation
    alone_listing = ListingFactory(site=SiteFactory(organisation=alone.organisation))
    solo = make_client()
    solo.login("alone@firm.example")
    unticked = solo.post("/account/delete", {"password": TEST_PASSWORD})
    assert unticked.status_code == 422 and "close the firm" in text_of(unticked)
    done = solo.post("/account/delete", {"password": TEST_PASSWORD, "close_firm": "y"})
    assert done.status_code == 303
    session.expire_all()
    assert alone_listing.status == "closed" and firm.closed_at is not None
    assert alone.organisation_id is None and alone.deleted_at is not None
    assert listing.status == "published"


def test_the_audit_log_shows_role_changes_and_staff_unpublishing(make_client, session):
    admin = UserFactory(email="admin@region.example", organisation=None, org_role=None,
                        is_admin=True, name="Ada Admin")  # fmt: skip
    staff = UserFactory(email="staff@region.example", organisation=None, org_role=None,
                        is_staff=True, name="Stina Staff")  # fmt: skip
    target = UserFactory(email="promoted@mail.example")
    listing = ListingFactory(site=SiteFactory(organisation=target.organisation))
    admin_browser, staff_browser = make_client(), make_client()
    admin_browser.login("admin@region.example")
    staff_browser.login("staff@region.example")
    admin_browser.post(f"/admin/users/{target.id}/roles", {"is_staff": "y"})
    staff_browser.post(
        f"/staff/listings/{listing.id}/unpublish", {"reason": "Saknar analys av oljan."}
    )
    page = text_of(admin_browser.get("/admin/audit"))
    assert "Platform roles changed" in page and "Listing unpublished by staff" in page
    assert "Ada Admin" in page and "promoted@mail.example" in page and "Stina Staff" in page
    assert f"listing:{listing.id}" in page
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    roles = next(e for e in entries if e.action == "roles_changed")
    assert roles.actor_id == admin.id and roles.subject_user_id == target.id and roles.at
    unpublished = next(e for e in entries if e.action == "listing_unpublished")
    assert unpublished.actor_id == staff.id
    filtered = text_of(admin_browser.get("/admin/audit?action=roles_changed"))
    assert f"listing:{listing.id}" not in filtered


def test_a_deactivated_user_cannot_sign_in_and_gets_no_mail(make_client, session, mailbox):
    UserFactory(email="admin@region.example", organisation=None, org_role=None, is_admin=True)
    person = UserFactory(email="gone@mail.example")
    their_browser, admin = make_client(), make_client()
    their_browser.login("gone@mail.example")
    admin.login("admin@region.example")
    response = admin.post(f"/admin/users/{person.id}/deactivate")
    assert response.status_code == 303
    assert their_browser.get("/account").status_code == 302  # the open session ended too
    login = their_browser.post(
        "/login",
        {"email": "gone@mail.example", "password": TEST_PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert login.status_code == 422 and "deactivated" in text_of(login)
    assert "gone@mail.example" in text_of(admin.get("/admin/users"))

    before = session.scalar(select(func.count()).select_from(OutboxEmail))
    their_browser.post("/password/forgot", {"email": "gone@mail.example"})
    refused = admin.post(f"/admin/users/{person.id}/send/reset")
    assert refused.status_code == 303
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == before
    assert mailbox.messages("gone@mail.example") == []

    admin.post(f"/admin/users/{person.id}/reactivate")
    their_browser.login("gone@mail.example")
    assert their_browser.get("/account").status_code == 200
    admin.post(f"/admin/users/{person.id}/send/reset")
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == before + 1
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["user_deactivated", "user_reactivated", "reset_sent"]


def test_the_privacy_notice_names_the_controller_in_both_languages(client, app):
    settings = app.extensions["settings"]
    object.__setattr__(settings, "privacy_controller", "Region Gävleborg")
    object.__setattr__(settings, "privacy_contact", "dataskydd@region.example")
    try:
        english = text_of(client.get("/privacy", headers={"Accept-Language": "en"}))
        client.post("/language", {"language": "sv"})
        swedish = text_of(client.get("/privacy"))
    finally:
        object.__setattr__(settings, "privacy_controller", "")
        object.__setattr__(settings, "privacy_contact", "")
    assert "Region Gävleborg" in english and "dataskydd@region.example" in english
    assert "Privacy notice" in english and "Integritetsskyddsmyndigheten" in english
    assert "Region Gävleborg" in swedish and "Integritet" in swedish
