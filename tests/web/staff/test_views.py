"""Regional staff's pages on the demo data: the dashboard and its filters, drill-downs, exports
(also in the background), opportunities, introductions, moderation, notes and reminders, the
stats API and the public open data."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.demo.loader import load_demo
from marketplace.services.staff import stats
from models import Conversation, ExportJob, FirmNote, Listing, ListingReport, Organisation, User
from models.base import swedish_today
from tests.conftest import text_of
from tests.factories import UserFactory
from workers.context import use
from workers.jobs.maintenance import send_follow_ups

STAFF = "staff@demo.example"


@pytest.fixture
def demo(session):  # type: ignore[no-untyped-def]
    load_demo(session, production=False, today=swedish_today())
    return session


def sv(value: float, digits: int = 1) -> str:
    """As the pages show a number in Swedish (helpers.fmt_number)."""
    return format_decimal(
        Decimal(str(value)).normalize(), format="#,##0." + "#" * digits, locale="sv"
    )


def staff_client(make_client):  # type: ignore[no-untyped-def]
    client = make_client()
    client.login(STAFF, "demo-password-2026")
    return client


def test_dashboard_shows_realised_and_potential_apart_and_filters(make_client, demo):
    client = staff_client(make_client)
    page = text_of(client.get("/staff"))
    f = stats.StatsFilter(start=swedish_today() - timedelta(days=364), end=swedish_today())
    fig = stats.figures(demo, f)
    assert fig.realised.co2e_kg > 0 and fig.potential.co2e_kg > 0
    realised = page.split('id="realised"')[1].split("</dl>")[0]
    potential = page.split('id="potential"')[1].split("</dl>")[0]
    assert f"<dd>{sv(fig.realised.co2e_kg / 1000)} t</dd>" in realised
    assert f"<dd>{sv(fig.potential.co2e_kg / 1000)} t per år</dd>" in potential  # a state, per year
    assert "<svg" in page and 'class="chart chart-map"' in page
    # County 20 (Dalarna) and a category narrow the figures; the API agrees with the page.
    api = client.get("/api/v1/stats?county=20&category=steel_slag").get_json()
    narrowed = stats.figures(
        demo,
        stats.StatsFilter(start=f.start, end=f.end, county="20", category="steel_slag"),
    )
    assert api["realised"]["co2e_kg"] == pytest.approx(narrowed.realised.co2e_kg)
    assert api["realised"]["tonnes"] == pytest.approx(2000)
    assert 0 < api["realised"]["co2e_kg"] < fig.realised.co2e_kg
    assert api["potential"]["co2e_kg"] == pytest.approx(narrowed.potential.co2e_kg)
    assert api["filters"] == {"from": f.start.isoformat(), "to": f.end.isoformat(),
                              "county": "20", "category": "steel_slag"}  # fmt: skip
    filtered = text_of(client.get("/staff?county=20&category=steel_slag"))
    assert 'value="20" selected' in filtered and 'value="steel_slag" selected' in filtered
    bad = client.get("/api/v1/stats?from=yesterday")
    assert bad.status_code == 400 and bad.get_json()["error"]["parameter"] == "from"


def test_drill_downs_list_what_the_figures_count(make_client, demo):
    client = staff_client(make_client)
    f = stats.StatsFilter(start=swedish_today() - timedelta(days=364), end=swedish_today())
    offers = stats.drill_listings(demo, f, direction="offer")
    page = text_of(client.get("/staff/listings?direction=offer"))
    assert all(f'/listings/{item.id}"' in page for item in offers)
    delivered = text_of(client.get("/staff/deals?which=delivered"))
    for deal in stats.drill_deals(demo, f, which="delivered"):
        assert f'/deals/{deal.id}"' in delivered


@pytest.mark.parametrize("table", ["summary", "by_month", "by_category", "by_municipality",
                                   "listings", "deals"])  # fmt: skip
def test_every_table_exports_as_csv_xlsx_and_json(make_client, demo, table):
    client = staff_client(make_client)
    as_json = client.get(f"/staff/export/{table}.json").get_json()
    as_csv = client.get(f"/staff/export/{table}.csv")
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    rows = swedish_csv(as_csv)
    assert len(rows) == len(as_json["rows"]) > 0
    assert len(rows[0]) == len(as_json["rows"][0])
    as_xlsx = client.get(f"/staff/export/{table}.xlsx")
    assert as_xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(as_xlsx.get_data())).active
    cells = [[("" if c is None else c) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == list(rows[0])  # the same headers
    assert len(cells) - 1 == len(rows)
    for got, row in zip(cells[1:], rows, strict=True):  # the same rows, numbers as numbers
        assert [swedish_value(v) for v in row.values()] == [
            v if isinstance(v, str) else pytest.approx(v) for v in got
        ]


def swedish_csv(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """A CSV as Swedish Excel reads it: UTF-8 with a BOM, `;` between fields."""
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def swedish_value(text: str):  # type: ignore[no-untyped-def]
    """A cell as Swedish Excel takes it: "1 234,5" is a number, anything else text."""
    compact = text.replace("\xa0", "").replace("\u202f", "").replace(" ", "")
    if re.fullmatch(r"-?\d+(,\d+)?", compact):
        return float(compact.replace(",", "."))
    return text


def test_csv_exports_are_made_for_a_swedish_spreadsheet(make_client, demo):
    client = staff_client(make_client)
    rows = swedish_csv(client.get("/staff/export/by_category.csv"))
    assert "Kategori" in rows[0] and "Genomfört kg CO2e" in rows[0]
    categories = {row["Kategori"] for row in rows}
    assert "Stålslagg" in categories and "steel_slag" not in categories  # labels, not keys
    text = client.get("/staff/export/by_category.csv").get_data().decode("utf-8-sig")
    assert not re.search(r"\d\.\d", text), "no dot decimals in Swedish"
    assert re.search(r";\d{1,3}\xa0\d{3}[;,\r]", text), "no-break-space thousands"
    staff = demo.scalars(select(User).where(User.email == STAFF)).one()
    staff.locale = "en"  # the staff member switches the interface to English
    demo.flush()
    text = client.get("/staff/export/by_category.csv").get_data().decode("utf-8-sig")
    head = next(csv.reader(io.StringIO(text)))
    assert "Category" in head and "Steel slag" in text and not re.search(r"\d\xa0\d", text)


def test_long_exports_run_in_the_background_with_a_download(make_client, demo):
    client = staff_client(make_client)
    start = (swedish_today() - timedelta(days=3 * 365)).isoformat()
    response = client.get(f"/staff/export/listings.csv?from={start}")
    assert response.status_code == 303  # jobs run inline here, so it is already done
    job = demo.scalars(select(ExportJob)).one()
    assert (job.status, job.progress) == ("done", 100)
    page = text_of(client.get(response.headers["Location"]))
    assert f"/staff/exports/{job.id}/download" in page
    download = client.get(f"/staff/exports/{job.id}/download")
    rows = swedish_csv(download)
    download.close()
    published = demo.scalars(select(Listing).where(Listing.published_at.is_not(None))).all()
    assert len(rows) == job.rows == len(published)


def test_opportunities_and_an_introduction(make_client, demo, mailbox):
    client = staff_client(make_client)
    page = text_of(client.get("/staff/opportunities?radius_km=50"))
    bottom_ash = demo.scalars(
        select(Listing).where(Listing.title == "Slaggrus från avfallsförbränning")
    ).one()
    assert f'href="/listings/{bottom_ash.id}"' in page  # 12 000 t nobody nearby wants
    link = page.split('href="/staff/introduce?')[1].split('"')[0].replace("&amp;", "&")
    response = client.post(f"/staff/introduce?{link}", {"note": "Ni borde prata med varandra!"})
    assert response.status_code == 303, text_of(response)[:2000]
    conversation = demo.scalars(
        select(Conversation).where(Conversation.introduced_by_id.is_not(None))
    ).one()
    assert conversation.accepted_at is not None
    firms = {conversation.listing_org_id, conversation.inquirer_org_id}
    owners = demo.scalars(select(User).where(User.organisation_id.in_(firms))).all()
    for owner in owners:
        [email] = mailbox.messages(owner.email)
        assert "Ni borde prata med varandra!" in email["text"]
        assert f"/messages/{conversation.id}" in email["text"]
    assert "Ni borde prata" in text_of(client.get(response.headers["Location"]))


def test_moderation_unpublish_with_a_reason_the_firm_sees(make_client, demo, mailbox):
    client = staff_client(make_client)
    report = demo.scalars(select(ListingReport)).one()  # the demo's report
    assert report.reason[:20] in text_of(client.get("/staff/moderation"))
    listing = report.listing
    response = client.post(
        f"/staff/listings/{listing.id}/unpublish", {"reason": "Ange tillstånd för transporten."}
    )
    assert response.status_code == 303
    demo.refresh(listing)
    assert (listing.status, listing.moderation_reason) == (
        "closed",
        "Ange tillstånd för transporten.",
    )
    demo.refresh(report)
    assert report.resolved_at is not None
    owner = demo.scalars(
        select(User).where(User.organisation_id == listing.organisation_id)
    ).first()
    [email] = mailbox.messages(owner.email)
    assert "Ange tillstånd för transporten." in email["text"]
    firm = make_client()
    firm.login(owner.email, "demo-password-2026")
    assert "Ange tillstånd för transporten." in text_of(firm.get(f"/listings/{listing.id}"))
    # Without a reason nothing happens.
    other = demo.scalars(select(Listing).where(Listing.status == "published")).first()
    client.post(f"/staff/listings/{other.id}/unpublish", {"reason": " "})
    demo.refresh(other)
    assert other.status == "published"


def test_members_report_listings(make_client, demo):
    member = UserFactory()
    listing = demo.scalars(select(Listing).where(Listing.status == "published")).first()
    client = make_client()
    client.login(member.email)
    client.post(f"/listings/{listing.id}/report", {"reason": "Fel kategori."})
    assert (
        demo.scalars(select(ListingReport).where(ListingReport.reason == "Fel kategori."))
        .one()
        .listing_id
        == listing.id
    )


def test_notes_stay_with_staff_and_follow_ups_remind(make_client, demo, app, mailbox):
    client = staff_client(make_client)
    firm = demo.scalars(select(User).where(User.email == "seller@demo.example")).one()
    tomorrow = (swedish_today() + timedelta(days=1)).isoformat()
    response = client.post(
        f"/staff/firms/{firm.organisation_id}/notes",
        {"body": "Fråga om barken till Runn.", "follow_up_on": tomorrow},
    )
    assert response.status_code == 303
    assert "Fråga om barken till Runn." in text_of(
        client.get(f"/staff/firms/{firm.organisation_id}")
    )
    seller = make_client()
    seller.login(firm.email, "demo-password-2026")
    assert "Fråga om barken" not in text_of(seller.get("/firm"))
    assert seller.get(f"/staff/firms/{firm.organisation_id}").status_code == 403
    # The demo's own follow-up is due today: the reminder job emails its author once.
    with use(app.extensions["background"].inline_context()):
        assert send_follow_ups() == 1
        assert send_follow_ups() == 0
    [reminder] = mailbox.messages(STAFF)
    assert "Ornäs Biobränsle AB" in reminder["text"]
    note = demo.scalars(select(FirmNote).where(FirmNote.follow_up_on == swedish_today())).one()
    client.post(f"/staff/notes/{note.id}/done")
    demo.refresh(note)
    assert note.done_at is not None


def test_open_data_is_public_and_names_no_firm(make_client, demo):
    response = make_client().get("/open-data/municipality-category-month.json")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    firms = [name for (name,) in demo.execute(select(Organisation.name))]
    # The demo's firms are spread thin: no municipality, category and month has three firms,
    # so nothing may be published (tests/services/staff/test_exports_open_data.py covers filled
    # cells).
    assert json.loads(body)["rows"] == []
    assert not any(name in body for name in firms)
