"""Several GROUP BYs over the same rows in one statement that reads the rows once.

PostgreSQL has GROUPING SETS; SQLite has not, so there the rows are materialised once in a
common table expression and each grouping is a GROUP BY over it, joined by UNION ALL. Either
way the database filters and joins the fact table once instead of once per grouping, which is
what the staff dashboard spent most of its time on (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, Select, func, literal, null, select, text, tuple_, union_all
from sqlalchemy.orm import Session

Measure = Callable[[Any], Any]  # the rows' columns -> an aggregate expression
Groups = dict[str, list[dict[str, Any]]]

# PostgreSQL sorts for grouping sets it cannot hash within work_mem (4 MB by default), which
# at 100k rows took longer than hashing all of them (docs/performance.md); SET LOCAL holds for
# the current transaction only.
POSTGRES_WORK_MEM = "32MB"


def grouping_sets(
    session: Session,
    rows: Select[Any],
    sets: Mapping[str, Sequence[str]],
    measures: Mapping[str, Measure],
) -> Groups:
    """Aggregate `rows` (a SELECT whose columns carry labels) once per named set of key
    columns. Returns, for each set name, one dict per group with its keys and measures; a set
    with no keys gives one group over all rows (read it with `total()`)."""
    keys = list(dict.fromkeys(key for names in sets.values() for key in names))
    clash = set(keys) & set(measures) | {"grouping_set"} & (set(keys) | set(measures))
    if clash:
        raise ValueError(f"names used twice: {sorted(clash)}")
    if len({frozenset(names) for names in sets.values()}) != len(sets):
        raise ValueError("two grouping sets have the same keys")
    if session.get_bind().dialect.name == "postgresql":
        stmt, decode = _postgresql(rows, sets, measures, keys)
        session.execute(text(f"SET LOCAL work_mem = '{POSTGRES_WORK_MEM}'"))
    else:
        stmt, decode = _union(rows, sets, measures, keys)
    groups: Groups = {name: [] for name in sets}
    for row in session.execute(stmt).mappings():
        name = decode(row["grouping_set"])
        groups[name].append({column: row[column] for column in (*sets[name], *measures)})
    return groups


def total(groups: Groups, name: str, measure: str) -> Any:
    """The value of `measure` in the one group of a set without keys (None when no rows)."""
    return groups[name][0][measure] if groups[name] else None


def _postgresql(
    rows: Select[Any], sets: Mapping[str, Sequence[str]], measures: Mapping[str, Measure],
    keys: list[str],
) -> tuple[Any, Callable[[int], str]]:  # fmt: skip
    facts = rows.subquery("facts")
    columns = [facts.c[key] for key in keys]
    # GROUPING(a, b, ...) has a bit set for each key the row's set does not group by.
    by_mask = {
        sum(1 << (len(keys) - 1 - i) for i, key in enumerate(keys) if key not in names): name
        for name, names in sets.items()
    }
    stmt = select(
        func.grouping(*columns).label("grouping_set") if columns else literal(0),
        *columns,
        *(measure(facts.c).label(name) for name, measure in measures.items()),
    ).group_by(
        func.grouping_sets(*(tuple_(*(facts.c[key] for key in names)) for names in sets.values()))
    )
    return stmt, by_mask.__getitem__


def _union(
    rows: Select[Any], sets: Mapping[str, Sequence[str]], measures: Mapping[str, Measure],
    keys: list[str],
) -> tuple[Any, Callable[[int], str]]:  # fmt: skip
    # A CTE that several SELECTs read is materialised once (SQLite ≥ 3.35 and PostgreSQL ≥ 12
    # do that by default; the keyword says so).
    facts = rows.cte("facts").prefix_with("MATERIALIZED")
    names = list(sets)
    parts = [
        select(
            literal(i).label("grouping_set"),
            *((facts.c[key] if key in sets[name] else null()).label(key) for key in keys),
            *(measure(facts.c).label(label) for label, measure in measures.items()),
        ).group_by(*(facts.c[key] for key in sets[name]))
        for i, name in enumerate(names)
    ]
    return union_all(*parts), names.__getitem__


def concurrently(
    session: Session,
    calls: Sequence[Callable[[Session], Any]],
    *,
    parallel: bool = False,
    workers: int = 2,
) -> list[Any]:
    """Run independent read-only calls and return their results in order.

    `parallel` is the caller's word that its transaction has written nothing other connections
    cannot see (a read-only request, a job that has just committed). Then, when `session` is
    bound to an engine and holds no pending changes, each call gets a session of its own (its
    own connection and transaction), `workers` at a time, so two statements run on the
    database's cores at once; results must be plain values, not ORM objects. Otherwise (the
    default, a session bound to a connection as a test's open transaction, or one holding
    changes) the calls run in `session`, one after the other, and see its writes."""
    bind = session.get_bind()
    pending = bool(session.new or session.dirty or session.deleted)
    if not parallel or not isinstance(bind, Engine) or pending or workers < 2 or len(calls) < 2:
        return [call(session) for call in calls]
    # The calls only read: on SQLite they must not queue for the write lock (BEGIN IMMEDIATE)
    # when the caller's engine is a writer (models.engine.writer_engine).
    reader = bind.execution_options(sqlite_begin_immediate=False)

    def alone(call: Callable[[Session], Any]) -> Any:
        with Session(reader) as own:
            return call(own)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stats") as pool:
        return list(pool.map(alone, calls))
