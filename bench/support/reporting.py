"""Reports: table cells, the machine, the measured code's digest, and the `--write` section
of docs/performance.md."""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DOC_HEADER = """# Performance

All figures below come from the scripts in `bench/`, run on this project's 2-core machine.
Targets are those of QUALITY.md. Every comparison is a ratio against a baseline measured in the
same run (same process, same data), so figures from different runs are never compared.
"""


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def verdict(value: float | None, limit: float | None) -> str:
    if value is None or limit is None:
        return "–"
    return "yes" if value <= limit else "**no**"


def target_cells(value: float | None, limit: float | None, sign: str = "≤") -> list[str]:
    """The target column ("≤ 5", or "–" without one) and whether `value` met it."""
    return [f"{sign} {limit:g}" if limit else "–", verdict(value, limit)]


def table_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


@dataclass
class Machine:
    """Software versions (the scripts add PostgreSQL's, PostGIS's) and the load at the start."""

    versions: dict[str, str] = field(default_factory=dict)
    load_average: tuple[float, float, float] = field(default_factory=os.getloadavg)


def machine_lines(machine: Machine) -> list[str]:
    """The report's first lines: date, CPUs, software versions, load average at the start."""
    cpu = "unknown"
    with Path("/proc/cpuinfo").open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {"Python": platform.python_version(), "SQLite": sqlite3.sqlite_version}
    versions.update(machine.versions)
    soft = ", ".join(f"{k} {v}" for k, v in versions.items())
    load = ", ".join(f"{v:.2f}" for v in machine.load_average)
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()}; {soft}",
        f"- load average at start (1, 5, 15 min): {load}",
    ]


def loads_text(load_s: dict[tuple[str, int], float]) -> str:
    return ", ".join(f"{b} {n:,}: {s:.1f} s" for (b, n), s in load_s.items())


def code_digest(*modules: Any) -> str:
    """Which version of the code is measured: the first 12 hex digits of its files' sha256."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:12]


def finish(
    args: argparse.Namespace, lines: list[str], notes: list[str], *, failed: bool, name: str,
    title: str,
) -> int:  # fmt: skip
    """The end of every bench script's main(): print the report and its problems, write the
    section of docs/performance.md when asked (`--write`); the exit code says whether a check
    failed."""
    print("\n" + "\n".join(lines))
    for note in notes:
        print(note)
    if args.write:
        write_section(args.write, name, title, lines)
        print(f"wrote {args.write}")
    return 1 if failed else 0


def write_section(path: Path, name: str, title: str, lines: list[str]) -> None:
    """Replace the `<!-- name:start -->` … `<!-- name:end -->` section of `path` (every bench
    script writes its own), or append it after everything else."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = "\n".join([start, title, "", *lines, end])
    old = path.read_text(encoding="utf-8") if path.exists() else DOC_HEADER
    if start in old and end in old:
        head, rest = old.split(start, 1)
        new = head + section + rest.split(end, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")


def markdown_table(columns: str, rows: Iterable[list[str]]) -> list[str]:
    """A markdown table: `columns` are the titles separated by " | ", a title ending in ">" is
    right-aligned (numbers); then one line per row of cells."""
    titles = [t.strip() for t in columns.split(" | ")]
    head = [t.removesuffix(">") for t in titles]
    align = ["--:" if t.endswith(">") else "---" for t in titles]
    return [table_row(head), "|" + "|".join(align) + "|", *(table_row(cells) for cells in rows)]
