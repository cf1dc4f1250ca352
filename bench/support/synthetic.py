"""Generated data every bench script draws on: towns and population-weighted points, the
region's material streams with their EWC codes, firms, users and sites."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod

from geo.crs import to_sweref_arrays
from models.ewc_reference import COMMON_CODES
from support import ROOT

TATORTER_CSV = ROOT.parent / "shared" / "data" / "norra_mellansverige_tatorter_2020.csv"
BASE_SPREAD_M, SPREAD_PER_SQRT_INHABITANT_M, MAX_SPREAD_M = 3_000.0, 20.0, 40_000.0
GEOD = Geod(ellps="GRS80")
OFFER_SHARE = 0.6
EWC_SHARE = {True: 0.6, False: 0.3}  # offers / wants of material streams that carry a code
HAZARDOUS_SHARE = 0.04  # offers (and wants) of streams that have a hazardous code

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


# --- towns and points ----------------------------------------------------------------------


@dataclass(frozen=True)
class Towns:
    lon: FloatArray
    lat: FloatArray
    population: FloatArray
    municipality: list[str]  # kommunkod of every tätort


def load_towns(path: Path = TATORTER_CSV) -> Towns:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return Towns(
        lon=np.array([float(r["lon"]) for r in rows]),
        lat=np.array([float(r["lat"]) for r in rows]),
        population=np.array([float(r["befolkning_2020"]) for r in rows]),
        municipality=[r["kommunkod"] for r in rows],
    )


def clustered(towns: Towns, n: int, seed: int) -> tuple[FloatArray, FloatArray, IntArray]:
    """A town with probability ∝ population, then a random bearing and exponential distance;
    (lon, lat, index of the town)."""
    rng = np.random.default_rng(seed)
    town = rng.choice(len(towns.population), size=n, p=towns.population / towns.population.sum())
    mean_m = BASE_SPREAD_M + SPREAD_PER_SQRT_INHABITANT_M * np.sqrt(towns.population[town])
    dist_m = np.minimum(rng.exponential(mean_m), MAX_SPREAD_M)
    bearing = rng.uniform(0.0, 360.0, size=n)
    lon, lat, _ = GEOD.fwd(towns.lon[town], towns.lat[town], bearing, dist_m)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64), town


def clustered_lonlat(towns: Towns, n: int, seed: int) -> tuple[FloatArray, FloatArray]:
    lon, lat, _ = clustered(towns, n, seed)
    return lon, lat


@dataclass(frozen=True)
class Points:
    """Generated locations in WGS 84 and SWEREF 99 TM."""

    lon: FloatArray
    lat: FloatArray
    x: FloatArray
    y: FloatArray

    @classmethod
    def at(cls, lon: FloatArray, lat: FloatArray) -> Points:
        x, y = to_sweref_arrays(lon, lat)
        return cls(lon, lat, np.asarray(x, np.float64), np.asarray(y, np.float64))


def clustered_points(towns: Towns, n: int, seed: int) -> Points:
    return Points.at(*clustered_lonlat(towns, n, seed))


# --- streams -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    """A category as it occurs in the region, with the EWC codes its listings carry."""

    category: str
    weight: float
    codes: tuple[str, ...] = ()
    hazardous_code: str | None = None
    kind: str = "material"


STREAMS = (
    Stream("sawdust", 14, ("030105",)),
    Stream("bark", 10, ("030101", "030301")),
    Stream("wood_offcuts", 9, ("030105", "170201", "191207"), "030104"),
    Stream("wood_packaging", 3, ("150103",)),
    Stream("steel_slag", 5, ("100202", "100201", "100903")),
    Stream("bottom_ash", 6, ("100101", "190112"), "190111"),
    Stream("fly_ash", 6, ("100103", "100102", "100117"), "100104"),
    Stream("aggregates", 8),
    Stream("foundry_sand", 3, ("100908", "100906")),
    Stream("concrete", 6, ("170101", "170102")),
    Stream("ferrous_metal", 6, ("120101", "120102", "170405")),
    Stream("mill_scale", 3, ("100210",)),
    Stream("food_byproducts", 5, ("020304", "020704", "020701")),
    Stream("organic", 4, ("200201",)),
    Stream("lime_mud", 3, ("030309",)),
    Stream("green_liquor_sludge", 2, ("030302",)),
    Stream("fibre_sludge", 3, ("030310",)),
    Stream("soil_stone", 4, ("170504",), "170503"),
    Stream("asphalt", 2, ("170302",)),
    Stream("surplus_heat", 5, kind="energy"),
    Stream("process_steam", 1, kind="energy"),
)
STREAM_INDEX = {s.category: i for i, s in enumerate(STREAMS)}
EWC = {c.code: c for c in COMMON_CODES}
assert all(c in EWC for s in STREAMS for c in (*s.codes, s.hazardous_code) if c)


def draw_streams(rng: np.random.Generator, n: int) -> tuple[BoolArray, IntArray]:
    """(offer?, index into STREAMS) for n listings, streams by their weight."""
    offer = rng.random(n) < OFFER_SHARE
    weights = np.array([s.weight for s in STREAMS])
    stream = rng.choice(len(STREAMS), size=n, p=weights / weights.sum()).astype(np.int64)
    return offer, stream


def draw_codes(rng: np.random.Generator, offer: BoolArray, stream: IntArray) -> list[str | None]:
    """A common code on part of the material listings; a hazardous one on a few of them."""
    codes: list[str | None] = []
    for is_offer, s, u, v, w in zip(
        offer.tolist(), stream.tolist(), *rng.random((3, len(offer))).tolist(), strict=True
    ):
        info = STREAMS[s]
        if info.hazardous_code and u < HAZARDOUS_SHARE:
            codes.append(info.hazardous_code)
        elif info.codes and v < EWC_SHARE[is_offer]:
            codes.append(info.codes[int(w * len(info.codes))])
        else:
            codes.append(None)
    return codes


def code_flags(code: str | None) -> tuple[bool, bool]:
    """(is_hazardous, needs_assessment) of a listing with this EWC code."""
    entry = EWC.get(code or "")
    return bool(entry and entry.hazardous), bool(entry and entry.mirror)


# --- reference rows, firms, users, sites ---------------------------------------------------


def ewc_code_rows() -> list[dict[str, Any]]:
    """The curated EWC codes, as rows of `ewc_codes`."""
    return [
        {"code": c.code, "chapter": c.code[:2], "sub_chapter": c.code[:4], "description_en": c.en,
         "description_sv": c.sv, "is_hazardous": c.hazardous, "is_mirror": c.mirror,
         "is_common": True}
        for c in COMMON_CODES
    ]  # fmt: skip


def org_number(org_id: int) -> str:
    """A unique, well-formed NNNNNN-NNNN for every id below 4.5 million."""
    return f"{550_000 + org_id // 10_000:06d}-{org_id % 10_000:04d}"


def organisation_rows(count: int, created_at: datetime, **columns: list[Any]) -> list[dict]:
    """Firms 1..count ("Bänkbolag N AB"); `columns` adds a value list per further column."""
    return [
        {"id": o, "name": f"Bänkbolag {o} AB", "org_number": org_number(o),
         "created_at": created_at, **{k: v[o - 1] for k, v in columns.items()}}
        for o in range(1, count + 1)
    ]  # fmt: skip


SITE_COLUMNS = (
    "id", "organisation_id", "name", "lat", "lon", "x", "y", "may_receive_hazardous",
    "has_waste_permit", "created_at",
)  # fmt: skip
LISTING_COLUMNS = (  # of listings with a municipality; the scripts add or drop columns
    "id", "organisation_id", "site_id", "direction", "kind", "category", "ewc_code",
    "is_hazardous", "needs_assessment", "title", "description", "quantity", "unit", "recurrence",
    "available_until", "remaining_quantity", "price_model", "visibility", "status", "lat", "lon",
    "x", "y", "cell", "municipality_code", "county_code", "search_text", "published_at",
    "created_at", "updated_at",
)  # fmt: skip
USER_COLUMNS = (
    "id", "email", "name", "password_hash", "organisation_id", "org_role", "is_staff", "is_admin",
    "active", "email_verified_at", "locale", "alerts_muted", "session_token", "created_at",
)  # fmt: skip


def user_row(user_id: int, org: int, owner: bool, now: datetime) -> tuple[Any, ...]:
    """A verified user in `USER_COLUMNS` order (two thirds Swedish, one third English)."""
    return (
        user_id, f"user{user_id}@bench.example", f"Person {user_id}", "not-a-password-hash", org,
        "owner" if owner else "member", False, False, True, now,
        "sv" if user_id % 3 else "en", False, f"token-{user_id}", now,
    )  # fmt: skip
