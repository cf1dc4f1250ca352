"""The report's tables."""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterator

from support.clock import pct
from support.reporting import fmt, table_row

from dashboard_parts.common import CANDIDATE_INDEXES, PROPOSED, TARGET_P95_MS
from dashboard_parts.measure import PART_NAMES, Series
from dashboard_parts.results import Results

# --- report --------------------------------------------------------------------------------


def p(series: list[float], q: float) -> str:
    return fmt(pct(series, q), 1)


def met(value: float) -> str:
    return "yes" if value <= TARGET_P95_MS else "**no**"


def dashboard_table(results: Results) -> list[str]:
    parts = [n for n in PART_NAMES if any(n in s.parts for r in results.rows
                                          for s in r.dashboard.values())]  # fmt: skip
    lines = [
        "| backend | filter | p50 ms | p95 ms | max ms | target p95 ms | met "
        "| p95 ÷ `count(*)` p95 | " + " | ".join(f"`{n}` p50" for n in parts) + " |",
        "|---|---|--:|--:|--:|--:|---|--:|" + "--:|" * len(parts),
    ]
    for row in results.rows:
        base = pct(row.baselines["SELECT count(*) FROM listings"].total, 95)
        for label, s in row.dashboard.items():
            p95 = pct(s.total, 95)
            cells = timing_cells(row.backend, label, s, p95, fmt(p95 / base, 0))
            cells += [p(s.parts[name], 50) if name in s.parts else "–" for name in parts]
            lines.append(table_row(cells))
    return lines


def timing_cells(backend: str, label: str, s: Series, p95: float, last: str) -> list[str]:
    """backend, filter, p50, p95, max, the target, whether met, and one more cell."""
    cells = [backend, label, p(s.total, 50), p(s.total, 95), fmt(max(s.total), 1)]
    return [*cells, f"≤ {TARGET_P95_MS:g}", met(p95), last]


def http_table_rows(results: Results) -> Iterator[list[str]]:
    for row in results.rows:
        for label, s in row.http.items():
            p95 = pct(s.total, 95)
            extra = p95 - pct(row.dashboard[label].total, 95)
            cells = timing_cells(row.backend, label, s, p95, fmt(extra, 0))
            yield cells


def baseline_table_rows(results: Results) -> Iterator[list[str]]:
    for row in results.rows:
        for label, s in row.baselines.items():
            cells = [
                row.backend,
                f"`{label}`",
                p(s.total, 50),
                p(s.total, 95),
                fmt(max(s.total), 2),
            ]
            yield cells


def pages_table_rows(results: Results) -> Iterator[list[str]]:
    for row in results.rows:
        base = pct(row.baselines["SELECT count(*) FROM listings"].total, 95)
        for label, s in row.pages.items():
            lonely = [a + b for a, b in zip(s.parts["lonely offers"], s.parts["lonely wants"],
                                            strict=True)]  # fmt: skip
            untaken, network = s.parts["untaken_matches"], s.parts["network"]
            cells = [row.backend, label]
            cells.append(f"{p(lonely, 50)} / {p(lonely, 95)} / {fmt(max(lonely), 1)}")
            cells.append(f"{p(untaken, 50)} / {p(untaken, 95)} / {fmt(max(untaken), 1)}")
            cells.append(f"{p(network, 50)} / {p(network, 95)}")
            cells.append(f"{p(s.total, 50)} / {p(s.total, 95)}")
            cells.append(fmt(pct(s.total, 95) / base, 0))
            yield cells


def statements_lines(results: Results, top: int) -> list[str]:
    lines = []
    for row in results.rows:
        for label, statements in row.statements.items():
            total = sum(s.ms for s in statements)
            lines += [
                "",
                f"{row.backend}, {label}: {len(statements)} statements, "
                f"{total:.0f} ms when each is run alone (rows fetched, median of 3); the "
                f"{top} slowest:",
                "",
                "| # | issued by | ms | share | rows | plan (PostgreSQL: nodes with the most "
                "exclusive time, EXPLAIN ANALYZE; SQLite: EXPLAIN QUERY PLAN) |",
                "|--:|---|--:|--:|--:|---|",
            ]
            for i, s in enumerate(statements[:top], 1):
                plan = "; ".join(s.plan).replace("|", "\\|")
                cells = [str(i), f"`{s.origin}`", fmt(s.ms, 1), f"{s.ms / total:.0%}",
                         f"{s.rows:,}", plan]  # fmt: skip
                lines.append(table_row(cells))
            by_origin: dict[str, float] = defaultdict(float)
            for s in statements:
                by_origin[s.origin.split(" > ")[-1]] += s.ms
            ranked = sorted(by_origin.items(), key=lambda kv: -kv[1])
            lines += ["", "- by function: " + ", ".join(
                f"`{name}` {ms:.0f} ms ({ms / total:.0%})" for name, ms in ranked
            )]  # fmt: skip
    return lines


def trials_table(results: Results, args: argparse.Namespace) -> list[str]:
    rows = [r for r in results.rows if r.trials]
    if not rows:
        return []
    names = list(rows[0].trials)
    lines = [
        "",
        "Candidate indexes, created by hand in the benchmark database only (CREATE INDEX, then "
        f"ANALYZE; dropped afterwards): dashboard p95 ms per filter, each index alone "
        f"({args.trial_runs} timed runs per filter) and the proposed ones together "
        f"({args.runs} runs):",
        "",
        "| backend | filter | without | "
        + " | ".join(f"`{n}`" for n in names)
        + " | together ÷ without |",
        "|---|---|--:|" + "--:|" * len(names) + "--:|",
    ]
    for row in rows:
        for label, s in row.dashboard.items():
            cells = [row.backend, label, p(s.total, 95)]
            cells += [p(row.trials[n][label].total, 95) for n in names]
            together = row.trials.get("proposed together", {}).get(label)
            ratio = pct(together.total, 95) / pct(s.total, 95) if together else None
            cells.append(fmt(ratio, 2))
            lines.append(table_row(cells))
    lines += ["", "- indexes: " + "; ".join(f"`{n}`: `{CANDIDATE_INDEXES[n]}`"
                                           for n in names if n in CANDIDATE_INDEXES)]  # fmt: skip
    if "proposed together" in names:
        worst = max(pct(r.trials["proposed together"][label].total, 95)
                    for r in rows for label in r.dashboard)  # fmt: skip
        lines.append(
            f"- proposed together: {', '.join(f'`{n}`' for n in PROPOSED)}; worst p95 with "
            f"them {worst:.0f} ms (target ≤ {TARGET_P95_MS:g} ms: "
            f"{'met' if worst <= TARGET_P95_MS else 'still not met'})"
        )
    return lines
