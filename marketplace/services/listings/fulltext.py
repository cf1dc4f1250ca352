"""Full-text search over `Listing.search_text`, the same meaning on both databases.

What a user types is never handed to the database as query syntax: it is cut into words of
letters and digits (anything else separates words, so quotes, `*`, `:`, `&`, `|`, `!` and
brackets are only separators) and each word becomes a prefix term, all of which must match
("sågsp" finds "sågspån"). PostgreSQL matches them against the generated `search_vector`
(configuration `swedish_unaccent`: accents removed, Swedish stems) and ranks with ts_rank;
SQLite matches the FTS5 table `listings_fts` (diacritics removed) and ranks with bm25. Both
relevances are "higher is better" here (bm25 is negated), so one ordering serves both.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Float, Select, cast, column, func, literal_column, table
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, TSVECTOR

from models.listings import FTS_TABLE, SEARCH_VECTOR, TS_CONFIG, Listing

S = TypeVar("S", bound=Select[Any])

MAX_WORDS = 8
MAX_WORD_LENGTH = 60  # longer "words" are cut: no real word is, and lexemes have a size limit
WORD = re.compile(r"[^\W_]+")

_fts = table(FTS_TABLE, column("rowid"), column(FTS_TABLE), column("rank", Float))
_vector = literal_column(f"listings.{SEARCH_VECTOR}", type_=TSVECTOR)
_config: ColumnElement[Any] = literal_column(f"'{TS_CONFIG}'::regconfig")


def words(q: str) -> list[str]:
    """The search words of `q`: letters and digits, case-folded, at most MAX_WORDS."""
    found = WORD.findall(unicodedata.normalize("NFKC", q).casefold())
    return [word[:MAX_WORD_LENGTH] for word in found[:MAX_WORDS]]


def _tsquery(terms: list[str]) -> str:
    """`w1:* & w2:*`: the words are letters and digits only, so nothing here is user syntax."""
    return " & ".join(f"{term}:*" for term in terms)


def _fts_query(terms: list[str]) -> str:
    """`"w1"* "w2"*`: quoted FTS5 strings (quotes doubled, though words hold none), prefixes."""
    return " ".join('"{}"*'.format(term.replace('"', '""')) for term in terms)


def match_text(stmt: S, terms: list[str], dialect: str) -> tuple[S, ColumnElement[float]]:
    """`stmt` restricted to listings containing every term (as a word prefix), and the
    relevance of each (higher is better) to order by."""
    if dialect == "postgresql":
        query = func.to_tsquery(_config, _tsquery(terms))
        stmt = stmt.where(_vector.bool_op("@@")(query))
        # ts_rank is a float4, which the driver reads as rounded decimal text; as a float8 it
        # reads back exactly, so a cursor's relevance compares equal to the row it came from.
        return stmt, cast(func.ts_rank(_vector, query), DOUBLE_PRECISION)
    stmt = stmt.join(_fts, _fts.c.rowid == Listing.id).where(
        _fts.c[FTS_TABLE].match(_fts_query(terms))
    )
    return stmt, -_fts.c.rank
