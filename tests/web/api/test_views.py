"""Radius and area search through the page and the JSON API; anonymous listings stay coarse."""

from __future__ import annotations

import json
import re

import pytest
from pyproj import Geod

from geo.boundaries import read_boundary_file
from geo.gazetteer import MUNICIPALITY_BY_CODE
from marketplace.services.listings.paging import Cursor
from marketplace.services.reference.boundaries import import_boundaries
from models.base import utcnow
from tests.conftest import SHARED_DATA, text_of
from tests.factories import ListingFactory, SiteFactory, UserFactory, copies_of

GEOD = Geod(ellps="GRS80")
FALUN = MUNICIPALITY_BY_CODE["2080"]
CENTRE = (15.6, 60.6)  # lon, lat of the acceptance query


def site_at(distance_km: float, bearing: float = 45.0, **kwargs):  # type: ignore[no-untyped-def]
    lon, lat, _ = GEOD.fwd(CENTRE[0], CENTRE[1], bearing, distance_km * 1000)
    return SiteFactory(lat=lat, lon=lon, **kwargs)


@pytest.fixture
def ring(session):  # type: ignore[no-untyped-def]
    """Listings just inside and just outside 30 km, plus ones that must never appear."""
    inside = [
        ListingFactory(site=site_at(d, b), title=f"in {d}")
        for d, b in ((0.5, 0), (12, 90), (29.99, 180), (29.9, 270))
    ]
    outside = [
        ListingFactory(site=site_at(d, b), title=f"out {d}")
        for d, b in ((30.01, 0), (45, 90), (120, 200))
    ]
    ListingFactory(site=site_at(5), title="draft", status="draft", published_at=None)
    ListingFactory(site=site_at(6), title="closed", status="closed")
    return inside, outside


def geodesic_km(feature) -> float:  # type: ignore[no-untyped-def]
    lon, lat = feature["geometry"]["coordinates"]
    return GEOD.inv(CENTRE[0], CENTRE[1], lon, lat)[2] / 1000


def test_api_radius_returns_exactly_the_listings_within_30_km(client, ring):
    inside, _outside = ring
    response = client.get("/api/v1/listings?lat=60.6&lon=15.6&radius_km=30")
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    assert data["type"] == "FeatureCollection" and data["total"] == len(inside)
    ids = [f["id"] for f in data["features"]]
    assert sorted(ids) == sorted(listing.id for listing in inside)
    distances = [f["properties"]["distance_km"] for f in data["features"]]
    assert distances == sorted(distances)
    for feature in data["features"]:
        assert (
            feature["geometry"]["type"] == "Point" and len(feature["geometry"]["coordinates"]) == 2
        )
        assert geodesic_km(feature) <= 30
        assert abs(geodesic_km(feature) - feature["properties"]["distance_km"]) < 0.001
        assert {
            "id",
            "direction",
            "kind",
            "title",
            "category",
            "ewc_code",
            "quantity",
            "unit",
            "municipality",
            "url",
        } <= set(feature["properties"])


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("lat=abc&lon=15.6&radius_km=30", "lat"),
        ("lat=60.6&lon=15.6&radius_km=-1", "radius_km"),
        ("lat=60.6&lon=15.6&radius_km=5000", "radius_km"),
        ("lat=60.6&radius_km=30", "lon"),
        ("lat=60.6&lon=15.6", "radius_km"),
        ("lat=10&lon=15.6&radius_km=3", "lat"),
        ("per_page=500", "per_page"),
        ("page=0", "page"),
        ("direction=sideways", "direction"),
        ("kind=gas", "kind"),
        ("municipality=9999", "municipality"),
        ("county=01", "county"),
        ("category=gold", "category"),
        ("area=1,2;3", "area"),
        ("area=15.5,60.5;15.7,60.5", "area"),
        ("lat=nan&lon=15.6&radius_km=3", "lat"),
        ("area=nan,60;15.2,60;15.1,60.1", "area"),
        ("area=15,60;16,60;16,61;15,61;15,60;15,60;" + ";".join(["15.5,60.5"] * 600), "area"),
    ],
)
def test_api_bad_parameters_give_400_naming_the_parameter(client, query, parameter):
    response = client.get(f"/api/v1/listings?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == parameter and error["message"]


def test_api_single_feature_and_404s(client, session):
    listing = ListingFactory()
    draft = ListingFactory(status="draft", published_at=None)
    feature = client.get(f"/api/v1/listings/{listing.id}").get_json()
    assert feature["type"] == "Feature" and feature["id"] == listing.id
    assert feature["properties"]["firm"] == listing.organisation.name
    for missing in (draft.id, 987654):
        response = client.get(f"/api/v1/listings/{missing}")
        assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_api_area_polygon(client, ring):
    inside, _ = ring
    # A small square around the centre holds only the 0.5 km listing.
    area = "15.58,60.59;15.62,60.59;15.62,60.61;15.58,60.61"
    data = client.get(f"/api/v1/listings?area={area}").get_json()
    assert [f["id"] for f in data["features"]] == [inside[0].id]


def test_anonymous_listing_never_reveals_site_or_firm(client, session):
    site = site_at(10, 300, name="Hemliga sågen", street="Dolda vägen 7", municipality_code="2080")
    listing = ListingFactory(site=site, visibility="anonymous", title="Anonymt spån")
    firm = listing.organisation.name
    exact = [f"{site.lat:.{n}f}" for n in (3, 4, 5, 6)] + [
        f"{site.lon:.{n}f}" for n in (3, 4, 5, 6)
    ]
    pages = [
        text_of(client.get(f"/listings/{listing.id}")),
        text_of(client.get("/listings?q=anonymt")),
        text_of(client.get("/listings/map?q=anonymt")),
        text_of(client.get(f"/api/v1/listings/{listing.id}")),
        text_of(client.get("/api/v1/listings?q=anonymt")),
        text_of(client.get("/api/v1/listings?lat=60.6&lon=15.6&radius_km=50")),
    ]
    for index, page in enumerate(pages):
        if index != 2:  # the map page draws its markers from the API
            assert "Anonymt spån" in page
        for secret in (firm, "Hemliga sågen", "Dolda vägen", *exact):
            assert secret not in page, secret
    feature = json.loads(pages[3])
    assert feature["geometry"]["coordinates"] == [FALUN.lon, FALUN.lat]
    assert feature["properties"]["firm"] is None


def test_anonymous_listing_is_found_at_its_coarse_point(client, session):
    site = site_at(10, 300, municipality_code="2080")  # 10 km from the centre, ~10 km from Falun
    listing = ListingFactory(site=site, visibility="anonymous")
    near_falun = client.get(f"/api/v1/listings?lat={FALUN.lat}&lon={FALUN.lon}&radius_km=1")
    assert [f["id"] for f in near_falun.get_json()["features"]] == [listing.id]


def test_search_within_km_of_my_site_sorted_by_distance(client, session, ring):
    user = UserFactory()
    home = SiteFactory(organisation=user.organisation, name="Hemma", lat=CENTRE[1], lon=CENTRE[0])
    client.login(user.email)
    page = text_of(
        client.get(f"/listings?near=site:{home.id}&radius_km=30", headers={"Accept-Language": "en"})
    )
    titles = re.findall(r'listings/\d+">(in [0-9.]+|out [0-9.]+)<', page)
    assert titles == ["in 0.5", "in 12", "in 29.9", "in 29.99"]
    assert "4 listings found" in page and "nearest first" in page
    assert "29.9 km" in page or "29,9 km" in page
    # Another firm's site cannot be used as a centre.
    other = SiteFactory()
    page = text_of(
        client.get(
            f"/listings?near=site:{other.id}&radius_km=30", headers={"Accept-Language": "en"}
        )
    )
    assert "were not understood" in page


def test_search_near_a_main_town_for_anonymous_visitors(client, ring):
    page = text_of(client.get("/listings?near=town:2080&radius_km=400"))
    assert "nearest first" in page or "närmast först" in page


def test_municipality_lookup_proposes_the_municipality(client, session):
    assert client.get("/api/v1/municipality?lat=60.6&lon=15.6").get_json() == {"municipality": None}
    import_boundaries(
        session, read_boundary_file(SHARED_DATA / "norra_mellansverige_kommuner.geojson")
    )
    assert client.get("/api/v1/municipality?lat=60.6&lon=15.6").get_json() == {
        "municipality": "2080"
    }
    # Karlstad's main town sits on Vänern's shore; snapping finds it anyway.
    karlstad = MUNICIPALITY_BY_CODE["1780"]
    data = client.get(f"/api/v1/municipality?lat={karlstad.lat}&lon={karlstad.lon}").get_json()
    assert data == {"municipality": "1780"}
    assert client.get("/api/v1/municipality?lat=52&lon=13").status_code == 400


def test_moving_a_site_moves_its_listings(client, session):
    user = UserFactory()
    site = SiteFactory(organisation=user.organisation)
    listing = ListingFactory(site=site)
    client.login(user.email)
    form = {"name": site.name, "municipality_code": "1780", "lat": "59.40500", "lon": "13.50600"}
    assert client.post(f"/firm/sites/{site.id}/edit", form).status_code == 303
    data = client.get("/api/v1/listings?lat=59.405&lon=13.506&radius_km=1").get_json()
    assert [f["id"] for f in data["features"]] == [listing.id]
    assert data["features"][0]["properties"]["municipality"] == "1780"


def test_api_text_search_ignores_accents(client):
    wanted = ListingFactory(title="Sågspån från hyvleriet")
    ListingFactory(title="Granbark")
    for q in ("sagspan", "Sågspån", "sågsp"):
        data = client.get(f"/api/v1/listings?q={q}").get_json()
        assert [f["properties"]["id"] for f in data["features"]] == [wanted.id]
        assert (data["total"], data["total_exact"], data["next"]) == (1, True, None)


def test_api_counts_to_a_bound_and_pages_on_by_cursor(client, session):
    copies_of(session, ListingFactory(title="Spån"), 1000)
    first = client.get("/api/v1/listings?per_page=200").get_json()
    assert (first["total"], first["total_exact"], first["pages"]) == (1000, False, 5)
    by_number = [
        f["properties"]["id"]
        for n in range(1, 6)
        for f in client.get(f"/api/v1/listings?per_page=200&page={n}").get_json()["features"]
    ]
    walked, data = [], first
    while True:
        walked += [f["properties"]["id"] for f in data["features"]]
        if data["next"] is None:
            break
        assert "after=" in data["next"] and "per_page=200" in data["next"]
        assert data["next_cursor"] in data["next"]
        data = client.get(data["next"]).get_json()
    assert walked[:1000] == by_number and len(walked) == len(set(walked)) == 1001
    assert data["page"] == 6 and data["prev"] and data["next_cursor"] is None
    back = client.get(data["prev"]).get_json()
    assert [f["properties"]["id"] for f in back["features"]] == by_number[800:]


@pytest.mark.parametrize(
    "query",
    [
        "after=garbage",
        "before=garbage",
        "after=%00",
        "after=" + "A" * 5000,
        "after=MTph",
        "after=MTphOjA6MToxOi0",  # page 0
    ],
)
def test_api_refuses_a_bad_cursor(client, query):
    response = client.get(f"/api/v1/listings?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == query.split("=")[0] and "cursor" in error["message"]


def test_api_refuses_a_cursor_of_another_ordering(client):
    ListingFactory(title="Spån")
    ranked = Cursor(page=2, published_at=utcnow(), id=1, relevance=0.5).encode()
    newest = Cursor(page=2, published_at=utcnow(), id=1).encode()
    for query in (
        f"after={ranked}",
        f"q=spån&after={newest}",
        f"after={newest}&lat=60.6&lon=15.6&radius_km=30",
        f"before={newest}",  # a forward cursor
    ):
        response = client.get(f"/api/v1/listings?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"]["parameter"] in ("after", "before")
