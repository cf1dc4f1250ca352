"""The matching rules and score of `candidates`, over arrays of pairs at once.

`candidates.compute_matches` tests and scores one counterpart at a time and is the reference; this
module applies the same rules with numpy to many (viewer, counterpart) pairs, for the job that
keeps the stored match lists (`stored`). Both must give the same fits, scores and distances to
the last bit (tests/services/matching/test_stored.py compares them): the same operations in the
same order, Python's `round` for the score, pyproj for distances from the viewer's point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Select, select

from geo.areas import PLANAR_MARGIN
from geo.distance import _GEOD
from marketplace.services.matching.candidates import CANDIDATE_COLUMNS, DEFAULT_RADIUS_KM
from models.listings import Listing
from models.sites import Site
from models.taxonomy import tonnes

NO_START = date.min.toordinal()
NO_END = date.max.toordinal()

# The rules' columns, and what the stored lists' job also needs to run the prefilter for a row.
ROW_COLUMNS = (
    *CANDIDATE_COLUMNS,
    Listing.organisation_id,
    Listing.direction,
    Listing.kind,
    Listing.x,
    Listing.y,
)


def rows_query() -> Select[Any]:
    """Listings as the light rows the rules read (with their site's permit)."""
    stmt = cast(Select[Any], select(*ROW_COLUMNS))
    return stmt.join(Site, Site.id == Listing.site_id)


_CODES: dict[str, int] = {}


def code_of(value: str | None) -> int:
    """A small integer per distinct text (category, EWC code, unit) in this process; -1 for
    none or empty, so that comparing codes compares the texts (and "no code" never equals)."""
    if not value:
        return -1
    return _CODES.setdefault(value, len(_CODES))


@dataclass(frozen=True)
class Side:
    """One side of many pairs: listings as parallel arrays (one element per pair, or a single
    element that every pair shares)."""

    id: NDArray[np.int64]
    offer: NDArray[np.bool_]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    category: NDArray[np.int64]  # code_of(category)
    ewc: NDArray[np.int64]  # code_of(ewc_code), -1 where no code
    hazardous: NDArray[np.bool_]
    amount: NDArray[np.float64]  # what remains, in tonnes where the unit allows it
    unit: NDArray[np.int64]  # code_of("t"), or of the listing's own unit
    start: NDArray[np.int64]  # available_from as an ordinal, NO_START when open
    end: NDArray[np.int64]  # available_until as an ordinal, NO_END when open
    reach: NDArray[np.float64]  # max_distance_km, NaN when not stated (or 0)
    permit: NDArray[np.bool_]  # the site may receive hazardous waste

    def __len__(self) -> int:
        return len(self.id)

    def take(self, index: NDArray[np.int64] | NDArray[np.bool_]) -> Side:
        return Side(*(getattr(self, name)[index] for name in _FIELDS))


_FIELDS = tuple(Side.__dataclass_fields__)


def _amount(row: Any) -> tuple[float, str]:
    """`candidates._amount`: the remaining quantity, in tonnes where the unit allows it."""
    quantity = float(row.remaining_quantity if row.remaining_quantity is not None else row.quantity)
    density = float(row.density_t_per_m3) if row.density_t_per_m3 else None
    mass = tonnes(quantity, row.unit, density)
    return (mass, "t") if mass is not None else (quantity, row.unit)


def side_of(rows: Sequence[Any]) -> Side:
    """Rows with the `ROW_COLUMNS` attributes (light rows, or a listing and its permit)."""
    n = len(rows)
    amounts = [_amount(r) for r in rows]

    def floats(values: Any) -> NDArray[np.float64]:
        return np.fromiter(values, dtype=np.float64, count=n)

    def ints(values: Any) -> NDArray[np.int64]:
        return np.fromiter(values, dtype=np.int64, count=n)

    def flags(values: Any) -> NDArray[np.bool_]:
        return np.fromiter(values, dtype=np.bool_, count=n)

    return Side(
        id=ints(r.id for r in rows),
        offer=flags(r.direction == "offer" for r in rows),
        lon=floats(r.lon for r in rows),
        lat=floats(r.lat for r in rows),
        x=floats(r.x for r in rows),
        y=floats(r.y for r in rows),
        category=ints(code_of(r.category) for r in rows),
        ewc=ints(code_of(r.ewc_code) for r in rows),
        hazardous=flags(bool(r.is_hazardous) for r in rows),
        amount=floats(a[0] for a in amounts),
        unit=ints(code_of(a[1]) for a in amounts),
        start=ints(r.available_from.toordinal() if r.available_from else NO_START for r in rows),
        end=ints(r.available_until.toordinal() if r.available_until else NO_END for r in rows),
        reach=floats(float(r.max_distance_km) if r.max_distance_km else np.nan for r in rows),
        permit=flags(bool(r.receiver_permit) for r in rows),
    )


@dataclass(frozen=True)
class Scored:
    """The pairs (viewer, other[i]) that fit, with their score and distance from the viewer."""

    index: NDArray[np.int64]  # positions in the pair arrays that fit
    score: NDArray[np.float64]
    km: NDArray[np.float64]


def _pick(side: Side, index: NDArray[np.int64]) -> Side:
    """The pairs at `index` of a side, or the side itself when all pairs share its element."""
    return side if len(side) == 1 else side.take(index)


def round_1(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Python's `round(v, 1)` for every value: `rint(v * 10) / 10` is the same double except
    near a tie, where v * 10 may round across it; those few go through `round` itself."""
    tenfold = values * 10
    rounded = np.rint(tenfold) / 10
    near_tie = np.abs(tenfold - np.floor(tenfold) - 0.5) < 1e-6
    for i in np.flatnonzero(near_tie).tolist():
        rounded[i] = round(float(values[i]), 1)
    return rounded


def score_pairs(viewer: Side, other: Side, today: date) -> Scored:
    """Which pairs fit and their scores, as `candidates.compute_matches` computes them for the
    viewer. `viewer` has one element per pair, or one element for all of them.

    The caller has already applied the prefilter (kind, opposite direction, compatible
    material, another firm); this applies distance, overlap, permit and the score.
    """
    empty = Scored(np.empty(0, dtype=np.int64), np.empty(0), np.empty(0))
    if min(len(viewer), len(other)) == 0:
        return empty
    # Radius: the smaller stated reach, else the default (`candidates._radius_km`).
    radius = np.fmin(viewer.reach, other.reach)
    radius = np.where(np.isnan(radius), DEFAULT_RADIUS_KM, radius)
    start = np.maximum(viewer.start, other.start)
    overlap = start <= np.minimum(viewer.end, other.end)
    hazardous = np.where(viewer.offer, viewer.hazardous, other.hazardous)
    permit = np.where(viewer.offer, other.permit, viewer.permit)
    # Planar SWEREF 99 TM distance first (never shorter than the geodesic one by more than
    # PLANAR_MARGIN): only pairs that may be within reach get the geodesic distance.
    reach_m = radius * 1000 * (1 + PLANAR_MARGIN) + 1
    dx, dy = other.x - viewer.x, other.y - viewer.y
    maybe = np.flatnonzero(
        (dx * dx + dy * dy <= reach_m * reach_m) & overlap & (~hazardous | permit)
    )
    if len(maybe) == 0:
        return empty
    v, o = _pick(viewer, maybe), _pick(other, maybe)
    shape = maybe.shape
    _, _, metres = _GEOD.inv(
        np.ascontiguousarray(np.broadcast_to(v.lon, shape)),
        np.ascontiguousarray(np.broadcast_to(v.lat, shape)),
        np.ascontiguousarray(np.broadcast_to(o.lon, shape)),
        np.ascontiguousarray(np.broadcast_to(o.lat, shape)),
    )
    km = np.asarray(metres, dtype=np.float64) / 1000
    within = km <= radius[maybe]
    index = maybe[within]
    km, start, radius = km[within], start[index], radius[index]
    v, o = _pick(viewer, index), _pick(other, index)
    distance_points = 30 * np.maximum(0.0, 1 - km / radius)
    same_code = (v.ewc >= 0) & (v.ewc == o.ewc)
    same_category = v.category == o.category
    material_points = np.where(same_code, 40.0, np.where(same_category, 35.0, 15.0))
    comparable = (v.unit == o.unit) & (v.amount != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.minimum(1.0, np.minimum(v.amount, o.amount) / v.amount)
    quantity_points = np.where(comparable, np.where(coverage >= 1, 20.0, 20 * coverage), 0.0)
    later = (start != NO_START) & (start > today.toordinal())
    timing_points = np.where(later, 5.0, 10.0)
    total = ((distance_points + material_points) + quantity_points) + timing_points
    return Scored(index=index.astype(np.int64), score=round_1(total), km=km)


def ranking(scored: Scored, ids: NDArray[np.int64], keep: int) -> NDArray[np.int64]:
    """The best `keep` positions in `scored`, best first: score down, then distance, then
    counterpart id. Only the pairs scoring at least the keep-th best score are sorted."""
    if len(ids) > keep:
        threshold = np.partition(scored.score, len(ids) - keep)[len(ids) - keep]
        contenders = np.flatnonzero(scored.score >= threshold)
    else:
        contenders = np.arange(len(ids))
    order = np.lexsort((ids[contenders], scored.km[contenders], -scored.score[contenders]))
    return contenders[order][:keep].astype(np.int64)
