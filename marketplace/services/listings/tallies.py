"""Region totals for the home page from a maintained aggregate, never a scan of the market.

Each firm has a `firm_tallies` row: the offers, wants and tonnes offered of its *published*
listings. Whenever a flush writes a listing, the firms it touched are recomputed from their
listings in the same transaction (one grouped query), so the row is exactly as current as the
listings the transaction sees. The home page sums the rows and subtracts the few listings still
published but past their end date, which the hourly expire job has not reached yet; the result is
the live rule (`liveness.live_condition`) without reading the live listings.

Concurrency: the recomputation first locks the firms' rows (inserted if missing), in id order,
and only then reads the listings. Two PostgreSQL transactions changing one firm's listings so
recompute one after the other, and under READ COMMITTED the second's query sees the first's
committed listings: neither change is lost. SQLite serialises writers (BEGIN IMMEDIATE).

What the ORM does not see must say so: bulk `update(Listing)` statements that change a status or
quantity call `refresh_tallies` for the firms they touched (`deals.stock`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    bindparam,
    case,
    event,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper, Session, object_session

from models.listings import Listing
from models.organisations import Organisation
from models.tallies import FirmTally
from models.taxonomy import tonnes

_DUE = "listings.tallies.due"  # Session.info: firms whose listings the current flush wrote
# A changed listing matters to its firm's tally only through these.
_COUNTED = (
    "status", "organisation_id", "direction", "kind", "unit", "remaining_quantity",
    "density_t_per_m3",
)  # fmt: skip


@dataclass(frozen=True)
class RegionTotals:
    firms: int
    offers: int
    wants: int
    tonnes_offered: float


@dataclass
class _Sums:
    offers: int = 0
    wants: int = 0
    tonnes_offered: float = 0.0


def region_totals(session: Session, *, today: date) -> RegionTotals:
    """Firms with a live listing, live offers and wants, tonnes of live material offers."""
    stale = _sums(session, (Listing.status == "published") & (Listing.available_until < today))
    held = FirmTally.offers + FirmTally.wants
    firms, offers, wants, tonnes_offered = session.execute(
        select(
            func.coalesce(func.sum(case((held > 0, 1), else_=0)), 0),
            func.coalesce(func.sum(FirmTally.offers), 0),
            func.coalesce(func.sum(FirmTally.wants), 0),
            func.coalesce(func.sum(FirmTally.tonnes_offered), 0.0),
        )
    ).one()
    if stale:  # a firm whose published listings are all past their end date is not live
        counts = session.execute(
            select(FirmTally.organisation_id, held).where(FirmTally.organisation_id.in_(stale))
        )
        firms -= sum(1 for firm, n in counts if n == stale[firm].offers + stale[firm].wants)
    left = float(tonnes_offered) - sum(s.tonnes_offered for s in stale.values())
    return RegionTotals(
        firms=int(firms),
        offers=int(offers) - sum(s.offers for s in stale.values()),
        wants=int(wants) - sum(s.wants for s in stale.values()),
        # Quantities have three decimals and densities three: tonnes are exact to the gram, and
        # rounding there drops the residue of float sums (no "0.0000000001 t" once all is gone).
        tonnes_offered=round(left, 6) + 0.0,
    )


def refresh_tallies(session: Session, organisation_ids: Iterable[int]) -> None:
    """Recompute these firms' tallies from their listings, in the caller's transaction."""
    ids = sorted(set(organisation_ids))
    if ids:
        _recompute(session.connection(), ids)


def rebuild_tallies(session: Session) -> int:
    """Recompute every firm's tally from scratch; how many firms have a published listing."""
    connection = session.connection()
    _recompute(connection, None)
    counted = (
        select(func.count()).select_from(FirmTally).where(FirmTally.offers + FirmTally.wants > 0)
    )
    return connection.scalar(counted) or 0


def _recompute(connection: Connection, ids: list[int] | None) -> None:
    """Lock, then recount, the tallies of these firms (all when None): see the module docstring."""
    published = Listing.status == "published"
    wanted = select(Organisation.id).order_by(Organisation.id)
    if ids is None:  # a rebuild adds rows only for firms that have something to count
        wanted = wanted.where(Organisation.id.in_(select(Listing.organisation_id).where(published)))
    else:  # firms deleted in this transaction get none
        wanted = wanted.where(Organisation.id.in_(ids))
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(FirmTally)
        .from_select(["organisation_id"], wanted)
        .on_conflict_do_nothing(index_elements=["organisation_id"])
    )
    lock = select(FirmTally.organisation_id).order_by(FirmTally.organisation_id).with_for_update()
    if ids is not None:
        lock = lock.where(FirmTally.organisation_id.in_(ids))
        published = published & Listing.organisation_id.in_(ids)
    locked = connection.scalars(lock).all()
    if locked:
        sums = _sums(connection, published)
        connection.execute(
            _UPDATE,
            [
                {"firm": firm, "o": s.offers, "w": s.wants, "t": s.tonnes_offered}
                for firm in locked
                for s in (sums.get(firm, _Sums()),)
            ],
        )


def _sums(bind: Session | Connection, condition: ColumnElement[bool]) -> dict[int, _Sums]:
    """Offers, wants and tonnes offered of the listings matching `condition`, by firm.

    Grouped by unit and density, so the conversion is `models.taxonomy.tonnes` applied to each
    group's total remaining quantity (it is linear in the quantity): the same figure the home
    page always showed, from a handful of rows per firm.
    """
    rows = bind.execute(
        select(
            Listing.organisation_id,
            Listing.direction,
            Listing.kind,
            Listing.unit,
            Listing.density_t_per_m3,
            func.count(),
            func.sum(Listing.remaining_quantity),
        )
        .where(condition)
        .group_by(
            Listing.organisation_id,
            Listing.direction,
            Listing.kind,
            Listing.unit,
            Listing.density_t_per_m3,
        )
    )
    sums: dict[int, _Sums] = {}
    for firm, direction, kind, unit, density, n, remaining in rows:
        s = sums.setdefault(firm, _Sums())
        if direction == "want":
            s.wants += n
            continue
        s.offers += n
        if kind == "material" and remaining is not None:
            mass = tonnes(float(remaining), unit, float(density) if density is not None else None)
            s.tonnes_offered += mass or 0.0
    return sums


_UPDATE = (
    update(FirmTally)
    .where(FirmTally.organisation_id == bindparam("firm"))
    .values(offers=bindparam("o"), wants=bindparam("w"), tonnes_offered=bindparam("t"))
)


# --- keeping the tallies current -----------------------------------------------------------
# Mapper events on Listing (not a listener on every Session: tests/services/test_transaction_rule)
# note the firms a flush writes; the first note installs an after_flush hook on that session
# alone, which recomputes them before the flush returns.


def _note(connection: Connection, target: Listing, *, update: bool = False) -> None:
    session = object_session(target)
    if session is None:
        return
    state = inspect(target)
    firms: set[int] = session.info.setdefault(_DUE, set())
    firm = state.dict.get("organisation_id")
    if firm is not None:
        firms.add(firm)
    moved = state.attrs.organisation_id.history
    firms.update(moved.deleted)  # moved to another firm: the old one loses the listing
    if firm is None or (update and moved.added and not moved.deleted):
        # The firm it belonged to was not loaded: the row, not yet written, still says.
        identity = state.identity
        assert identity is not None  # an update or delete: the row exists
        query = select(Listing.organisation_id).where(Listing.id == identity[0])
        found = connection.scalar(query)
        if found is not None:
            firms.add(found)
    if not event.contains(session, "after_flush", _after_flush):
        event.listen(session, "after_flush", _after_flush)


def _after_insert(_mapper: Mapper[Any], connection: Connection, target: Listing) -> None:
    _note(connection, target)


def _before_update(_mapper: Mapper[Any], connection: Connection, target: Listing) -> None:
    attrs = inspect(target).attrs
    if any(attrs[name].history.has_changes() for name in _COUNTED):
        _note(connection, target, update=True)


def _before_delete(_mapper: Mapper[Any], connection: Connection, target: Listing) -> None:
    _note(connection, target)


def _after_flush(session: Session, _context: Any) -> None:
    firms = session.info.pop(_DUE, None)
    if firms:
        refresh_tallies(session, firms)


event.listen(Listing, "after_insert", _after_insert)
event.listen(Listing, "before_update", _before_update)
event.listen(Listing, "before_delete", _before_delete)
