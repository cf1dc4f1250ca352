"""Factor set v1: every emission and cost factor of IMPACT.md, with unit, source and year.

Pure data. Material keys are `material.<impact_key>.<primary|closed_loop|reused|landfill>` and
exist only where IMPACT.md gives a value (a "–" there means the key is absent). District-heating
marginal production has no default on purpose: IMPACT.md says it is set per network by the user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from marketplace.services.errors import N_


@dataclass(frozen=True)
class FactorRecord:
    """One factor; `low`/`high` only where IMPACT.md gives a range."""

    key: str
    value: float
    unit: str
    source: str
    year: int
    low: float | None = None
    high: float | None = None
    note: str = ""


DEFAULT_VERSION_LABEL = "DESNZ 2025, IVL, Ei, Skatteverket, Karlstads Energi 2024"

_MATERIAL_USE = N_("DESNZ 2025 GHG conversion factors, Material use")
_WASTE_DISPOSAL = N_("DESNZ 2025 GHG conversion factors, Waste disposal")
_KG_T = "kg CO2e/t"
_STAGES = ("primary", "closed_loop", "reused", "landfill")
# Notes and sources are English msgids (N_): the web layer shows them in the reader's language.
_AGGREGATE_PROXY = N_(
    "also the proxy for ash, slag and foundry sand as aggregate (modelling choice)"
)
_WOOD_PROXY = N_(
    "also the proxy for sawdust and bark replacing wood fibre or fuel (modelling choice)"
)

# impact_key: (primary production, closed-loop source, re-used, landfill); None = "–" in IMPACT.md.
# fmt: off
_MATERIAL_ROWS: dict[str, tuple[float | None, float | None, float | None, float | None]] = {
    "steel_cans":            (2863.9,  1823.9, None,  8.98),
    "scrap_metal":           (3473.1,  1706.4, None,  8.98),
    "metals_construction":   (3824.1,  1638.7, None,  1.26),
    "aluminium":             (9115.9,  995.1,  None,  8.98),
    "wood":                  (269.5,   None,   38.5,  925.3),
    "paper_board":           (1199.7,  1098.1, None,  1164.5),
    "paper_board_mixed":     (1288.5,  1068.8, None,  1164.5),
    "plastics_average":      (3172.5,  1575.4, None,  8.98),
    "plastics_hdpe":         (3095.2,  1770.8, None,  8.98),
    "plastics_pet":          (3863.9,  2213.9, None,  8.98),
    "plastics_pp":           (2577.6,  1312.6, None,  8.98),
    "glass":                 (1402.8,  823.2,  None,  8.98),
    "concrete":              (118.8,   3.22,   None,  1.26),
    "aggregates":            (7.79,    3.22,   2.21,  1.26),
    "asphalt":               (39.2,    28.7,   1.74,  1.26),
    "bricks":                (241.8,   None,   None,  1.26),
    "plasterboard":          (120.0,   32.2,   None,  72.0),
    "soils":                 (None,    1.01,   None,  19.5),
    "insulation":            (1861.8,  1852.1, None,  1.26),
    "tyres":                 (3335.6,  None,   731.2, None),
    "textiles":              (22310.0, None,   152.2, 496.8),
    "food":                  (None,    None,   None,  700.3),
    "organic":               (None,    None,   None,  646.7),
    "commercial_industrial": (None,    None,   None,  520.5),
}
# fmt: on

_ROW_NOTES = {"aggregates": _AGGREGATE_PROXY, "wood": _WOOD_PROXY}


def _material_records() -> tuple[FactorRecord, ...]:
    records = []
    for impact_key, values in _MATERIAL_ROWS.items():
        for stage, value in zip(_STAGES, values, strict=True):
            if value is None:
                continue
            source = _WASTE_DISPOSAL if stage == "landfill" else _MATERIAL_USE
            note = _ROW_NOTES.get(impact_key, "")
            key = f"material.{impact_key}.{stage}"
            records.append(FactorRecord(key, value, _KG_T, source, 2025, note=note))
    return tuple(records)


_FREIGHTING = N_("DESNZ 2025 GHG conversion factors, Freighting goods (well-to-wheel)")
_KARLSTAD = N_("Karlstads Energi, Djupdalen gate fees 2024 (incl. landfill tax where landfilled)")

# fmt: off
_OTHER_RECORDS: tuple[FactorRecord, ...] = (
    FactorRecord(
        "transport.road", 0.1252, "kg CO2e/tkm", _FREIGHTING, 2025, low=0.0950, high=0.2088,
        note=N_(
            "HGV all, average laden; low: articulated >33 t, high: rigid >17 t (average laden)"
        ),
    ),
    FactorRecord(
        "transport.rail", 0.0347, "kg CO2e/tkm",
        N_("DESNZ 2025 GHG conversion factors, Freighting goods (well-to-wheel), rail freight"),
        2025,
    ),
    FactorRecord(
        "circuity", 1.3, "ratio",
        N_("Estimate from published road circuity factors 1.2–1.34"), 2025, low=1.2, high=1.34,
        note=N_("road km per straight-line km; 1.3 is a modelling default (no year published)"),
    ),
    FactorRecord(
        "electricity.nordic", 0.059, "kg CO2e/kWh",
        N_("IVL Swedish Environmental Research Institute, Nordic electricity mix"), 2023,
        note=N_("2021–23 average"),
    ),
    FactorRecord(
        "electricity.residual", 0.524, "kg CO2e/kWh",
        N_("Energimarknadsinspektionen (Ei), Nordic residual mix"), 2023,
    ),
    FactorRecord(
        "cost.landfill_tax", 744.0, "SEK/t", N_("Skatteverket, avfallsskatt (landfill tax)"), 2025,
        note=N_("634 SEK/t in 2023, 725 in 2024, indexed yearly; Karlstad gate fees include it"),
    ),
    FactorRecord("cost.gate_fee.sorted_business", 1800.0, "SEK/t", _KARLSTAD, 2024),
    FactorRecord("cost.gate_fee.unsorted", 2000.0, "SEK/t", _KARLSTAD, 2024),
    FactorRecord("cost.gate_fee.ash", 1410.0, "SEK/t", _KARLSTAD, 2024),
    FactorRecord("cost.gate_fee.slag", 790.0, "SEK/t", _KARLSTAD, 2024),
    FactorRecord("cost.gate_fee.gypsum", 2000.0, "SEK/t", _KARLSTAD, 2024),
    FactorRecord("cost.gate_fee.concrete", 970.0, "SEK/t", _KARLSTAD, 2024),
    FactorRecord("cost.gate_fee.wood_waste", 600.0, "SEK/t", _KARLSTAD, 2024),
    FactorRecord("cost.gate_fee.scrap", 400.0, "SEK/t", _KARLSTAD, 2024),
    FactorRecord("cost.gate_fee.excavation_soil", 860.0, "SEK/t", _KARLSTAD, 2024),
    FactorRecord("cost.gate_fee.foundry_sand", 550.0, "SEK/t", _KARLSTAD, 2024),
    FactorRecord(
        "cost.freight_road", 0.775, "SEK/tkm",
        N_("Estimate from a 2021 study of Swedish 60 t trucks at €1.61 per km"), 2021,
        low=0.45, high=1.1,
        note=N_(
            "central value is the midpoint of 0.45–1.1 (a modelling choice); "
            "excludes the fixed handling cost per trip"
        ),
    ),
)
# fmt: on

DEFAULT_FACTORS: tuple[FactorRecord, ...] = _material_records() + _OTHER_RECORDS

DEFAULT_FACTORS_BY_KEY: Mapping[str, FactorRecord] = MappingProxyType(
    {record.key: record for record in DEFAULT_FACTORS}
)

LANDFILL_TAX = "cost.landfill_tax"

# (category key, today's route) -> gate-fee factor key, only where the Karlstad list has a row
# for that route (IMPACT.md): its landfill prices include the landfill tax; wood waste is
# received for energy recovery. A landfill fee below the tax is a tax-exempt use and is not
# counted (impact_cost). Sawdust and bark are sold as fuel, not delivered against a fee; scrap
# (400 SEK/t, received for recycling) is a stream firms sell, so no route avoids a fee for it;
# mill scale is not scrap.
GATE_FEES: dict[tuple[str, str], str] = {
    ("bottom_ash", "landfill"): "cost.gate_fee.ash",
    ("fly_ash", "landfill"): "cost.gate_fee.ash",
    ("steel_slag", "landfill"): "cost.gate_fee.slag",
    ("gypsum", "landfill"): "cost.gate_fee.gypsum",
    ("concrete", "landfill"): "cost.gate_fee.concrete",
    ("soil_stone", "landfill"): "cost.gate_fee.excavation_soil",
    ("foundry_sand", "landfill"): "cost.gate_fee.foundry_sand",
    ("wood_offcuts", "incineration"): "cost.gate_fee.wood_waste",
    ("wood_packaging", "incineration"): "cost.gate_fee.wood_waste",
}

# Categories whose impact_key row stands in for a different material (IMPACT.md "Proxies"):
# ash, slag and foundry sand as aggregate, sawdust and bark as wood. Nothing else.
PROXY_CATEGORIES: frozenset[str] = frozenset(
    {"bottom_ash", "fly_ash", "steel_slag", "foundry_sand", "sawdust", "bark"}
)

# What usually happens to a category's stream in Sweden today: the default route an offer is
# estimated with until its seller states one, always shown as an assumption. Organic streams
# are never landfilled (banned in Sweden since 2005, Förordning 2001:512 om deponering av
# avfall); by-products with a market price (sawdust and bark as fuel, scrap, turnings, paper
# for recycling, mill scale) are sold. Categories without a CO2e estimate need no entry.
USUAL_ROUTES: dict[str, str] = {
    "sawdust": "sold",
    "bark": "sold",
    "wood_offcuts": "incineration",
    "wood_packaging": "incineration",
    "paper_board": "sold",
    "fibre_sludge": "incineration",
    "green_liquor_sludge": "landfill",
    "lime_mud": "landfill",
    "bottom_ash": "landfill",
    "fly_ash": "landfill",
    "steel_slag": "landfill",
    "mill_scale": "sold",
    "ferrous_metal": "sold",
    "nonferrous_metal": "sold",
    "foundry_sand": "landfill",
    "concrete": "landfill",
    "gypsum": "landfill",
    "soil_stone": "landfill",
    "aggregates": "sold",
    "asphalt": "sold",
    "plastics": "incineration",
    "glass": "sold",
    "textiles": "incineration",
    "tyres_rubber": "sold",
    "insulation": "landfill",
    "food_byproducts": "sold",
    "organic": "incineration",
    "chemicals": "incineration",
    "other_material": "incineration",
}
ORGANIC_CATEGORIES: frozenset[str] = frozenset(
    {"sawdust", "bark", "wood_offcuts", "wood_packaging", "paper_board", "fibre_sludge",
     "food_byproducts", "organic"}
)  # fmt: skip


def usual_route(category: str) -> str:
    """The category's usual fate in Sweden; "unknown" where none can be named."""
    return USUAL_ROUTES.get(category, "unknown")


# The displaced-heat factor of a receiving district-heating network: a factor keyed by the
# municipality the network serves. Version 1 holds none: no marginal-production factor for any
# of the region's networks has been published that we could cite (the networks' published
# miljövärden are averages and must not be used, IMPACT.md), so the estimate asks the user.
# Administrators add a network's factor, with its source and year, in a new factor set.
HEAT_NETWORK_PREFIX = "heat.marginal."


def heat_network_key(municipality_code: str | None) -> str | None:
    return f"{HEAT_NETWORK_PREFIX}{municipality_code}" if municipality_code else None
