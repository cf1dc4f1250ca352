"""Each input issue 14 found giving a 500 (or slipping past a check), as a user would send it.

NUL bytes, other scripts' digits, ids beyond the database's integer range, a quantity of only
a space, a JSON body, an organisation number in fullwidth digits: every one gets a page or a
message, never a server error, and nothing is saved half-way. Both databases (PostgreSQL
refuses NUL in text; SQLite stores it, which is no better).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from marketplace.services.deals.conversations import InquiryInput, start_inquiry
from marketplace.services.impact.factors import load_defaults
from marketplace.web.inputs import Form
from models import Deal, Listing, Message, Organisation
from models.base import swedish_today
from tests.conftest import text_of
from tests.factories import ListingFactory, SiteFactory, UserFactory

CONTROL = "invisible control characters"
BEYOND_INT4 = ["2147483648", str(2**63), str(10**30)]
FOREIGN = ["²", "１２", "١٢", "٣"]
EN = {"Accept-Language": "en"}


@pytest.fixture
def market(session):  # type: ignore[no-untyped-def]
    seller = UserFactory(email="seller@saw.example")
    buyer = UserFactory(email="buyer@pellets.example")
    SiteFactory(organisation=buyer.organisation)
    offer = ListingFactory(site=SiteFactory(organisation=seller.organisation), title="Sågspån")
    want = ListingFactory(
        site=SiteFactory(organisation=buyer.organisation), direction="want", title="Spån sökes"
    )
    staff = UserFactory(email="staff@region.example", organisation=None, org_role=None,
                        is_staff=True)  # fmt: skip
    load_defaults(session)
    return {"seller": seller, "buyer": buyer, "offer": offer, "want": want, "staff": staff}


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- query strings ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/listings", "/listings/map", "/api/v1/listings"])
def test_a_nul_in_the_search_is_dropped_and_the_search_still_runs(client, market, path):
    response = client.get(path, query_string={"q": "Såg\x00spån"})
    assert response.status_code == 200
    assert "Sågspån" in text_of(response)


def test_a_nul_in_other_search_boxes_is_dropped(make_client, market, session):
    admin = UserFactory(email="admin@region.example", organisation=None, is_admin=True)
    client = make_client()
    client.login(admin.email)
    assert client.get("/admin/users", query_string={"q": "seller\x00"}).status_code == 200
    client = make_client()
    client.login(market["staff"].email)
    response = client.get("/staff/firms", query_string={"q": "\x00"})
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["page", "per_page"])
@pytest.mark.parametrize("value", [*FOREIGN, "1_0", *BEYOND_INT4, "9" * 5000])
def test_a_page_number_in_other_digits_or_too_large_is_refused(client, market, name, value):
    api = client.get("/api/v1/listings", query_string={name: value})
    assert api.status_code == 400
    assert api.get_json()["error"]["parameter"] == name
    page = client.get("/listings", query_string={name: value})
    assert page.status_code == 200  # the page ignores the bad value and says so
    assert "Sågspån" in text_of(page)


@pytest.mark.parametrize("value", [*BEYOND_INT4, *FOREIGN])
def test_an_impact_pair_with_an_impossible_id_is_not_found(make_client, market, value):
    offer, want = str(market["offer"].id), str(market["want"].id)
    client = make_client()
    for pair in ({"offer": value, "want": want}, {"offer": offer, "want": value}):
        assert client.get("/api/v1/impact", query_string=pair).status_code in (400, 404)
        assert client.get("/impact", query_string=pair).status_code == 404
    client.login(market["buyer"].email)
    assert client.post("/impact/save", {"offer": value, "want": want}).status_code == 404
    assert client.post("/impact/save", {"offer": offer, "want": value}).status_code == 404
    client = make_client()
    client.login(market["staff"].email)
    for pair in ({"offer": value, "want": want}, {"offer": offer, "want": value}):
        assert client.get("/staff/introduce", query_string=pair).status_code == 404
        assert client.post("/staff/introduce?" + "&".join(f"{k}={v}" for k, v in pair.items()),
                           {"note": "Hej"}).status_code == 404  # fmt: skip


def test_a_listing_id_in_other_digits_opens_nothing(client, market):
    listing_id = market["offer"].id
    assert client.get(f"/listings/{listing_id}").status_code == 200
    arabic = str(listing_id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    fullwidth = str(listing_id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for written in (arabic, fullwidth):
        assert client.get(f"/listings/{written}").status_code == 404
        assert client.get(f"/api/v1/listings/{written}").status_code == 404


@pytest.mark.parametrize("value", BEYOND_INT4)
def test_ids_beyond_the_integer_range_in_urls_are_not_found(make_client, market, value):
    client = make_client()
    assert client.get(f"/listings/{value}").status_code == 404
    assert client.get(f"/api/v1/listings/{value}/matches").status_code == 404
    client.login(market["seller"].email)
    assert client.get(f"/deals/{value}").status_code == 404
    assert client.post(f"/listings/{value}/publish").status_code == 404


@pytest.mark.parametrize("value", ["１０", "1_0", "10.0", str(2**63), "-5"])
def test_the_match_limit_takes_only_ascii_whole_numbers(client, market, value):
    response = client.get(
        f"/api/v1/listings/{market['offer'].id}/matches", query_string={"limit": value}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "limit"


@pytest.mark.parametrize("value", ["１", "٦٠", "nan", "inf", "1e309"])
def test_coordinates_take_only_finite_ascii_numbers(client, value):
    response = client.get("/api/v1/municipality", query_string={"lat": value, "lon": "15.6"})
    assert response.status_code == 400
    near = {"lat": value, "lon": "15.6", "radius_km": "5"}
    assert client.get("/api/v1/listings", query_string=near).status_code == 400


# --- forms --------------------------------------------------------------------------------------


def proposal(quantity: str) -> dict[str, str]:
    return {
        "quantity": quantity, "recurrence": "once", "price_model": "price", "price_sek": "200",
        "transport_by": "supplier", "transport_mode": "truck", "baseline_route": "incineration",
        "substitution_ratio": "1",
    }  # fmt: skip


@pytest.fixture
def conversation(session, market):  # type: ignore[no-untyped-def]
    found, _ = start_inquiry(
        session, actor=market["buyer"], listing_id=market["offer"].id,
        data=InquiryInput("Hej"), today=swedish_today(),
    )  # fmt: skip
    return found


@pytest.mark.parametrize("quantity", [" ", "\t", "\u00a0", "　"])
def test_a_deal_quantity_of_only_a_space_asks_for_a_quantity(
    make_client, session, market, conversation, quantity
):
    client = make_client()
    client.login(market["buyer"].email)
    response = client.post(f"/messages/{conversation.id}/deal", proposal(quantity), headers=EN)
    assert response.status_code == 422
    assert "Enter a quantity." in text_of(response)
    assert count(session, Deal) == 0


@pytest.mark.parametrize("quantity", ["１０", "١٠", "²", "1e309", "NaN"])
def test_a_deal_quantity_in_other_digits_is_refused(make_client, session, market, conversation,
                                                    quantity):  # fmt: skip
    client = make_client()
    client.login(market["buyer"].email)
    response = client.post(f"/messages/{conversation.id}/deal", proposal(quantity))
    assert response.status_code == 422
    assert count(session, Deal) == 0


@pytest.mark.parametrize("body", ["Hej\x00då", "\x1b[31mröd", "Hej\x7f", "C1\x85"])
def test_a_control_character_in_a_message_is_refused_beside_the_field(
    make_client, session, market, conversation, body
):
    client = make_client()
    client.login(market["buyer"].email)
    before = count(session, Message)
    response = client.post(f"/messages/{conversation.id}", {"body": body}, headers=EN)
    assert response.status_code == 422
    page = text_of(response)
    assert CONTROL in page
    assert "\x00" not in page and "\x1b" not in page  # the text shown back is cleaned
    assert count(session, Message) == before


def test_tabs_and_line_breaks_stay_in_a_message_and_text_is_stored_in_nfc(
    make_client, session, market, conversation
):
    client = make_client()
    client.login(market["buyer"].email)
    response = client.post(f"/messages/{conversation.id}", {"body": "Cafe\u0301\r\n\tspån"})
    assert response.status_code == 303
    session.expire_all()
    latest = session.scalars(select(Message).order_by(Message.id.desc())).first()
    assert latest.body.startswith("Café") and "\u0301" not in latest.body
    assert "\n" in latest.body and "\t" in latest.body


@pytest.mark.parametrize("field", ["title", "description", "ewc_code"])
def test_a_nul_in_a_listing_field_is_refused_and_nothing_is_saved(client, session, market, field):
    client.login(market["seller"].email)
    site = market["offer"].site
    form = {
        "site_id": str(site.id), "title": "Torrt spån", "category": "sawdust",
        "quantity": "10", "unit": "t", "recurrence": "once", "price_model": "negotiable",
        "visibility": "public", "description": "Gran",
    }  # fmt: skip
    form[field] = (form.get(field) or "03 01 05") + "\x00"
    before = count(session, Listing)
    response = client.post("/listings/new?direction=offer&kind=material", form, headers=EN)
    assert response.status_code == 422
    assert CONTROL in text_of(response)
    assert count(session, Listing) == before


def test_a_single_line_field_refuses_a_tab_too(client, session, market):
    client.login(market["seller"].email)
    form = {"name": "Lager\tNorr", "municipality_code": "2080"}
    response = client.post("/firm/sites/new", form, headers=EN)
    assert response.status_code == 422
    assert CONTROL in text_of(response)


def test_a_nul_in_a_report_is_refused(client, session, market):
    client.login(market["buyer"].email)
    response = client.post(
        f"/listings/{market['offer'].id}/report", {"reason": "Fel\x00"}, headers=EN
    )
    assert response.status_code == 303
    assert CONTROL in text_of(client.get(response.headers["Location"], headers=EN))


@pytest.mark.parametrize("value", ["１００", "١٠٠", "1_00", "2147483648", "1e3"])
def test_a_whole_number_field_takes_only_ascii_digits(client, session, market, value):
    client.login(market["seller"].email)
    site = market["offer"].site
    form = {
        "site_id": str(site.id), "title": "Torrt spån", "category": "sawdust", "quantity": "10",
        "unit": "t", "recurrence": "once", "price_model": "negotiable", "visibility": "public",
        "max_distance_km": value,
    }  # fmt: skip
    before = count(session, Listing)
    response = client.post("/listings/new?direction=offer&kind=material", form, headers=EN)
    assert response.status_code == 422
    assert "digits 0–9" in text_of(response) or "between 1 and 2000" in text_of(response)
    assert count(session, Listing) == before


def test_a_site_in_other_digits_is_not_taken_for_the_site(client, session, market):
    client.login(market["seller"].email)
    site_id = str(market["offer"].site.id)
    fullwidth = site_id.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    form = {
        "site_id": fullwidth, "title": "Torrt spån", "category": "sawdust", "quantity": "10",
        "unit": "t", "recurrence": "once", "price_model": "negotiable", "visibility": "public",
    }  # fmt: skip
    response = client.post("/listings/new?direction=offer&kind=material", form, headers=EN)
    assert response.status_code == 422
    assert "Choose a site." in text_of(response)


@pytest.mark.parametrize("body", ['"hej"', "[1, 2]", '{"body": 5}', '{"body": null}', "5"])
def test_a_json_body_is_not_taken_for_a_form(make_client, session, market, conversation, body):
    client = make_client()
    client.login(market["buyer"].email)
    before = count(session, Message)
    response = client.raw.post(
        f"/messages/{conversation.id}",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": client.csrf_token()},
    )
    assert response.status_code == 422
    assert count(session, Message) == before


# --- organisation numbers -------------------------------------------------------------------

REGISTRATION = {
    "name": "Anna Sågare",
    "password": "timmer-och-spån-2026",
    "password_confirm": "timmer-och-spån-2026",
    "firm_name": "Edsbyns Såg AB",
}


@pytest.mark.parametrize(
    "written",
    [
        "５５６０３６-０７９３",  # fullwidth
        "٥٥٦٠٣٦-٠٧٩٣",  # Arabic-Indic
        "۵۵۶۰۳۶-۰۷۹۳",  # Extended Arabic-Indic (Persian)
        "556036-079３",  # one digit is enough
    ],
)
def test_an_org_number_in_other_digits_cannot_register_a_second_firm(client, session, written):
    UserFactory(organisation=Organisation(name="Saab AB", org_number="556036-0793"))
    before = count(session, Organisation)
    response = client.post(
        "/register",
        {**REGISTRATION, "email": "anna@sagverket.example", "org_number": written},
        headers=EN,
    )
    assert response.status_code == 422
    assert "Write the number with the digits 0–9." in text_of(response)
    assert count(session, Organisation) == before
    session.expire_all()
    numbers = session.scalars(select(Organisation.org_number)).all()
    assert all(number.isascii() for number in numbers)


def test_an_sni_code_and_a_postcode_in_other_digits_get_the_same_message(client, market):
    client.login(market["seller"].email)
    firm = client.post("/firm/edit", {"name": "Sågen AB", "sni_code": "１６.１０１"}, headers=EN)
    assert firm.status_code == 422
    assert "Write the number with the digits 0–9." in text_of(firm)
    site = client.post(
        "/firm/sites/new",
        {"name": "Lager", "municipality_code": "2080", "postcode": "٧٩١ ٧١"},
        headers=EN,
    )
    assert site.status_code == 422
    assert "Write the number with the digits 0–9." in text_of(site)


# --- the one place --------------------------------------------------------------------------


def test_every_form_of_the_app_derives_from_the_base_form(app):
    """A form on FlaskForm directly would skip the normalisation (and this walk's reads)."""
    from flask_wtf import FlaskForm

    def subclasses(cls: type) -> set[type]:
        return {sub for child in cls.__subclasses__() for sub in (child, *subclasses(child))}

    ours = {c for c in subclasses(FlaskForm) if c.__module__.startswith("marketplace.")}
    assert len(ours) > 20  # every blueprint is imported by create_app
    assert {c.__qualname__ for c in ours if not issubclass(c, Form)} == set()


def test_passwords_reach_the_service_exactly_as_typed(make_client, session):
    """NFC or removing characters would change what a password hashes to (and it is never
    shown back), so a password is kept as typed: only the same code points sign in."""
    password = "Cafe\u0301-\x01-timmer-2026"
    user = UserFactory(email="exact@firm.example")
    client = make_client()
    client.login(user.email)
    response = client.post(
        "/account/password",
        {"current_password": "correct horse battery", "password": password,
         "password_confirm": password},
    )  # fmt: skip
    assert response.status_code == 303, text_of(response)[:1000]
    make_client().login(user.email, password)
    composed = make_client().post("/login", {"email": user.email, "password": "Café-timmer-2026"})
    assert composed.status_code == 422


def test_the_api_error_names_the_parameter(client):
    response = client.get("/api/v1/listings", query_string={"page": "²"})
    assert json.loads(response.get_data(as_text=True))["error"] == {
        "status": 400,
        "message": "page: must be a whole number from 1 to 1000000",
        "parameter": "page",
    }
