"""The brute force: the matching rules restated in numpy over all listings held in memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from support import synthetic

from marketplace.services.matching.candidates import (
    DEFAULT_RADIUS_KM,
    compatible_categories,
    supplying_categories,
)
from matching_parts.population import EWC_CODES, KINDS, UNIT_CODES, Population
from models.taxonomy import tonnes

LIMIT = 50
WARMUP = 5
# Material points of marketplace/services/matching.py (`_material_reason`): same EWC code, same
# category, a compatible category. The brute force restates the service's rules on purpose, so a
# change of the rules shows up here as mismatches until this copy is updated too.
POINTS = {"code": 40.0, "category": 35.0, "compatible": 15.0}
OPEN_END = date.max.toordinal()


# --- brute force ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """Everything the matching rules read, one array entry per listing (index = id - 1)."""

    ids: synthetic.IntArray
    lon: synthetic.FloatArray
    lat: synthetic.FloatArray
    org: synthetic.IntArray
    offer: synthetic.BoolArray
    kind: synthetic.IntArray
    cat: synthetic.IntArray
    ewc: synthetic.IntArray  # index into EWC_CODES, -1: none
    hazardous: synthetic.BoolArray
    permit: synthetic.BoolArray  # the listing's site may receive hazardous waste
    max_km: synthetic.FloatArray  # 0: none
    start: synthetic.IntArray  # ordinal, 0: none
    end: synthetic.IntArray  # ordinal, OPEN_END: none
    live: synthetic.BoolArray
    amount: (
        synthetic.FloatArray
    )  # tonnes where the unit converts, else the quantity (remaining first)
    massy: (
        synthetic.BoolArray
    )  # the amount is in tonnes (the unit converts with the listing's density)
    unit: synthetic.IntArray


def amounts(pop: Population) -> tuple[synthetic.FloatArray, synthetic.BoolArray]:
    values, massy = [], []
    for unit, remaining, density in zip(pop.unit, pop.remaining, pop.density, strict=True):
        quantity = float(remaining)
        mass = tonnes(quantity, unit, float(density) if density else None)
        values.append(mass if mass is not None else quantity)
        massy.append(mass is not None)  # converted to tonnes with its own density
    return np.array(values, dtype=np.float64), np.array(massy, dtype=bool)


def build_model(pop: Population, today: date) -> Model:
    site, end = pop.site, np.where(pop.end > 0, pop.end, OPEN_END)
    amount, massy = amounts(pop)
    published = np.array([s == "published" for s in pop.status])
    return Model(
        ids=np.arange(1, len(pop.offer) + 1, dtype=np.int64),
        lon=pop.sites.lon[site], lat=pop.sites.lat[site], org=pop.org, offer=pop.offer,
        kind=np.array([KINDS.index(synthetic.STREAMS[s].kind) for s in pop.stream.tolist()]),
        cat=pop.stream, ewc=np.array([EWC_CODES[c] if c else -1 for c in pop.ewc]),
        hazardous=np.array([bool(c and synthetic.EWC[c].hazardous) for c in pop.ewc]),
        permit=pop.sites.permit[site], max_km=pop.max_km.astype(np.float64), start=pop.start,
        end=end, live=published & (end >= today.toordinal()), amount=amount, massy=massy,
        unit=np.array([UNIT_CODES[u] for u in pop.unit]),
    )  # fmt: skip


@dataclass(frozen=True)
class Answer:
    ids: tuple[int, ...]
    scores: tuple[float, ...]
    distances_km: tuple[float, ...]
    total: int = 0  # all matches before the limit (brute force only)


def prefilter(m: Model, q: int) -> synthetic.IntArray:
    """Live counterparts: opposite direction, same kind, material fit, another firm."""
    fits = compatible_categories if m.offer[q] else supplying_categories
    cats = [
        synthetic.STREAM_INDEX[c]
        for c in fits(synthetic.STREAMS[int(m.cat[q])].category)
        if c in synthetic.STREAM_INDEX
    ]
    material = np.isin(m.cat, cats)
    if m.ewc[q] >= 0:
        material |= m.ewc == m.ewc[q]
    mask = m.live & (m.offer != m.offer[q]) & (m.kind == m.kind[q]) & (m.org != m.org[q])
    return np.flatnonzero(mask & material)


def pair_radius(own: float, others: synthetic.FloatArray) -> synthetic.FloatArray:
    """The smaller of both stated maxima, or DEFAULT_RADIUS_KM when neither states one."""
    radius = np.where(others > 0, others, np.inf)
    if own > 0:
        radius = np.minimum(radius, own)
    return np.where(np.isinf(radius), DEFAULT_RADIUS_KM, radius)


def raw_scores(
    m: Model,
    q: int,
    offer: synthetic.IntArray,
    want: synthetic.IntArray,
    km: synthetic.FloatArray,
    radius: synthetic.FloatArray,
    today: int,
) -> synthetic.FloatArray:
    """Distance + material + quantity + timing points, summed in the service's order."""
    distance = 30 * np.maximum(0.0, 1 - km / radius)
    same_code = (m.ewc[offer] >= 0) & (m.ewc[offer] == m.ewc[want])
    same_category = m.cat[offer] == m.cat[want]
    material = np.where(same_code, POINTS["code"], np.where(same_category, POINTS["category"],
                                                            POINTS["compatible"]))  # fmt: skip
    # Quantity: the share of the viewed listing's amount the other side can take or give.
    # Comparable when both amounts are tonnes, or neither is and the units agree.
    comparable = (m.massy[offer] & m.massy[want]) | (
        ~m.massy[offer] & ~m.massy[want] & (m.unit[offer] == m.unit[want])
    )
    viewed = float(m.amount[q])
    share = np.minimum(m.amount[offer], m.amount[want]) / (viewed or 1.0)
    quantity = np.where(comparable & (viewed != 0), 20 * np.minimum(1.0, share), 0.0)
    timing = np.where(np.maximum(m.start[offer], m.start[want]) > today, 5.0, 10.0)
    return distance + material + quantity + timing


def brute_force(m: Model, q: int, today: int) -> Answer:
    """The first LIMIT matches by (-score, distance, id), by scanning every listing."""
    idx = prefilter(m, q)
    if idx.size == 0:
        return Answer((), (), ())
    n, lon, lat = idx.size, m.lon[q], m.lat[q]
    _, _, dist = synthetic.GEOD.inv(np.full(n, lon), np.full(n, lat), m.lon[idx], m.lat[idx])
    km = np.asarray(dist, dtype=np.float64) / 1000
    own = np.full(idx.size, q)
    offer, want = (own, idx) if m.offer[q] else (idx, own)
    radius = pair_radius(float(m.max_km[q]), m.max_km[idx])
    start = np.maximum(m.start[offer], m.start[want])
    keep = (km <= radius) & (start <= np.minimum(m.end[offer], m.end[want]))
    keep &= ~m.hazardous[offer] | m.permit[want]
    idx, km, offer, want, radius = idx[keep], km[keep], offer[keep], want[keep], radius[keep]
    raw = raw_scores(m, q, offer, want, km, radius, today)
    scores = np.array([round(s, 1) for s in raw.tolist()], dtype=np.float64)
    top = np.lexsort((m.ids[idx], km, -scores))[:LIMIT]
    return Answer(
        tuple(m.ids[idx][top].tolist()), tuple(scores[top].tolist()), tuple(km[top].tolist()),
        int(idx.size),
    )  # fmt: skip
