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

from geo.distance import _GEOD
from marketplace.services.matching.candidates import DEFAULT_RADIUS_KM
from models.listings import Listing
from models.sites import Site
from models.taxonomy import tonnes

NO_START = date.min.toordinal()
NO_END = date.max.toordinal()

ROW_COLUMNS = (
    Listing.id,
    Listing.organisation_id,
    Listing.direction,
    Listing.kind,
    Listing.lon,
    Listing.lat,
    Listing.x,
    Listing.y,
    Listing.category,
    Listing.ewc_code,
    Listing.is_hazardous,
    Listing.quantity,
    Listing.remaining_quantity,
    Listing.unit,
    Listing.density_t_per_m3,
    Listing.available_from,
    Listing.available_until,
    Listing.max_distance_km,
    Site.may_receive_hazardous.label("receiver_permit"),
)


def rows_query() -> Select[Any]:
    """Listings as the light rows the rules read (with their site's permit)."""
    stmt = cast(Select[Any], select(*ROW_COLUMNS))
    return stmt.join(Site, Site.id == Listing.site_id)


@dataclass(frozen=True)
class Side:
    """One side of many pairs: listings as parallel arrays (one element per pair)."""

    id: NDArray[np.int64]
    offer: NDArray[np.bool_]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    category: NDArray[np.object_]
    ewc: NDArray[np.object_]  # None where no code
    hazardous: NDArray[np.bool_]
    amount: NDArray[np.float64]  # what remains, in tonnes where the unit allows it
    unit: NDArray[np.object_]  # "t", or the listing's own unit
    start: NDArray[np.int64]  # available_from as an ordinal, NO_START when open
    end: NDArray[np.int64]  # available_until as an ordinal, NO_END when open
    reach: NDArray[np.float64]  # max_distance_km, NaN when not stated (or 0)
    permit: NDArray[np.bool_]  # the site may receive hazardous waste

    def __len__(self) -> int:
        return len(self.id)

    def take(self, index: NDArray[np.int64] | NDArray[np.bool_]) -> Side:
        return Side(**{name: getattr(self, name)[index] for name in self.__dataclass_fields__})

    def repeat(self, n: int) -> Side:
        """This side (one listing) as n identical elements, to pair with n counterparts."""
        return Side(
            **{name: np.repeat(getattr(self, name), n) for name in self.__dataclass_fields__}
        )


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
    return Side(
        id=np.fromiter((r.id for r in rows), dtype=np.int64, count=n),
        offer=np.fromiter((r.direction == "offer" for r in rows), dtype=np.bool_, count=n),
        lon=np.fromiter((r.lon for r in rows), dtype=np.float64, count=n),
        lat=np.fromiter((r.lat for r in rows), dtype=np.float64, count=n),
        category=np.array([r.category for r in rows] or [], dtype=object),
        ewc=np.array([r.ewc_code for r in rows] or [], dtype=object),
        hazardous=np.fromiter((bool(r.is_hazardous) for r in rows), dtype=np.bool_, count=n),
        amount=np.fromiter((a[0] for a in amounts), dtype=np.float64, count=n),
        unit=np.array([a[1] for a in amounts] or [], dtype=object),
        start=np.fromiter(
            (r.available_from.toordinal() if r.available_from else NO_START for r in rows),
            dtype=np.int64,
            count=n,
        ),
        end=np.fromiter(
            (r.available_until.toordinal() if r.available_until else NO_END for r in rows),
            dtype=np.int64,
            count=n,
        ),
        reach=np.fromiter(
            (float(r.max_distance_km) if r.max_distance_km else np.nan for r in rows),
            dtype=np.float64,
            count=n,
        ),
        permit=np.fromiter((bool(r.receiver_permit) for r in rows), dtype=np.bool_, count=n),
    )


@dataclass(frozen=True)
class Scored:
    """The pairs (viewer[i], other[i]) that fit, with their score and distance from the viewer."""

    index: NDArray[np.int64]  # positions in the pair arrays that fit
    score: NDArray[np.float64]
    km: NDArray[np.float64]


def score_pairs(viewer: Side, other: Side, today: date) -> Scored:
    """Which pairs fit and their scores, as `candidates.compute_matches` computes them for `viewer`.

    The caller has already applied the prefilter (kind, opposite direction, compatible
    material, another firm); this applies distance, overlap, permit and the score.
    """
    if len(other) == 0:
        empty = np.empty(0)
        return Scored(np.empty(0, dtype=np.int64), empty, empty)
    _, _, metres = _GEOD.inv(viewer.lon, viewer.lat, other.lon, other.lat)
    km = np.asarray(metres, dtype=np.float64) / 1000
    offer_is_viewer = viewer.offer
    # Radius: the smaller stated reach, else the default (`candidates._radius_km`).
    radius = np.fmin(viewer.reach, other.reach)
    radius = np.where(np.isnan(radius), DEFAULT_RADIUS_KM, radius)
    start = np.maximum(viewer.start, other.start)
    overlap = start <= np.minimum(viewer.end, other.end)
    hazardous = np.where(offer_is_viewer, viewer.hazardous, other.hazardous)
    permit = np.where(offer_is_viewer, other.permit, viewer.permit)
    fit = (km <= radius) & overlap & (~hazardous | permit)
    index = np.flatnonzero(fit)
    km, radius, start = km[index], radius[index], start[index]
    v, o = viewer.take(index), other.take(index)
    distance_points = 30 * np.maximum(0.0, 1 - km / radius)
    same_code = np.array(
        [bool(a) and a == b for a, b in zip(v.ewc, o.ewc, strict=True)], dtype=np.bool_
    )
    same_category = v.category == o.category
    material_points = np.where(same_code, 40.0, np.where(same_category, 35.0, 15.0))
    comparable = (v.unit == o.unit) & (v.amount != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.minimum(1.0, np.minimum(v.amount, o.amount) / v.amount)
    quantity_points = np.where(comparable, np.where(coverage >= 1, 20.0, 20 * coverage), 0.0)
    later = (start != NO_START) & (start > today.toordinal())
    timing_points = np.where(later, 5.0, 10.0)
    total = ((distance_points + material_points) + quantity_points) + timing_points
    score = np.array([round(t, 1) for t in total.tolist()], dtype=np.float64)
    return Scored(index=index.astype(np.int64), score=score, km=km)


def ranking(scored: Scored, ids: NDArray[np.int64]) -> NDArray[np.int64]:
    """Positions in `scored` best first: score down, then distance, then counterpart id."""
    return np.lexsort((ids, scored.km, -scored.score)).astype(np.int64)
