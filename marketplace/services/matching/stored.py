"""Stored match lists: the listing page and the API read matches, a job keeps them current.

Ranking a listing's matches scans every live counterpart within reach (thousands at 100k
listings, `candidates.compute_matches`); doing that on every view was the slowest part of the
listing page. Instead each live listing keeps its best `KEEP` counterparts (`MatchEntry`), and a
job (`refresh`) takes in each change of a listing as it commits (`tracking` marks the listing
`matches_due`):

- the changed listing's own list is ranked afresh (or dropped when it is no longer live);
- it leaves every other list, and enters the lists of the counterparts it now fits where it
  ranks above their worst stored entry (or where the list is `complete`);
- a list left with fewer than `SHOW` entries that is not complete is ranked afresh.

Invariant: a list is a prefix of its listing's exact ranking (every fitting pair not stored ranks
below every stored one), so its first `SHOW` live entries are the exact answer; `complete` says
it holds every fitting pair. Readers fall back to the scan when a list cannot answer (not built
yet, its listing's change not taken in, too short, or more asked for than stored): the answer
is always exact, and the fallback is rare once the job keeps up.

Time enters in two ways: a counterpart past its end date is skipped when reading, and the
timing part of the score rises from 5 to 10 when a pair's later start date arrives, which the
daily `refresh_started` takes in (the job re-ranks the listings whose start date has come).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.orm import Session

from geo.areas import PLANAR_MARGIN, Circle
from geo.distance import geodesic_m
from marketplace.services.listings.liveness import live_condition, load_in_order
from marketplace.services.matching.candidates import (
    DEFAULT_RADIUS_KM,
    MAX_MATCHES,
    Match,
    candidate_conditions,
    compatible_categories,
    compute_matches,
    explain_pair,
    supplying_categories,
)
from marketplace.services.matching.pairs import (
    Side,
    code_of,
    ranking,
    rows_query,
    score_pairs,
    side_of,
)
from models.listings import Listing
from models.matches import MatchEntry, MatchList
from models.sites import Site

log = logging.getLogger(__name__)
# Core inserts, many rows at once (the ORM's bulk path costs more than the database here).
ENTRIES, LISTS = cast(Table, MatchEntry.__table__), cast(Table, MatchList.__table__)

SHOW = MAX_MATCHES  # the most matches any reader asks for
KEEP = SHOW + 10  # stored per list: ten to spare before a departure forces a re-ranking
CHUNK = 500  # ids per IN list
UNMET_SHOWN = 10  # My firm lists the nearest unsupplied wants, not all of them
LOCK_KEY = 0x6D617463  # PostgreSQL advisory lock: one list maintainer at a time ("matc")


# --- reading -------------------------------------------------------------------------------


def find_matches(
    session: Session, listing: Listing, *, today: date, limit: int = MAX_MATCHES
) -> list[Match]:
    """The counterparts that fit `listing`, best first (score, then distance, then id): from
    the stored list when it can answer exactly, else by scanning (`compute_matches`)."""
    found = stored_matches(session, listing, today=today, limit=limit)
    if found is None:
        return compute_matches(session, listing, today=today, limit=limit)
    return found


def stored_matches(
    session: Session, listing: Listing, *, today: date, limit: int = MAX_MATCHES
) -> list[Match] | None:
    """The answer from the stored list, or None when the list cannot give it exactly."""
    if limit > SHOW or listing.matches_due:
        return None
    state = session.get(MatchList, listing.id)
    if state is None or state.computed_on > today:
        return None
    entries = session.execute(
        select(MatchEntry.counterpart_id, MatchEntry.distance_km)
        .join(Listing, Listing.id == MatchEntry.counterpart_id)
        .where(MatchEntry.listing_id == listing.id, live_condition(today))
        .order_by(MatchEntry.score.desc(), MatchEntry.distance_km, MatchEntry.counterpart_id)
        .limit(limit)
    ).all()
    if len(entries) < limit and not state.complete:
        return None
    others = {o.id: o for o in load_in_order(session, [e.counterpart_id for e in entries])}
    return [
        explain_pair(listing, others[e.counterpart_id], e.distance_km, today)
        for e in entries
        if e.counterpart_id in others
    ]


def has_match(session: Session, listing: Listing, *, today: date) -> bool:
    """Whether any counterpart fits (the stored list's first live entry, else a scan)."""
    found = stored_matches(session, listing, today=today, limit=1)
    if found is None:
        return bool(compute_matches(session, listing, today=today, limit=1))
    return bool(found)


def unmet_wants(
    session: Session,
    *,
    organisation_id: int,
    sites: list[Site],
    today: date,
    radius_km: float = 100.0,
    limit: int = UNMET_SHOWN,
) -> list[tuple[Listing, float]]:
    """The nearest wants of other firms around the firm's sites that no live offer can supply
    yet (at most `limit`, nearest first). Wants are read as light rows and checked nearest
    first against their stored lists, so the work stops once `limit` are found."""
    nearest: dict[int, float] = {}
    for site in sites:
        box = Circle(lon=site.lon, lat=site.lat, radius_m=radius_km * 1000).bbox()
        rows = session.execute(
            select(Listing.id, Listing.lon, Listing.lat).where(
                live_condition(today),
                Listing.direction == "want",
                Listing.organisation_id != organisation_id,
                Listing.x.between(box[0], box[2]),
                Listing.y.between(box[1], box[3]),
            )
        ).all()
        if not rows:
            continue
        kms = geodesic_m(site.lon, site.lat, [r.lon for r in rows], [r.lat for r in rows]) / 1000
        for row, km in zip(rows, kms.tolist(), strict=True):
            if km <= radius_km and km < nearest.get(row.id, float("inf")):
                nearest[row.id] = km
    ordered = sorted(nearest, key=lambda i: (nearest[i], i))
    unmet: list[tuple[Listing, float]] = []
    for start in range(0, len(ordered), UNMET_SHOWN * 4):
        part = ordered[start : start + UNMET_SHOWN * 4]
        matched = _with_live_entries(session, part, today)
        for want in load_in_order(session, [i for i in part if i not in matched]):
            if not has_match(session, want, today=today):
                unmet.append((want, nearest[want.id]))
                if len(unmet) == limit:
                    return unmet
    return unmet


def _with_live_entries(session: Session, listing_ids: Sequence[int], today: date) -> set[int]:
    """Those of the listings whose stored list holds a live counterpart (so they have a match;
    the others are checked one by one)."""
    stmt = (
        select(MatchEntry.listing_id)
        .join(Listing, Listing.id == MatchEntry.counterpart_id)
        .where(MatchEntry.listing_id.in_(listing_ids), live_condition(today))
        .distinct()
    )
    return set(session.scalars(stmt))


# --- keeping the lists ---------------------------------------------------------------------


@dataclass(frozen=True)
class Refreshed:
    listing_id: int
    stored: int  # entries in its own list (0 when not live)
    entered: int  # other lists it entered
    reranked: int  # other lists ranked afresh because it left them


def due_ids(
    session: Session, *, updated_before: datetime | None = None, limit: int = 1000
) -> list[int]:
    """Listings whose change the lists have not taken in yet, oldest change first (the sweep
    leaves the ones changed within its grace period to the job already on its way)."""
    stmt = select(Listing.id).where(Listing.matches_due.is_(True))
    if updated_before is not None:
        stmt = stmt.where(Listing.updated_at <= updated_before)
    return list(session.scalars(stmt.order_by(Listing.updated_at, Listing.id).limit(limit)))


def _lock(session: Session) -> None:
    """One maintainer at a time: two jobs changing the same list could break the invariant.
    SQLite writers are serialised by the job's BEGIN IMMEDIATE already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def refresh(session: Session, listing_id: int, *, today: date) -> Refreshed:
    """Take one listing's current state into every list (see the module docstring)."""
    _lock(session)
    row = session.execute(
        rows_query().add_columns(Listing.updated_at).where(Listing.id == listing_id)
    ).one_or_none()
    holders = set(
        session.scalars(
            select(MatchEntry.listing_id).where(MatchEntry.counterpart_id == listing_id)
        )
    )
    session.execute(delete(MatchEntry).where(MatchEntry.counterpart_id == listing_id))
    session.execute(delete(MatchEntry).where(MatchEntry.listing_id == listing_id))
    session.execute(delete(MatchList).where(MatchList.listing_id == listing_id))
    stored, entered = 0, set[int]()
    if row is not None and _is_live(session, listing_id, today):
        others = side_of(_candidate_rows(session, row, today))
        viewer = side_of([row])
        stored = _store_list(session, listing_id, viewer, others, today)
        entered = _enter_lists(session, viewer, others, today)
    reranked = _rerank_short(session, holders - entered, today)
    if row is not None:
        # Cleared only if the listing did not change again meanwhile (then it stays due).
        session.execute(
            update(Listing)
            .where(Listing.id == listing_id, Listing.updated_at == row.updated_at)
            .values(matches_due=False, updated_at=Listing.updated_at)
        )
    return Refreshed(listing_id, stored, len(entered), len(reranked))


def _is_live(session: Session, listing_id: int, today: date) -> bool:
    stmt = select(Listing.id).where(Listing.id == listing_id, live_condition(today))
    return session.scalar(stmt) is not None


def _candidate_rows(session: Session, row: Any, today: date) -> list[Any]:
    """A row's counterparts as light rows with their permit (`candidates` prefilter)."""
    return list(session.execute(rows_query().where(*candidate_conditions(row, today))).all())


def _store_list(session: Session, listing_id: int, viewer: Side, others: Side, today: date) -> int:
    """Rank `others` for the viewer and store the best `KEEP`; how many were stored."""
    scored = score_pairs(viewer, others, today)
    ids = others.id[scored.index]
    best = ranking(scored, ids, KEEP)
    session.add(MatchList(listing_id=listing_id, complete=len(ids) <= KEEP, computed_on=today))
    session.flush()
    if len(best):
        session.connection().execute(
            ENTRIES.insert(),
            [
                {
                    "listing_id": listing_id,
                    "counterpart_id": int(ids[i]),
                    "score": float(scored.score[i]),
                    "distance_km": float(scored.km[i]),
                }
                for i in best.tolist()
            ],
        )
    return len(best)


def _enter_lists(session: Session, viewer: Side, others: Side, today: date) -> set[int]:
    """Put the viewed listing into the stored lists of the counterparts it fits, where it
    belongs to their prefix; the ids of the lists it entered."""
    back = score_pairs(others, viewer, today)
    holder_ids = others.id[back.index]
    listing_id = int(viewer.id[0])
    entered: set[int] = set()
    for start in range(0, len(holder_ids), CHUNK):
        part = slice(start, start + CHUNK)
        entered |= _enter_chunk(
            session,
            listing_id,
            holder_ids[part].tolist(),
            back.score[part].tolist(),
            back.km[part].tolist(),
        )
    return entered


def _worst_entries(session: Session, list_ids: Sequence[int]) -> dict[int, tuple[Any, int]]:
    """Each list's worst stored entry as a ranking key, and its number of entries."""
    rank = func.row_number().over(
        partition_by=MatchEntry.listing_id,
        order_by=(
            MatchEntry.score.asc(),
            MatchEntry.distance_km.desc(),
            MatchEntry.counterpart_id.desc(),
        ),
    )
    size = func.count().over(partition_by=MatchEntry.listing_id)
    inner = (
        select(
            MatchEntry.listing_id,
            MatchEntry.score,
            MatchEntry.distance_km,
            MatchEntry.counterpart_id,
            rank.label("rank"),
            size.label("size"),
        )
        .where(MatchEntry.listing_id.in_(list_ids))
        .subquery()
    )
    rows = session.execute(select(inner).where(inner.c.rank == 1)).all()
    return {
        r.listing_id: (_key(r.score, r.distance_km, r.counterpart_id), int(r.size)) for r in rows
    }


def _key(score: float, km: float, counterpart_id: int) -> tuple[float, float, int]:
    """Ranking key: smaller is better (score down, then distance, then id)."""
    return (-score, km, counterpart_id)


def _enter_chunk(
    session: Session,
    listing_id: int,
    holder_ids: list[int],
    scores: list[float],
    kms: list[float],
) -> set[int]:
    states = {
        s.listing_id: s
        for s in session.scalars(select(MatchList).where(MatchList.listing_id.in_(holder_ids)))
    }
    worst = _worst_entries(session, list(states))
    rows: list[dict[str, Any]] = []
    full: list[tuple[int, tuple[float, float, int] | None]] = []
    entered: set[int] = set()
    for holder, score, km in zip(holder_ids, scores, kms, strict=True):
        state = states.get(holder)
        if state is None:
            continue  # not built yet (its own job builds it)
        key, size = worst.get(holder, (None, 0))
        if not state.complete and (key is None or _key(score, km, listing_id) > key):
            continue  # ranks below the stored prefix
        rows.append(
            {"listing_id": holder, "counterpart_id": listing_id, "score": score, "distance_km": km}
        )
        entered.add(holder)
        if size + 1 > KEEP:
            full.append((holder, key))
    if rows:
        session.connection().execute(ENTRIES.insert(), rows)
    for holder, key in full:
        # Over KEEP: the worst entry leaves, and the list no longer holds every fitting pair.
        assert key is not None
        session.execute(
            delete(MatchEntry).where(
                MatchEntry.listing_id == holder, MatchEntry.counterpart_id == key[2]
            )
        )
        states[holder].complete = False
    return entered


def _rerank_short(session: Session, list_ids: Iterable[int], today: date) -> set[int]:
    """Lists that lost an entry: rank afresh those now too short to answer and not complete."""
    ids = sorted(list_ids)
    short: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        sizes = dict(
            session.execute(
                select(MatchEntry.listing_id, func.count())
                .where(MatchEntry.listing_id.in_(part))
                .group_by(MatchEntry.listing_id)
            ).all()
        )
        incomplete = session.scalars(
            select(MatchList.listing_id).where(
                MatchList.listing_id.in_(part), MatchList.complete.is_(False)
            )
        ).all()
        short |= {i for i in incomplete if sizes.get(i, 0) < SHOW}
    for holder in sorted(short):
        rebuild_list(session, holder, today=today)
    return short


def rebuild_list(session: Session, listing_id: int, *, today: date) -> int:
    """Rank one listing's own list afresh (the other lists are left as they are)."""
    session.execute(delete(MatchEntry).where(MatchEntry.listing_id == listing_id))
    session.execute(delete(MatchList).where(MatchList.listing_id == listing_id))
    row = session.execute(rows_query().where(Listing.id == listing_id)).one_or_none()
    if row is None or not _is_live(session, listing_id, today):
        return 0
    return _store_list(
        session, listing_id, side_of([row]), side_of(_candidate_rows(session, row, today)), today
    )


def started_ids(session: Session, *, today: date) -> list[int]:
    """Live listings whose start date has come since their list was ranked: their pairs' timing
    points rose (5 → 10), so the lists holding them must take that in."""
    stmt = (
        select(Listing.id)
        .join(MatchList, MatchList.listing_id == Listing.id)
        .where(
            live_condition(today),
            Listing.available_from.is_not(None),
            Listing.available_from > MatchList.computed_on,
            Listing.available_from <= today,
        )
        .order_by(Listing.id)
    )
    return list(session.scalars(stmt))


def mark_due(session: Session, listing_ids: Sequence[int]) -> None:
    for start in range(0, len(listing_ids), CHUNK):
        part = listing_ids[start : start + CHUNK]
        session.execute(
            update(Listing)
            .where(Listing.id.in_(part))
            .values(matches_due=True, updated_at=Listing.updated_at)
        )


# --- building every list at once -------------------------------------------------------------


def rebuild_all(session: Session, *, today: date) -> int:
    """Every live listing's list ranked afresh from one in-memory copy of the market (the
    migration's backfill, `flask market rebuild`, the benchmarks); how many lists."""
    _lock(session)
    session.execute(delete(MatchEntry))
    session.execute(delete(MatchList))
    rows = session.execute(rows_query().where(live_condition(today))).all()
    market = _Market(rows)
    lists = 0
    batch: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    for position in range(len(rows)):
        ids, scores, kms, complete = market.best(position, today)
        listing_id = int(market.side.id[position])
        states.append({"listing_id": listing_id, "complete": complete, "computed_on": today})
        batch += [
            {"listing_id": listing_id, "counterpart_id": i, "score": s, "distance_km": k}
            for i, s, k in zip(ids, scores, kms, strict=True)
        ]
        lists += 1
        if len(batch) >= 20_000:
            _write(session, states, batch)
            states, batch = [], []
    _write(session, states, batch)
    session.execute(
        update(Listing)
        .where(Listing.matches_due.is_(True), live_condition(today))
        .values(matches_due=False, updated_at=Listing.updated_at)
    )
    return lists


def _write(session: Session, states: list[dict[str, Any]], batch: list[dict[str, Any]]) -> None:
    if states:
        session.connection().execute(LISTS.insert(), states)
    if batch:
        session.connection().execute(ENTRIES.insert(), batch)


class _Market:
    """The live market as arrays, to rank every listing without a query per listing.

    Listings are grouped by (is a want, kind, category) and by (is a want, kind, EWC code), each
    group sorted by x, so a listing's candidates are a few slices of the groups it can match
    (`candidates._candidates` in SQL, the same superset of what fits)."""

    def __init__(self, rows: Sequence[Any]) -> None:
        self.rows = rows
        self.side = side_of(rows)
        self.org = np.fromiter((r.organisation_id for r in rows), dtype=np.int64, count=len(rows))
        self.groups = _Groups(rows, self.side, by_code=False)
        self.codes = _Groups(rows, self.side, by_code=True)

    def best(self, position: int, today: date) -> tuple[list[int], list[float], list[float], bool]:
        row = self.rows[position]
        offer_side = row.direction == "offer"
        categories = (
            compatible_categories(row.category)
            if offer_side
            else supplying_categories(row.category)
        )
        reach_m = (row.max_distance_km or DEFAULT_RADIUS_KM) * 1000 * (1 + PLANAR_MARGIN) + 1
        far = row.max_distance_km is None  # counterparts reaching further than the default count
        parts = [
            self.groups.near((offer_side, row.kind, c), row.x, row.y, reach_m, far)
            for c in sorted(categories)
        ]
        if row.ewc_code:
            coded = self.codes.near(
                (offer_side, row.kind, row.ewc_code), row.x, row.y, reach_m, far
            )
            known = [code_of(c) for c in categories]
            parts.append(coded[~np.isin(self.side.category[coded], known)])  # not twice
        pool = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        pool = pool[self.org[pool] != row.organisation_id]
        if len(pool) == 0:
            return [], [], [], True
        others = self.side.take(pool)
        scored = score_pairs(self.side.take(np.array([position])), others, today)
        ids = others.id[scored.index]
        order = ranking(scored, ids, KEEP)
        return (
            ids[order].tolist(),
            scored.score[order].tolist(),
            scored.km[order].tolist(),
            len(scored.index) <= KEEP,
        )


class _Groups:
    """Positions of listings per (is a want, kind, category or code), sorted by x; with the
    ones stating a reach beyond the default kept apart too."""

    def __init__(self, rows: Sequence[Any], side: Side, *, by_code: bool) -> None:
        found: dict[tuple[bool, str, str], list[int]] = {}
        for position, r in enumerate(rows):
            value = r.ewc_code if by_code else r.category
            if value:
                found.setdefault((r.direction == "want", r.kind, value), []).append(position)
        self.x, self.y = side.x, side.y
        self.sorted: dict[tuple[bool, str, str], NDArray[np.int64]] = {}
        self.sorted_x: dict[tuple[bool, str, str], NDArray[np.float64]] = {}
        self.far: dict[tuple[bool, str, str], NDArray[np.int64]] = {}
        for key, positions in found.items():
            array = np.asarray(positions, dtype=np.int64)
            array = array[np.argsort(side.x[array], kind="stable")]
            self.sorted[key], self.sorted_x[key] = array, side.x[array]
            self.far[key] = array[np.nan_to_num(side.reach[array], nan=0.0) > DEFAULT_RADIUS_KM]

    def near(
        self, key: tuple[bool, str, str], x: float, y: float, reach_m: float, far: bool
    ) -> NDArray[np.int64]:
        """The group's positions inside the square of `reach_m` around (x, y); with `far`,
        also those beyond it that state a reach longer than the default."""
        if key not in self.sorted:
            return np.empty(0, dtype=np.int64)
        xs = self.sorted_x[key]
        low, high = (
            np.searchsorted(xs, x - reach_m, "left"),
            np.searchsorted(xs, x + reach_m, "right"),
        )
        strip = self.sorted[key][low:high]
        inside = strip[np.abs(self.y[strip] - y) <= reach_m]
        if not far or len(self.far[key]) == 0:
            return inside
        extra = self.far[key]
        outside = (np.abs(self.x[extra] - x) > reach_m) | (np.abs(self.y[extra] - y) > reach_m)
        return np.concatenate([inside, extra[outside]])
