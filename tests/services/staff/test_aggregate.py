"""services.aggregate.grouping_sets: the same groups as one GROUP BY per set, on both databases
(GROUPING SETS on PostgreSQL, a UNION ALL over a materialised CTE on SQLite)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import Integer, String, column, func, literal, select, union_all

from marketplace.services.staff.aggregate import grouping_sets, total

ROWS = [
    ("offer", "wood", 3), ("offer", "wood", 4), ("offer", None, 5),
    ("want", "wood", 1), ("want", "slag", 10), ("want", None, None),
]  # fmt: skip
SETS = {"all": (), "by_side": ("side",), "by_cat": ("cat",), "both": ("side", "cat")}
MEASURES = {"n": lambda c: func.count(), "amount": lambda c: func.sum(c.amount)}


def _rows(data: list[tuple[Any, ...]]) -> Any:
    table = union_all(
        *(
            select(
                literal(side, String).label("side"),
                literal(cat, String).label("cat"),
                literal(amount, Integer).label("amount"),
            )
            for side, cat, amount in data
        )
    ).subquery("v")
    return select(
        table.c.side.label("side"), table.c.cat.label("cat"), table.c.amount.label("amount")
    )


def _expected(keys: tuple[str, ...]) -> dict[tuple[Any, ...], tuple[int, int | None]]:
    groups: dict[tuple[Any, ...], list[int | None]] = defaultdict(list)
    for side, cat, amount in ROWS:
        row = {"side": side, "cat": cat}
        groups[tuple(row[k] for k in keys)].append(amount)
    # SQL's SUM skips NULLs and is NULL when there is nothing else.
    sums = {key: [x for x in xs if x is not None] for key, xs in groups.items()}
    return {key: (len(groups[key]), sum(xs) if xs else None) for key, xs in sums.items()}


def test_each_set_equals_its_own_group_by(session):
    groups = grouping_sets(session, _rows(ROWS), SETS, MEASURES)
    assert set(groups) == set(SETS)
    for name, keys in SETS.items():
        got = {tuple(g[k] for k in keys): (g["n"], g["amount"]) for g in groups[name]}
        assert got == _expected(keys), name
        # Keys not in the set are not reported, so a NULL key (None) is a group of its own.
        assert all(set(g) == {*keys, "n", "amount"} for g in groups[name])
    assert total(groups, "all", "n") == len(ROWS)


def test_no_rows_gives_no_groups_and_a_none_total(session):
    empty = _rows(ROWS).where(column("amount") > 1000)
    groups = grouping_sets(session, empty, SETS, MEASURES)
    for name in ("by_side", "by_cat", "both"):
        assert groups[name] == []
    assert total(groups, "all", "amount") is None


def test_names_must_not_clash(session):
    with pytest.raises(ValueError, match="names used twice"):
        grouping_sets(session, _rows(ROWS), {"x": ("side",)}, {"side": MEASURES["n"]})
    with pytest.raises(ValueError, match="same keys"):
        grouping_sets(session, _rows(ROWS), {"a": ("side", "cat"), "b": ("cat", "side")}, MEASURES)
