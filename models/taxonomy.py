"""Classification: the European List of Waste, material categories, units.

The List of Waste (EWC) itself is reference data loaded by `taxonomy import-ewc`; the
curated codes, chapter and sub-chapter headings live in `models.ewc_reference`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class EwcCode(Base):
    """One six-digit entry of the List of Waste (Commission Decision 2000/532/EC as amended)."""

    __tablename__ = "ewc_codes"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    chapter: Mapped[str] = mapped_column(String(2), index=True)
    sub_chapter: Mapped[str] = mapped_column(String(4))
    description_en: Mapped[str] = mapped_column(Text)
    description_sv: Mapped[str | None] = mapped_column(Text)
    is_hazardous: Mapped[bool] = mapped_column(Boolean)
    is_mirror: Mapped[bool] = mapped_column(Boolean)
    is_common: Mapped[bool] = mapped_column(Boolean, default=False)

    def description(self, locale: str) -> str:
        if locale == "sv" and self.description_sv:
            return self.description_sv
        return self.description_en

    @property
    def display_code(self) -> str:
        return format_ewc(self.code, hazardous=self.is_hazardous)


_EWC_INPUT = re.compile(r"^\s*([0-9]{2})\s*([0-9]{2})\s*([0-9]{2})\s*(\*?)\s*$")


def normalise_ewc(raw: str) -> str | None:
    """'03 01 05', '030105', '16 01 04*' -> six digits; None when not code-shaped."""
    match = _EWC_INPUT.match(raw or "")
    return "".join(match.groups()[:3]) if match else None


def format_ewc(code: str, *, hazardous: bool = False) -> str:
    return f"{code[0:2]} {code[2:4]} {code[4:6]}" + ("*" if hazardous else "")


# --- resource kinds, units and recurrence -------------------------------------------------

KINDS = ("material", "energy", "capacity")
DIRECTIONS = ("offer", "want")

UNITS: dict[str, tuple[str, str]] = {
    # key: (English label, Swedish label)
    "t": ("tonnes", "ton"),
    "kg": ("kg", "kg"),
    "m3": ("m³", "m³"),
    "MWh": ("MWh", "MWh"),
    "kW": ("kW", "kW"),
    "m2": ("m²", "m²"),
    "pallet_places": ("pallet places", "pallplatser"),
    "hours": ("hours", "timmar"),
    "pieces": ("pieces", "styck"),
}

KIND_UNITS: dict[str, tuple[str, ...]] = {
    "material": ("t", "kg", "m3", "pieces"),
    "energy": ("MWh", "kW"),
    "capacity": ("m2", "pallet_places", "hours", "t", "pieces"),
}

RECURRENCES = ("once", "week", "month", "year")
# Periods per year of a recurring quantity (a one-off lot counts once): IMPACT.md, "per year".
PER_YEAR: dict[str, int] = {"once": 1, "week": 52, "month": 12, "year": 1}
# What happens to an offered stream today (IMPACT.md, "Counterfactual rules").
CURRENT_ROUTES = ("landfill", "incineration", "sold", "unknown")
PRICE_MODELS = ("price", "free", "negotiable", "fee")
VISIBILITIES = ("public", "anonymous")
STATUSES = ("draft", "published", "reserved", "closed", "expired")
SEASONALITIES = ("all_year", "heating_season", "summer", "varies")
CAPACITY_TYPES = ("storage", "transport", "machine_time")


def tonnes(quantity: float, unit: str, density_t_per_m3: float | None = None) -> float | None:
    """Mass in tonnes for mass-like units; None when the unit is not a mass."""
    if unit == "t":
        return quantity
    if unit == "kg":
        return quantity / 1000.0
    if unit == "m3" and density_t_per_m3:
        return quantity * density_t_per_m3
    return None


# --- material categories -------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    """A plain-language material category; `impact_key` names a factor row of IMPACT.md."""

    key: str
    kind: str
    en: str
    sv: str
    impact_key: str | None  # None: no defensible CO2e estimate for this category

    def label(self, locale: str) -> str:
        return self.sv if locale == "sv" else self.en


# impact_key values are the DESNZ 2025 "Material use"/"Waste disposal" rows of IMPACT.md;
# ash, slag and foundry sand use the aggregates rows and sawdust/bark the wood row as proxies;
# only the proxies IMPACT.md lists (mill scale is not steel scrap: no defensible factor).
# fmt: off
CATEGORIES: tuple[Category, ...] = (
    Category("sawdust", "material", "Sawdust, shavings and chips", "Sågspån, kutterspån och flis", "wood"),
    Category("bark", "material", "Bark", "Bark", "wood"),
    Category("wood_offcuts", "material", "Wood off-cuts and waste wood", "Träspill och returträ", "wood"),
    Category("wood_packaging", "material", "Wooden pallets and packaging", "Träpall och träemballage", "wood"),
    Category("paper_board", "material", "Paper and cardboard", "Papper och kartong", "paper_board_mixed"),
    Category("fibre_sludge", "material", "Fibre and filler sludge", "Fiber- och fyllmedelsslam", None),
    Category("green_liquor_sludge", "material", "Green liquor sludge", "Grönlutslam", None),
    Category("lime_mud", "material", "Lime mud", "Mesa (kalkslam)", None),
    Category("bottom_ash", "material", "Bottom ash and boiler slag", "Bottenaska och pannslagg", "aggregates"),
    Category("fly_ash", "material", "Fly ash", "Flygaska", "aggregates"),
    Category("steel_slag", "material", "Steel slag", "Stålslagg", "aggregates"),
    Category("mill_scale", "material", "Mill scale", "Glödskal", None),  # not steel scrap (IMPACT.md)
    Category("ferrous_metal", "material", "Ferrous scrap and turnings", "Järnskrot och svarvspån", "scrap_metal"),
    Category("nonferrous_metal", "material", "Aluminium and other non-ferrous metals", "Aluminium och andra icke-järnmetaller", "aluminium"),
    Category("foundry_sand", "material", "Used foundry sand", "Använd gjutsand", "aggregates"),
    Category("concrete", "material", "Concrete and masonry", "Betong och tegel", "concrete"),
    Category("gypsum", "material", "Gypsum and plasterboard", "Gips och gipsskivor", "plasterboard"),
    Category("soil_stone", "material", "Soil and stones", "Jord och sten", "soils"),
    Category("aggregates", "material", "Gravel, sand and crushed rock", "Grus, sand och krossberg", "aggregates"),
    Category("asphalt", "material", "Asphalt", "Asfalt", "asphalt"),
    Category("plastics", "material", "Plastics", "Plast", "plastics_average"),
    Category("glass", "material", "Glass", "Glas", "glass"),
    Category("textiles", "material", "Textiles", "Textil", "textiles"),
    Category("tyres_rubber", "material", "Tyres and rubber", "Däck och gummi", "tyres"),
    Category("insulation", "material", "Insulation", "Isolering", "insulation"),
    Category("food_byproducts", "material", "Food and feed by-products", "Biprodukter från livsmedel och foder", "food"),
    Category("organic", "material", "Other organic and garden waste", "Annat organiskt avfall", "organic"),
    Category("chemicals", "material", "Chemicals, oils and solvents", "Kemikalier, oljor och lösningsmedel", None),
    Category("other_material", "material", "Other material", "Annat material", "commercial_industrial"),
    Category("surplus_heat", "energy", "Surplus heat", "Restvärme", "heat"),
    Category("process_steam", "energy", "Steam and process heat", "Ånga och processvärme", "heat"),
    Category("cooling", "energy", "Cooling", "Kyla", None),
    Category("storage", "capacity", "Storage space", "Lagerutrymme", None),
    Category("transport", "capacity", "Transport capacity", "Transportkapacitet", None),
    Category("machine_time", "capacity", "Machine time", "Maskintid", None),
)
# fmt: on

CATEGORY_BY_KEY: dict[str, Category] = {c.key: c for c in CATEGORIES}


def categories_for(kind: str) -> tuple[Category, ...]:
    return tuple(c for c in CATEGORIES if c.kind == kind)
