"""The estimate page and `GET /api/v1/impact` under IMPACT.md's counterfactual rules, in both
languages: the worked example, the same pair sold today, every input, numbers as the reader
writes them."""

from __future__ import annotations

import re

import pytest

from tests.conftest import english_numbers, text_of, visible_text
from tests.web.impact.test_views import slag_pair  # noqa: F401  (fixture)

EN = {"Accept-Language": "en"}
SV = {"Accept-Language": "sv"}
WORKED = "quantity=1000&route=landfill&baseline_km=50&substitution=1&mode=truck&price=100"


def terms(page: str) -> dict[str, str]:
    """Each term row of the CO2e and cost tables: label -> figure (the Sum rows excluded)."""
    row = (
        r'<tr>\s*<th scope="row">([^<]+)</th>\s*<td>(?:(?!</tr>).)*?</td>'
        r'\s*<td class="num">([^<]+)</td>'
    )
    return dict(re.findall(row, page, re.S))


def number(text: str) -> float:
    """A figure as an English page writes it: comma thousands, dot decimals."""
    return float(text.strip().replace("\u2212", "-").replace(",", ""))


def test_the_scanner_finds_what_it_should():
    assert english_numbers("0.1252 kg and 1,848,000 SEK") == ["0.1252", "1,848,000"]
    assert english_numbers("0,1252 kg, 1 848 000 kr, 10 02 02, 2 dec. 2026, 0,775") == []
    assert english_numbers("69,300 kg") == ["69,300"]


def test_the_worked_example_on_the_page_and_through_the_api(client, slag_pair):  # noqa: F811
    offer, want = slag_pair
    page = text_of(client.get(f"/impact?offer={offer.id}&want={want.id}&{WORKED}", headers=EN))
    rows = terms(page)
    assert number(rows["Avoided disposal"]) == 1260
    assert number(rows["Material substitution"]) == 4570
    assert number(rows["Extra transport"]) == pytest.approx(-250.4, abs=0.1)
    assert number(rows["Avoided gate fee"]) == 790_000
    assert "Landfill gate fee including the landfill tax" in page
    assert "one-off" in page
    api = client.get(f"/api/v1/impact?offer={offer.id}&want={want.id}&{WORKED}").get_json()
    assert api["route"] == "landfill" and api["per"] == "once"
    assert api["terms"]["avoided_disposal"] == pytest.approx(1260)
    assert api["terms"]["material_substitution"] == pytest.approx(4570)
    assert api["co2e_kg"] == pytest.approx(5579.6, abs=0.1)  # 0.1252 unrounded: 5,580 in IMPACT.md
    assert api["sek_terms"]["avoided_gate_fee"] == pytest.approx(790_000)
    assert api["sek_terms"]["avoided_purchase"] == pytest.approx(100_000)
    # Everything given, except the freight price: the factor set's, listed as an assumption.
    assert [a["input"] for a in api["assumptions"]] == ["processing_kwh", "freight_sek_per_tkm"]


def test_the_same_pair_sold_today(client, slag_pair):  # noqa: F811
    offer, want = slag_pair
    query = WORKED.replace("route=landfill", "route=sold")
    page = text_of(client.get(f"/impact?offer={offer.id}&want={want.id}&{query}", headers=EN))
    rows = terms(page)
    assert number(rows["Avoided disposal"]) == 0
    assert number(rows["Material substitution"]) == 0
    assert number(rows["Avoided gate fee"]) == 0
    assert "moves the stream rather than saving a virgin input" in page
    assert "beyond the break-even distance" in page
    api = client.get(f"/api/v1/impact?offer={offer.id}&want={want.id}&{query}").get_json()
    assert api["route"] == "sold" and api["beyond_break_even"] is True
    assert api["co2e_kg"] == pytest.approx(-250.4, abs=0.1)
    assert api["terms"]["material_substitution"] == 0
    assert api["sek_terms"]["avoided_gate_fee"] == 0


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("quantity", "-1"),
        ("route", "other"),
        ("baseline_km", "abc"),
        ("substitution", "1.5"),
        ("substitution_today", "2"),
        ("mode", "road"),
        ("price", "-3"),
        ("freight_sek_per_tkm", "x"),
        ("aux_kwh", "-1"),
        ("processing_kwh", "nan"),
        ("heat_factor", "-2"),
    ],
)
def test_every_api_input_is_validated_with_a_400_naming_it(client, slag_pair, parameter, value):  # noqa: F811
    offer, want = slag_pair
    response = client.get(f"/api/v1/impact?offer={offer.id}&want={want.id}&{parameter}={value}")
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


def test_processing_and_freight_change_the_result(client, slag_pair):  # noqa: F811
    offer, want = slag_pair
    base = client.get(f"/api/v1/impact?offer={offer.id}&want={want.id}&{WORKED}").get_json()
    more = client.get(
        f"/api/v1/impact?offer={offer.id}&want={want.id}&{WORKED}"
        "&processing_kwh=10000&freight_sek_per_tkm=2"
    ).get_json()
    assert more["terms"]["processing"] == pytest.approx(-590)
    assert more["co2e_kg"] == pytest.approx(base["co2e_kg"] - 590)
    assert more["sek_terms"]["transport_cost"] == pytest.approx(
        -1000 * 2 * (40 * 1.3 - 50), rel=1e-3
    )
    assert "freight_sek_per_tkm" not in [a["input"] for a in more["assumptions"]]


def test_defaults_are_labelled_and_never_shown_as_the_users_input(client, slag_pair):  # noqa: F811
    offer, want = slag_pair
    page = text_of(client.get(f"/impact?offer={offer.id}&want={want.id}", headers=EN))
    assert "Defaults used (not your input)" in page
    assert "usual fate of this category in Sweden" in page
    quantity = re.search(r'<input[^>]*name="quantity"[^>]*>', page).group(0)
    assert 'value=""' in quantity or "value=" not in quantity  # empty: the default is a placeholder
    assert "placeholder=" in quantity


def test_the_swedish_page_writes_every_number_the_swedish_way(client, slag_pair):  # noqa: F811
    offer, want = slag_pair
    page = text_of(client.get(f"/impact?offer={offer.id}&want={want.id}&{WORKED}", headers=SV))
    text = visible_text(page)
    assert english_numbers(text) == [], english_numbers(text)[:10]
    assert "0,1252" in text  # the road factor in the factor table
    assert "790\xa0000" in text or "790\u202f000" in text
    assert "kr" in text
    english = visible_text(
        text_of(client.get(f"/impact?offer={offer.id}&want={want.id}&{WORKED}", headers=EN))
    )
    assert "0.1252" in english and "790,000" in english


def test_a_swedish_decimal_comma_is_read_as_a_decimal(client, slag_pair):  # noqa: F811
    offer, want = slag_pair
    api = client.get(f"/api/v1/impact?offer={offer.id}&want={want.id}&quantity=300,5").get_json()
    assert api["quantity"] == 300.5
    again = client.get(f"/api/v1/impact?offer={offer.id}&want={want.id}&quantity=300.5").get_json()
    assert again["quantity"] == 300.5


def test_organic_landfill_is_flagged_as_banned(client, session, slag_pair):  # noqa: F811
    offer, want = slag_pair
    offer.category = "wood_offcuts"
    want.category = "wood_offcuts"
    session.flush()
    page = text_of(
        client.get(f"/impact?offer={offer.id}&want={want.id}&route=landfill", headers=EN)
    )
    assert "Landfilling organic waste is banned in Sweden" in page
    calm = text_of(client.get(f"/impact?offer={offer.id}&want={want.id}", headers=EN))
    assert "Landfilling organic waste is banned in Sweden" not in calm


@pytest.fixture
def heat_pair(session, slag_pair):  # noqa: F811
    """Surplus heat offered 40 km from a district-heating network that wants it."""
    offer, want = slag_pair
    for listing in (offer, want):
        listing.kind, listing.category, listing.unit, listing.ewc_code = (
            "energy", "surplus_heat", "MWh", None,
        )  # fmt: skip
    session.flush()
    return offer, want


def test_a_heat_match_shows_the_heat_formula_and_asks_for_the_factor(client, heat_pair):
    offer, want = heat_pair
    page = text_of(client.get(f"/impact?offer={offer.id}&want={want.id}", headers=EN))
    assert "Enter the displaced heat production" in page
    assert "t CO2e avoided" not in page  # no figure until a factor exists
    assert 'name="heat_factor"' in page and 'name="aux_kwh"' in page
    assert 'name="route"' not in page and 'name="substitution"' not in page
    answered = text_of(
        client.get(
            f"/impact?offer={offer.id}&want={want.id}&quantity=1000&heat_factor=60&aux_kwh=10000",
            headers=EN,
        )
    )
    assert "ΔE = Q·EF_displaced_heat − E_aux·EF_el" in answered
    assert "E_baseline" not in answered
    rows = terms(answered)
    assert number(rows["Displaced heat production"]) == 60_000
    assert number(rows["Auxiliary electricity"]) == -590
    api = client.get(
        f"/api/v1/impact?offer={offer.id}&want={want.id}&quantity=1000&heat_factor=60"
    ).get_json()
    assert api["unit"] == "MWh" and api["route"] is None
    assert api["co2e_kg"] == pytest.approx(60_000)
