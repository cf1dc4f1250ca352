"""The generated market: firms, sites and listings (rows for SQLAlchemy Core inserts)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from support import synthetic

from dashboard_parts.common import DATA_SEED, YEARS, Sizes
from dashboard_parts.trade import _choice, _decimal, make_potentials, make_trade
from geo.crs import to_sweref_arrays
from geo.gazetteer import MUNICIPALITIES
from geo.grid import cell_of
from models.taxonomy import CATEGORY_BY_KEY

# Firms' SNI 2007 codes (five digits) with weights: the region's industry (sawmills, pulp and
# paper, steel, foundries, food, energy, waste, construction, forestry, haulage, trade).
SNI_CODES: tuple[tuple[str, float], ...] = (
    ("16101", 10), ("16211", 3), ("16231", 3), ("17111", 2), ("17121", 3), ("17211", 2),
    ("24101", 2), ("24200", 1), ("24510", 2), ("25110", 5), ("25620", 4), ("28300", 3),
    ("10110", 2), ("10710", 2), ("10910", 1), ("11050", 1), ("22210", 2), ("23610", 2),
    ("35300", 6), ("35110", 2), ("38110", 3), ("38210", 3), ("38320", 3), ("41200", 6),
    ("42110", 3), ("43120", 4), ("02200", 5), ("01110", 4), ("08120", 2), ("46770", 2),
    ("46730", 2), ("49410", 5), ("52100", 2), ("68201", 2), ("71121", 2), ("56100", 1),
)  # fmt: skip
SNI_NONE_SHARE = 0.04

# Categories by kind with weights: the streams of bench/matching.py plus the rest of the taxonomy.
EXTRA_CATEGORIES: tuple[tuple[str, float], ...] = (
    ("paper_board", 3), ("plastics", 3), ("glass", 1), ("nonferrous_metal", 2), ("gypsum", 1),
    ("textiles", 0.5), ("tyres_rubber", 0.5), ("insulation", 0.5), ("chemicals", 0.5),
    ("other_material", 2), ("cooling", 0.5), ("storage", 3), ("transport", 2),
    ("machine_time", 1),
)  # fmt: skip
CATEGORY_WEIGHTS: tuple[tuple[str, float], ...] = (
    *((s.category, s.weight) for s in synthetic.STREAMS),
    *EXTRA_CATEGORIES,
)
UNITS_BY_KIND = {"material": (("t", "m3", "kg"), (0.7, 0.2, 0.1)),
                 "energy": (("MWh", "kW"), (0.9, 0.1))}  # fmt: skip
CAPACITY_UNITS = {"storage": (("m2", "pallet_places"), (0.6, 0.4)),
                  "transport": (("t",), (1.0,)), "machine_time": (("hours",), (1.0,))}  # fmt: skip
RECURRENCES = (("once", "month", "week", "year"), (0.5, 0.25, 0.1, 0.15))
OFFER_SHARE = 0.6
DRAFT_SHARE = 0.03
ANONYMOUS_SHARE = 0.15


@dataclass(frozen=True)
class SiteInfo:
    org: int
    municipality: str
    lat: float
    lon: float
    x: float
    y: float


@dataclass
class Market:
    """Every generated row as a dict for SQLAlchemy Core `insert(...)`, table by table."""

    now: datetime
    tables: dict[str, list[dict[str, Any]]]
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def size(self, table: str) -> int:
        return len(self.tables[table])


def municipality_population() -> dict[str, float]:
    """Urban population (SCB tätorter 2020) per municipality; equal weights without the file."""
    population: dict[str, float] = defaultdict(float)
    if synthetic.TATORTER_CSV.exists():
        towns = synthetic.load_towns()
        for code, people in zip(towns.municipality, towns.population.tolist(), strict=True):
            population[code] += float(people)
    return {m.code: max(population.get(m.code, 0.0), 2_000.0) for m in MUNICIPALITIES}


def make_sites(rng: np.random.Generator, firms: int) -> list[SiteInfo]:
    """1–5 sites per firm (mean 1.8) around the main town of a municipality chosen by urban
    population: exponential distance (mean 1.5 km + 12 m per √inhabitant, at most 25 km)."""
    population = municipality_population()
    codes = [m.code for m in MUNICIPALITIES]
    weights = np.array([population[c] for c in codes])
    weights /= weights.sum()
    per_firm = np.minimum(1 + rng.poisson(0.8, firms), 5)
    home = rng.choice(len(codes), size=firms, p=weights)
    chosen: list[tuple[int, int]] = []  # (org, municipality index)
    for org, (count, first) in enumerate(zip(per_firm.tolist(), home.tolist(), strict=True), 1):
        chosen.append((org, first))
        for _ in range(count - 1):
            same = rng.random() < 0.75
            chosen.append((org, first if same else int(rng.choice(len(codes), p=weights))))
    m_index = np.array([m for _, m in chosen])
    town_lon = np.array([MUNICIPALITIES[m].lon for m in m_index.tolist()])
    town_lat = np.array([MUNICIPALITIES[m].lat for m in m_index.tolist()])
    mean_m = 1_500.0 + 12.0 * np.sqrt(np.array([population[codes[m]] for m in m_index]))
    dist = np.minimum(rng.exponential(mean_m), 25_000.0)
    bearing = rng.uniform(0.0, 360.0, len(chosen))
    lon, lat, _ = synthetic.GEOD.fwd(town_lon, town_lat, bearing, dist)
    x, y = to_sweref_arrays(lon, lat)
    return [
        SiteInfo(org, codes[m], float(lat[k]), float(lon[k]), float(x[k]), float(y[k]))
        for k, (org, m) in enumerate(chosen)
    ]


def make_listings(
    rng: np.random.Generator, sites: list[SiteInfo], n: int, now: datetime
) -> list[dict[str, Any]]:
    """Listings at sites weighted by their firm's activity (log-normal), published over YEARS
    years with growth towards today; older ones mostly closed or expired."""
    activity = rng.lognormal(0.0, 1.0, max(s.org for s in sites) + 1)
    site_w = np.array([activity[s.org] for s in sites])
    site_of = rng.choice(len(sites), size=n, p=site_w / site_w.sum())
    categories = [c for c, _ in CATEGORY_WEIGHTS]
    cat_w = np.array([w for _, w in CATEGORY_WEIGHTS])
    category = [categories[i] for i in rng.choice(len(categories), n, p=cat_w / cat_w.sum())]
    offer = rng.random(n) < OFFER_SHARE
    recurrence = _choice(rng, *RECURRENCES, n)
    span_days = YEARS * 365.0
    u = rng.random(n)
    age_days = np.where(
        rng.random(n) < 0.5, u * span_days, (1.0 - np.sqrt(u)) * span_days
    )  # half uniform, half more recent: the market grows
    draft = rng.random(n) < DRAFT_SHARE
    status_draw = rng.random(n)
    quantity = rng.lognormal(np.log(40.0), 1.3, n)
    density = rng.uniform(0.2, 1.6, n)
    until_days = rng.uniform(30, 365, n)
    unit_draw = rng.random(n)
    anonymous_draw = rng.random(n) < ANONYMOUS_SHARE
    towns = {m.code: m for m in MUNICIPALITIES}
    town_x, town_y = to_sweref_arrays([m.lon for m in MUNICIPALITIES],
                                      [m.lat for m in MUNICIPALITIES])  # fmt: skip
    town_xy = {m.code: (float(town_x[k]), float(town_y[k])) for k, m in enumerate(MUNICIPALITIES)}
    rows = []
    for i in range(n):
        site = sites[int(site_of[i])]
        cat = CATEGORY_BY_KEY[category[i]]
        if cat.kind == "capacity":
            units, p = CAPACITY_UNITS[cat.key]
        else:
            units, p = UNITS_BY_KIND[cat.kind]
        pick = int(np.searchsorted(np.cumsum(p), unit_draw[i] * sum(p), side="right"))
        unit = units[min(pick, len(units) - 1)]
        published = now - timedelta(days=float(age_days[i]))
        old = age_days[i] > 180
        if draft[i]:
            status, published_at = "draft", None
        else:
            published_at = published
            s = status_draw[i]
            if old:
                status = ("published" if s < 0.35 else "closed" if s < 0.70
                          else "expired" if s < 0.95 else "reserved")  # fmt: skip
            else:
                status = "published" if s < 0.85 else "reserved" if s < 0.90 else "closed"
        until = None
        if recurrence[i] == "once" and (status == "expired" or until_days[i] < 140):
            until = published.date() + timedelta(days=int(until_days[i]))
        direction = "offer" if offer[i] else "want"
        anonymous = bool(anonymous_draw[i])
        if anonymous:  # a coarse point: the municipality's main town
            town = towns[site.municipality]
            lat, lon = town.lat, town.lon
            x, y = town_xy[site.municipality]
        else:
            lat, lon, x, y = site.lat, site.lon, site.x, site.y
        qty = _decimal(float(quantity[i]))
        title = f"{cat.sv}, {'erbjuds' if offer[i] else 'sökes'} {i + 1}"
        description = "Genererad annons för prestandamätning."
        created = published_at or (now - timedelta(days=float(age_days[i])))
        rows.append(
            {
                "id": i + 1, "organisation_id": site.org, "site_id": int(site_of[i]) + 1,
                "direction": direction, "kind": cat.kind, "category": cat.key,
                "is_hazardous": False, "needs_assessment": False, "title": title,
                "description": description, "quantity": qty, "unit": unit,
                "density_t_per_m3": _decimal(float(density[i])) if unit == "m3" and i % 10 < 7
                else None,
                "recurrence": recurrence[i], "available_until": until,
                "remaining_quantity": qty, "price_model": "negotiable",
                "visibility": "anonymous" if anonymous else "public", "status": status,
                "lat": lat, "lon": lon, "x": x, "y": y, "cell": cell_of(x, y),
                "municipality_code": site.municipality, "county_code": site.municipality[:2],
                "search_text": f"{title} {description} {cat.key}".casefold(),
                "fanout_due": False, "published_at": published_at,
                "closed_at": published + timedelta(days=60) if status == "closed" else None,
                "created_at": created, "updated_at": created,
            }
        )  # fmt: skip
    return rows


def make_market(sizes: Sizes, seed: int = DATA_SEED) -> Market:
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    sites = make_sites(rng, sizes.firms)
    sni_codes = [c for c, _ in SNI_CODES]
    sni_w = np.array([w for _, w in SNI_CODES])
    sni = [sni_codes[i] for i in rng.choice(len(sni_codes), sizes.firms, p=sni_w / sni_w.sum())]
    no_sni = rng.random(sizes.firms) < SNI_NONE_SHARE
    firm_created = now - timedelta(days=YEARS * 365 + 30)
    sni_code = [None if none else code for code, none in zip(sni, no_sni.tolist(), strict=True)]
    organisations = synthetic.organisation_rows(sizes.firms, firm_created, sni_code=sni_code)
    site_rows = [
        {"id": k + 1, "organisation_id": s.org, "name": f"Anläggning {k + 1}",
         "municipality_code": s.municipality, "county_code": s.municipality[:2],
         "lat": s.lat, "lon": s.lon, "x": s.x, "y": s.y, "may_receive_hazardous": k % 10 == 0,
         "has_waste_permit": k % 10 == 0, "created_at": firm_created}
        for k, s in enumerate(sites)
    ]  # fmt: skip
    listings = make_listings(rng, sites, sizes.listings, now)
    conversations, deals, deliveries = make_trade(rng, sizes, listings, now)
    potentials = make_potentials(rng, listings, now)
    factor_sets = [{"id": 1, "version": 1, "label": "Benchmark factors",
                    "published_at": now - timedelta(days=YEARS * 365 + 30)}]  # fmt: skip
    market = Market(
        now=now,
        tables={
            "factor_sets": factor_sets, "organisations": organisations, "sites": site_rows,
            "listings": listings, "conversations": conversations, "deals": deals,
            "deliveries": deliveries, "match_potentials": potentials,
        },
    )  # fmt: skip
    market.counts = {
        "listing status": Counter(r["status"] for r in listings),
        "listing kind": Counter(r["kind"] for r in listings),
        "listing direction": Counter(r["direction"] for r in listings),
        "deal status": Counter(r["status"] for r in deals),
    }
    return market
