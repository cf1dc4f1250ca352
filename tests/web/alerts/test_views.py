"""Alerts through the web: subscription pages, instant alert emails, unsubscribe links."""

from __future__ import annotations

import json
import re

import pytest
from flask import url_for
from sqlalchemy import select

from marketplace.services.mail import links
from models.alerts import AlertSubscription
from models.listings import Listing
from models.outbox import OutboxEmail
from tests.conftest import text_of
from tests.factories import ListingFactory, SiteFactory, UserFactory
from workers.background import Background

FALUN = (15.633, 60.607)


@pytest.fixture
def buyer(session):  # type: ignore[no-untyped-def]
    user = UserFactory(email="buyer@pellets.example", locale="en")
    SiteFactory(organisation=user.organisation, name="Pellet plant", lon=15.42, lat=60.48)
    return user


def new_alert(client, **fields):  # type: ignore[no-untyped-def]
    data = {
        "name": "Sawdust nearby",
        "area_kind": "circle",
        "radius_km": "40",
        "directions": ["offer"],
        "categories": ["sawdust"],
        "cadence": "instant",
        "action": "save",
        **fields,
    }
    return client.post("/alerts/new", data)


def publish_as_seller(make_client, lon: float, lat: float, title: str) -> int:  # type: ignore[no-untyped-def]
    seller = UserFactory()
    site = SiteFactory(organisation=seller.organisation, lon=lon, lat=lat)
    draft = ListingFactory(site=site, status="draft", published_at=None, title=title)
    client = make_client()
    client.login(seller.email)
    response = client.post(f"/listings/{draft.id}/publish")
    assert response.status_code == 303
    return draft.id


def test_alert_around_a_site_then_an_instant_email(make_client, session, mailbox, buyer):
    client = make_client()
    client.login(buyer.email)
    site_id = buyer.organisation.sites[0].id if hasattr(buyer.organisation, "sites") else None
    site_id = (
        site_id
        or session.scalars(
            select(SiteFactory._meta.model.id).where(
                SiteFactory._meta.model.organisation_id == buyer.organisation_id
            )
        ).one()
    )
    response = new_alert(client, site_id=str(site_id))
    assert response.status_code == 303, text_of(response)[:3000]
    sub = session.scalars(select(AlertSubscription)).one()
    assert (sub.area_kind, sub.radius_m, sub.site_id) == ("circle", 40_000, site_id)
    assert "Within 40 km of Pellet plant" in text_of(client.get("/alerts"))

    inside = publish_as_seller(make_client, 15.63, 60.60, "Dry sawdust")  # ~17 km away
    outside = publish_as_seller(make_client, 17.14, 60.67, "Far sawdust")  # Gävle, ~95 km
    messages = mailbox.messages("buyer@pellets.example")
    assert len(messages) == 1, [m["subject"] for m in messages]
    email = messages[0]
    assert "Dry sawdust" in email["subject"] and "Sawdust nearby" in email["subject"]
    assert f"http://localhost/listings/{inside}" in email["text"]
    assert f"/listings/{outside}" not in email["text"]
    assert re.search(r"1[5-9][.,]\d km away", email["text"]), email["text"]
    assert email["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The manage link opens the alerts page; the unsubscribe link pauses the alert.
    assert (
        "http://localhost/alerts\n" in email["text"] or "http://localhost/alerts " in email["text"]
    )
    unsubscribe = email["headers"]["List-Unsubscribe"].strip("<>").replace("http://localhost", "")
    anonymous = make_client()
    page = anonymous.get(unsubscribe)
    assert page.status_code == 200 and "Sawdust nearby" in text_of(page)
    session.refresh(sub)
    assert not sub.paused  # GET asks, it does not act
    done = anonymous.raw.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})  # RFC 8058
    assert done.status_code == 200
    session.refresh(sub)
    assert sub.paused
    publish_as_seller(make_client, 15.64, 60.61, "More sawdust")
    assert len(mailbox.messages("buyer@pellets.example")) == 1


def test_a_forged_unsubscribe_token_changes_nothing(client, session, buyer):
    client.login(buyer.email)
    new_alert(client, area_kind="regions", regions=["20"])
    response = client.raw.post("/alerts/unsubscribe/eyJ1IjoxLCJzIjpbMV19.forged.sig")
    assert response.status_code == 404
    assert not session.scalars(select(AlertSubscription)).one().paused


def test_drawn_polygon_and_preview_without_saving(client, session, buyer):
    ListingFactory(site=SiteFactory(lon=15.6, lat=60.6), title="Sawdust in the square")
    ListingFactory(site=SiteFactory(lon=16.5, lat=60.6), title="Sawdust east of it")
    client.login(buyer.email)
    square = {
        "type": "Polygon",
        "coordinates": [[[15.5, 60.5], [15.8, 60.5], [15.8, 60.7], [15.5, 60.7], [15.5, 60.5]]],
    }
    response = new_alert(
        client, area_kind="polygon", polygon=json.dumps(square), action="preview", name=""
    )
    page = text_of(response)
    assert response.status_code == 200
    assert "1 current listing fits this alert" in page and "Sawdust in the square" in page
    assert "Sawdust east of it" not in page
    assert session.scalars(select(AlertSubscription)).all() == []
    saved = new_alert(client, area_kind="polygon", polygon=json.dumps(square))
    assert saved.status_code == 303
    shown = text_of(client.get(saved.headers["Location"]))
    assert "Inside an area drawn on the map" in shown and "Sawdust in the square" in shown


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Give the alert a name."),
        ({"site_id": "", "center_lat": "", "center_lon": ""}, "Choose a site or click the map"),
        ({"radius_km": "1 000"}, "The radius must be between 1 and 300 km"),
        ({"area_kind": "polygon", "polygon": ""}, "Draw an area on the map"),
        ({"area_kind": "regions"}, "Choose at least one municipality or county"),
        ({"directions": []}, "Choose offers, wants or both"),
        ({"ewc": "03 01 5"}, "Give waste codes or chapters as 2, 4 or 6 digits"),
    ],
)
def test_mistakes_are_explained_and_nothing_is_saved(client, session, buyer, fields, message):
    client.login(buyer.email)
    response = new_alert(
        client, **{"site_id": "", "center_lat": "60.6", "center_lon": "15.6", **fields}
    )
    assert response.status_code == 422
    assert message in text_of(response)
    assert session.scalars(select(AlertSubscription)).all() == []


def test_edit_pause_resume_delete_and_mute(client, session, buyer, mailbox, make_client):
    client.login(buyer.email)
    new_alert(client, area_kind="regions", regions=["20"], cadence="daily")
    sub = session.scalars(select(AlertSubscription)).one()
    edit = client.get(f"/alerts/{sub.id}/edit")
    assert re.search(r'<input checked[^>]*value="20"', text_of(edit))
    response = client.post(
        f"/alerts/{sub.id}/edit",
        {
            "name": "Bark in Gävleborg",
            "area_kind": "regions",
            "regions": ["21"],
            "directions": ["offer"],
            "categories": ["bark"],
            "cadence": "weekly",
            "action": "save",
        },
    )
    assert response.status_code == 303
    session.refresh(sub)
    assert (sub.name, sub.region_codes, sub.cadence, sub.categories) == (
        "Bark in Gävleborg",
        "21",
        "weekly",
        "bark",
    )
    client.post(f"/alerts/{sub.id}/pause")
    session.refresh(sub)
    assert sub.paused
    client.post(f"/alerts/{sub.id}/resume")
    session.refresh(sub)
    assert not sub.paused
    client.post("/alerts/mute", {"muted": "1"})
    session.refresh(buyer)
    assert buyer.alerts_muted and "All alert emails are switched off." in text_of(
        client.get("/alerts")
    )
    client.post("/alerts/mute", {"muted": "0"})
    session.refresh(buyer)
    assert not buyer.alerts_muted
    client.post(f"/alerts/{sub.id}/delete")
    assert session.scalars(select(AlertSubscription)).all() == []


def test_muted_user_gets_no_alert(make_client, session, mailbox, buyer):
    client = make_client()
    client.login(buyer.email)
    new_alert(client, area_kind="regions", regions=["20"])
    client.post("/alerts/mute", {"muted": "1"})
    publish_as_seller(make_client, 15.63, 60.60, "Sawdust while muted")
    assert mailbox.messages("buyer@pellets.example") == []


def test_swedish_pages(client, session):
    user = UserFactory(locale="sv")
    client.login(user.email)
    page = text_of(client.get("/alerts/new"))
    assert "Ny bevakning" in page and "Hur ofta" in page


def test_links_in_emails_are_the_routes(app):
    with app.test_request_context():
        assert links.listing("http://h", 7) == "http://h" + url_for("listings.detail", listing_id=7)
        assert links.alerts("http://h") == "http://h" + url_for("alerts.index")
        assert links.unsubscribe("http://h", "tok") == "http://h" + url_for(
            "alerts.unsubscribe", token="tok"
        )


def test_staff_see_failed_emails_and_can_retry(client, session):
    staff = UserFactory(organisation=None, org_role=None, is_staff=True)
    email = OutboxEmail(
        key="alert:9:9",
        to_address="reject@x.example",
        purpose="alert",
        locale="sv",
        subject="Hej",
        text="t",
        html="h",
        message_id="<m@x>",
        status="failed",
        attempts=1,
        last_error="550 5.1.1 Mailbox unavailable",
    )
    session.add(email)
    session.flush()
    client.login(staff.email)
    page = text_of(client.get("/admin/mail"))
    assert 'data-count="failed">1<' in page and "550 5.1.1 Mailbox unavailable" in page
    response = client.post(f"/admin/mail/{email.id}/retry")
    assert response.status_code == 303
    session.refresh(email)
    assert email.status in ("pending", "sent", "sending")


def test_publishing_works_while_redis_is_down(app, make_client, session, buyer, caplog):
    """The commit stands; the flag stays set, so the sweep runs the fan-out later."""
    background = app.extensions["background"]
    app.extensions["background"] = Background("redis://127.0.0.1:9/0", background.inline_context)
    try:
        listing_id = publish_as_seller(make_client, 15.63, 60.60, "Sawdust, Redis down")
    finally:
        app.extensions["background"] = background
    listing = session.get(Listing, listing_id)
    session.refresh(listing)
    assert listing.status == "published" and listing.fanout_due
    assert "the sweep will" in caplog.text
