"""Matches with estimates on the listing page, "How we calculated this", stored estimates and
publishing a new factor set through the UI."""

from __future__ import annotations

import re

import pytest
from pyproj import Geod
from sqlalchemy import func, select

from marketplace.services.impact.factors import current_set, load_defaults, to_csv
from marketplace.services.reference.taxonomy import seed_common_codes
from models.impact import FactorSet, StoredEstimate
from tests.conftest import text_of, without_tokens
from tests.factories import ListingFactory, SiteFactory, UserFactory

GEOD = Geod(ellps="GRS80")
EN = {"Accept-Language": "en"}


def site_km_from_falun(km: float, **kwargs):  # type: ignore[no-untyped-def]
    lon, lat, _ = GEOD.fwd(15.603, 60.605, 90, km * 1000)
    return SiteFactory(lat=lat, lon=lon, **kwargs)


@pytest.fixture
def slag_pair(session):  # type: ignore[no-untyped-def]
    """The worked example of IMPACT.md: EAF slag 40 km from an asphalt plant wanting aggregate."""
    seed_common_codes(session)
    load_defaults(session)
    offer = ListingFactory(
        site=site_km_from_falun(0),
        category="steel_slag",
        ewc_code="100202",
        quantity=25000,
        remaining_quantity=25000,
        title="EAF slag",
    )
    want = ListingFactory(
        site=site_km_from_falun(40),
        direction="want",
        category="aggregates",
        quantity=15000,
        remaining_quantity=15000,
        title="Aggregate wanted",
    )
    return offer, want


def test_listing_page_shows_ranked_matches_with_estimates(client, slag_pair):
    offer, want = slag_pair
    page = text_of(client.get(f"/listings/{offer.id}", headers=EN))
    assert "Possible matches" in page and "Aggregate wanted" in page
    assert "40 km away" in page or "40.0 km away" in page
    assert "t CO2e avoided" in page
    assert f"/impact?offer={offer.id}&amp;want={want.id}" in page


def test_worked_example_on_the_page_adds_up(client, slag_pair):
    offer, want = slag_pair
    url = (
        f"/impact?offer={offer.id}&want={want.id}&quantity=1000&route=landfill"
        "&baseline_km=50&substitution=1&mode=truck&price=0"
    )
    page = text_of(client.get(url, headers=EN))
    assert "not figures for a greenhouse-gas inventory" in page
    rows = dict(
        re.findall(r'<th scope="row">([^<]+)</th>.*?<td class="num">([^<]+)</td>', page, re.S)
    )
    values = {
        k: float(v.replace(",", ""))
        for k, v in rows.items()
        if k in ("Avoided disposal", "Material substitution", "Extra transport", "Processing")
    }
    assert values["Avoided disposal"] == 1260.0
    assert values["Material substitution"] == 4570.0
    assert values["Extra transport"] == pytest.approx(-250.4, abs=0.2)
    co2e_sum = re.search(r"CO2e terms.*?<tfoot>.*?<strong>([^<]+)</strong>", page, re.S).group(1)
    assert float(co2e_sum.replace(",", "")) == pytest.approx(sum(values.values()), abs=0.1)
    for factor in (
        "material.aggregates.primary",
        "material.aggregates.closed_loop",
        "material.aggregates.landfill",
        "transport.road",
        "circuity",
    ):
        assert f'id="factor-{factor}"' in page
    assert "DESNZ 2025" in page and "2025" in page


def test_the_page_in_swedish(client, slag_pair):
    offer, want = slag_pair
    page = text_of(
        client.get(f"/impact?offer={offer.id}&want={want.id}", headers={"Accept-Language": "sv"})
    )
    assert "Så har vi räknat" in page
    assert "Faktorer" in page or "faktor" in page


def test_bad_inputs_are_explained_and_nothing_breaks(client, slag_pair):
    offer, want = slag_pair
    for query in ("quantity=-5", "substitution=3", "route=moon", "quantity=abc", "mode=plane"):
        response = client.get(f"/impact?offer={offer.id}&want={want.id}&{query}", headers=EN)
        page = text_of(response)
        # The inputs are shown again with the error; no result is shown while one is invalid.
        assert response.status_code == 422, query
        assert 'class="error"' in page and "Correct the inputs marked" in page
        assert "t CO2e avoided" not in page
    assert client.get(f"/impact?offer={want.id}&want={offer.id}").status_code == 404
    assert client.get("/impact?offer=x&want=y").status_code == 404


def test_stored_estimates_keep_their_factor_set_when_a_new_one_is_published(
    client, make_client, session, slag_pair
):
    offer, want = slag_pair
    user = UserFactory(email="analyst@firm.example")
    client.login(user.email)
    query = {
        "offer": offer.id,
        "want": want.id,
        "quantity": "1000",
        "route": "landfill",
        "baseline_km": "50",
    }
    response = client.post("/impact/save", query)
    assert response.status_code == 303
    saved_url = response.headers["Location"]
    client.get(saved_url)  # shows (and so clears) the "saved" message
    before = text_of(client.get(saved_url, headers=EN))

    admin = UserFactory(
        email="admin@region.example", organisation=None, org_role=None, is_admin=True
    )
    admin_client = make_client()
    admin_client.login(admin.email)
    csv_text = to_csv(current_set(session)).replace("transport.road,0.1252", "transport.road,0.2")
    response = admin_client.post(
        "/admin/factors/new", {"label": "Heavier trucks", "factors_csv": csv_text}
    )
    assert response.status_code == 303
    assert session.scalar(select(func.max(FactorSet.version))) == 2

    after = text_of(client.get(saved_url, headers=EN))
    assert without_tokens(after) == without_tokens(before)  # the stored estimate is unchanged
    stored = session.scalars(select(StoredEstimate)).one()
    assert stored.factor_set.version == 1
    fresh = client.get(f"/api/v1/impact?offer={offer.id}&want={want.id}&quantity=1000").get_json()
    assert fresh["factor_set"] == 2


def test_publishing_a_broken_factor_set_changes_nothing(make_client, session, slag_pair):
    admin = UserFactory(
        email="admin2@region.example", organisation=None, org_role=None, is_admin=True
    )
    browser = make_client()
    browser.login(admin.email)
    for csv_text, message in (
        ("key,value\ncircuity,1.3", "lacks the columns"),
        ("key,value,unit,source,year\ncircuity,abc,ratio,x,2025", "must be a number"),
        ("key,value,unit,source,year\ncircuity,1.3,ratio,x,2025", "Required factors are missing"),
    ):
        response = browser.post(
            "/admin/factors/new", {"label": "x", "factors_csv": csv_text}, headers=EN
        )
        assert response.status_code == 422 and message in text_of(response)
    assert session.scalar(select(func.count()).select_from(FactorSet)) == 1


def test_api_impact_terms_add_up(client, slag_pair):
    offer, want = slag_pair
    data = client.get(f"/api/v1/impact?offer={offer.id}&want={want.id}&quantity=1000").get_json()
    assert sum(data["terms"].values()) == pytest.approx(data["co2e_kg"])
    assert data["co2e_low_kg"] <= data["co2e_kg"] <= data["co2e_high_kg"]
    assert data["terms"]["material_substitution"] == pytest.approx(4570)
    assert client.get(f"/api/v1/impact?offer={offer.id}&want=abc").status_code == 400
    matches = client.get(f"/api/v1/listings/{offer.id}/matches").get_json()
    [first] = matches["features"]
    assert first["properties"]["listing_id"] == want.id
    impact = first["properties"]["impact"]
    assert sum(impact["terms"].values()) == pytest.approx(impact["co2e_kg"])
    assert impact["factor_set"] == 1 and first["properties"]["explanation"]
