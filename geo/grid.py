"""A square grid over SWEREF 99 TM for indexed spatial prefilters (no spatial index needed).

A point's cell number is stored in an ordinary B-tree index; a search box becomes a short list of
cell numbers (`IN (…)`), so the database reads only the neighbourhood, not a strip across Sweden.
"""

from __future__ import annotations

import math

CELL_M = 5_000.0
_ROW = 10_000  # cell = column × _ROW + row; SWEREF northings in Sweden give rows < 10 000
MAX_CELLS = 1_000  # beyond this (radius above ~75 km) a plain coordinate range is cheaper


def cell_of(x: float, y: float) -> int:
    return math.floor(x / CELL_M) * _ROW + math.floor(y / CELL_M)


def cells_covering(min_x: float, min_y: float, max_x: float, max_y: float) -> list[int] | None:
    """Every cell a box touches, or None when the box spans more than MAX_CELLS cells."""
    columns = range(math.floor(min_x / CELL_M), math.floor(max_x / CELL_M) + 1)
    rows = range(math.floor(min_y / CELL_M), math.floor(max_y / CELL_M) + 1)
    if len(columns) * len(rows) > MAX_CELLS:
        return None
    return [column * _ROW + row for column in columns for row in rows]
