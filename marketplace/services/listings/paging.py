"""Counting and paging that do not grow with the market.

Counts are exact up to COUNT_LIMIT and otherwise "more than COUNT_LIMIT": counting a million
matches to print one number would cost more than the page itself. Page numbers (an offset) reach
as far as the bounded count; beyond that, and for every "next page", a keyset cursor says where
the previous page ended (its sort key: relevance when ranked, then published_at and id), so page
5,000 costs what page 1 costs. A cursor is an opaque token to callers; decoding refuses anything
that is not one of ours with CursorError.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, Select, SQLColumnExpression, func, literal, select, tuple_
from sqlalchemy.orm import Session

from models.base import UTCDateTime

COUNT_LIMIT = 1000
MAX_PAGE = 10**6
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_MICROS = (datetime(9999, 1, 1, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)
MAX_TOKEN = 120
_INT = re.compile(r"0|[1-9][0-9]{0,18}")
_FLOAT = re.compile(r"-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?")
VERSION = "1"


class CursorError(ValueError):
    """A cursor that is not ours, or not for this ordering."""


@dataclass(frozen=True)
class Cursor:
    """The sort key of the row a page starts after (or, `backwards`, ends before).

    `page` is the number of the page the cursor leads to, for showing "page 12"; `relevance` is
    set when the results are ranked by text relevance.
    """

    page: int
    published_at: datetime
    id: int
    relevance: float | None = None
    backwards: bool = False

    def encode(self) -> str:
        micros = (self.published_at - EPOCH) // timedelta(microseconds=1)
        relevance = "-" if self.relevance is None else repr(self.relevance)
        direction = "b" if self.backwards else "a"
        raw = ":".join((VERSION, direction, str(self.page), str(micros), str(self.id), relevance))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _whole(text: str, upper: int) -> int:
    if not _INT.fullmatch(text) or not 0 <= int(text) <= upper:
        raise CursorError("not a cursor")
    return int(text)


def decode_cursor(token: str) -> Cursor:
    """The cursor a token stands for; CursorError for anything else, never another error."""
    if not token or len(token) > MAX_TOKEN or not token.isascii():
        raise CursorError("not a cursor")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, ValueError) as exc:
        raise CursorError("not a cursor") from exc
    parts = raw.split(":")
    if len(parts) != 6 or parts[0] != VERSION or parts[1] not in ("a", "b"):
        raise CursorError("not a cursor")
    relevance = None
    if parts[5] != "-":
        if not _FLOAT.fullmatch(parts[5]) or not math.isfinite(float(parts[5])):
            raise CursorError("not a cursor")
        relevance = float(parts[5])
    page, listing_id = _whole(parts[2], MAX_PAGE), _whole(parts[4], 2**63 - 1)
    if page < 1 or listing_id < 1:
        raise CursorError("not a cursor")
    micros = _whole(parts[3], MAX_MICROS)
    return Cursor(
        page=page,
        published_at=EPOCH + timedelta(microseconds=micros),
        id=listing_id,
        relevance=relevance,
        backwards=parts[1] == "b",
    )


def bounded_count(session: Session, stmt: Select[Any]) -> tuple[int, bool]:
    """(count, whether there are more): reads at most COUNT_LIMIT + 1 rows of `stmt`."""
    limited = stmt.order_by(None).limit(COUNT_LIMIT + 1).subquery()
    found = session.scalar(select(func.count()).select_from(limited)) or 0
    return min(found, COUNT_LIMIT), found > COUNT_LIMIT


@dataclass(frozen=True)
class Slice:
    """One page of ids in order, and the cursors to the pages either side (None: no page)."""

    ids: list[int]
    page: int
    next: Cursor | None
    prev: Cursor | None


def _bound(cursor: Cursor) -> Any:
    """The cursor's sort key as a SQL row value, typed like the columns it is compared with."""
    key = [literal(cursor.published_at, UTCDateTime()), literal(cursor.id, Integer())]
    if cursor.relevance is not None:
        key.insert(0, literal(cursor.relevance, Float()))
    return tuple_(*key)


def _cursor(row: Any, page: int, ranked: bool, backwards: bool) -> Cursor:
    return Cursor(
        page=page,
        published_at=row[-2],
        id=row[-1],
        relevance=float(row[0]) if ranked else None,
        backwards=backwards,
    )


def keyset_slice(
    session: Session,
    base: Select[Any],
    keys: list[SQLColumnExpression[Any]],
    *,
    page: int,
    per_page: int,
    cursor: Cursor | None,
) -> Slice:
    """The page of `base` in descending order of `keys` (ending in published_at, id): at an
    offset for `page` when no cursor is given, else next to the cursor's row."""
    ranked = len(keys) == 3
    if cursor is not None and (cursor.relevance is not None) != ranked:
        raise CursorError("the cursor belongs to another ordering")
    stmt = base.with_only_columns(*keys).limit(per_page + 1)
    backwards = cursor is not None and cursor.backwards
    if cursor is None:
        stmt = stmt.order_by(*(k.desc() for k in keys)).offset((page - 1) * per_page)
    else:
        page = cursor.page
        bound = _bound(cursor)
        if backwards:
            stmt = stmt.where(tuple_(*keys) > bound).order_by(*(k.asc() for k in keys))
        else:
            stmt = stmt.where(tuple_(*keys) < bound).order_by(*(k.desc() for k in keys))
    rows = list(session.execute(stmt).all())
    more, rows = len(rows) > per_page, rows[:per_page]
    if backwards:
        rows.reverse()
    if not rows:
        return Slice(ids=[], page=page, next=None, prev=None)
    has_next = more if not backwards else True
    has_prev = (more if backwards else cursor is not None) or (cursor is None and page > 1)
    return Slice(
        ids=[row[-1] for row in rows],
        page=page,
        next=_cursor(rows[-1], page + 1, ranked, False) if has_next else None,
        prev=_cursor(rows[0], page - 1, ranked, True) if has_prev and page > 1 else None,
    )
