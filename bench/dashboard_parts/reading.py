"""The report's prose: data, filters, verdict and what the figures say."""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict

from support.clock import pct

from dashboard_parts.common import CANDIDATE_INDEXES, CHUNK, RADIUS_KM, TARGET_P95_MS, WARMUP, YEARS
from dashboard_parts.measure import Statement, named_filters
from dashboard_parts.results import Results

STATEMENT_KINDS = (  # what a statement reads, by its SQL (first match)
    ("match_potentials", "join every best match to both its listings (potential)"),
    ("listings.published_at >=", "read the period's listings"),
    ("deliveries.delivered_on >=", "read the period's deliveries"),
    ("", "read deals or conversations"),
)


def kinds_of(statements: list[Statement]) -> str:
    groups: dict[str, list[Statement]] = defaultdict(list)
    for st in statements:
        key = next(label for marker, label in STATEMENT_KINDS if marker in st.sql)
        groups[key].append(st)
    return "; ".join(
        f"{len(groups[label])} {label} ({sum(x.ms for x in groups[label]):.0f} ms)"
        for _marker, label in STATEMENT_KINDS
        if groups[label]
    )


def summary_lines(results: Results) -> list[str]:
    """What the measurements say, computed from them."""
    lines = ["", "Reading (computed from the figures above):", ""]
    for row in results.rows:
        if not row.slowest:
            continue
        before = row.statements.get(f"slowest filter ({row.slowest})", [])
        p50 = pct(row.dashboard[row.slowest].total, 50)
        alone = sum(st.ms for st in before)
        share = alone / p50 if p50 else 0.0
        largest = max((st.ms for st in before), default=0.0)
        where = (
            "most of the time is in the database"
            if share >= 0.7
            else f"{share:.0%} of it in the database, the rest in Python (ORM, session, rows)"
        )
        shape = (
            "many passes over the same rows rather than one slow query"
            if largest < 0.25 * alone
            else "one statement dominates"
        )
        lines.append(
            f"- {row.backend}, {row.slowest}: the {len(before)} statements take {alone:.0f} ms "
            f"when run alone, the whole computation {p50:.0f} ms (p50): {where}. Of them, "
            f"{kinds_of(before)}; the largest single statement takes {largest:.0f} ms: "
            f"{shape}."
        )
        if not row.trials:
            continue
        ratios = {
            name: statistics.median(
                pct(row.trials[name][label].total, 95) / pct(s.total, 95)
                for label, s in row.dashboard.items()
            )
            for name in row.trials
        }
        single = {k: v for k, v in ratios.items() if k in CANDIDATE_INDEXES}
        best = min(single, key=lambda k: single[k])
        text_ = (
            f"- {row.backend}, indexes: the best single one is `{best}` (median p95 ratio "
            f"{single[best]:.2f} over the six filters)"
        )
        if "proposed together" in row.trials:
            together = row.trials["proposed together"]
            worst_label = max(together, key=lambda label: pct(together[label].total, 95))
            after = row.statements.get(f"{row.slowest}, with the proposed indexes", [])
            text_ += (
                f"; the proposed ones together {ratios['proposed together']:.2f}, worst p95 "
                f"{pct(together[worst_label].total, 95):.0f} ms ({worst_label}); "
                f"{sum(1 for lab in together if pct(together[lab].total, 95) <= TARGET_P95_MS)}"
                f" of 6 filters within {TARGET_P95_MS:g} ms. With them, {row.slowest}: "
                f"{len(after)} statements, {sum(st.ms for st in after):.0f} ms alone: "
                f"{kinds_of(after)}"
            )
        lines.append(text_ + ".")
    return lines


def page_profile_lines(results: Results) -> list[str]:
    lines = []
    for row in results.rows:
        for label, entries in row.page_profile.items():
            lines += ["", f"- opportunities page, {row.backend}, {label}, under cProfile: "
                      f"{entries[0]}; " + "; ".join(entries[1:])]  # fmt: skip
    return lines


def data_lines(results: Results, args: argparse.Namespace) -> list[str]:
    counts = results.data.get("counts", {})
    rows = counts.get("rows", {})
    status = counts.get("listing status", {})
    kind = counts.get("listing kind", {})
    direction = counts.get("listing direction", {})
    deal_status = counts.get("deal status", {})
    n = max(rows.get("listings", 0), 1)
    published = status.get("published", 0)

    def share(counter: dict[str, int], total: int) -> str:
        ranked = sorted(counter.items(), key=lambda kv: -kv[1])
        return ", ".join(f"{k} {v / total:.0%}" for k, v in ranked)

    generated = "; ".join(
        f"{r.backend}: " + (f"written in {r.prepared.load_s:.1f} s" if r.prepared.load_s
                            else f"reused (--keep), generated at {r.prepared.generated_at}")
        for r in results.rows
    )  # fmt: skip
    return [
        f"- data: {rows.get('listings', 0):,} listings ({share(direction, n)}; "
        f"{share(kind, n)}; status {share(status, n)}), published over {YEARS} years with "
        f"growth towards today, at {rows.get('sites', 0):,} sites of "
        f"{rows.get('organisations', 0):,} firms (SNI codes weighted towards the region's "
        "industry, 4 % without) clustered around the 41 municipalities' main towns by urban "
        "population (SCB tätorter 2020); 22 categories of materials, heat and capacity in "
        "t/m³/kg/MWh/kW/m²/pallet places/hours, once/weekly/monthly/yearly",
        f"- {rows.get('conversations', 0):,} conversations ({args.conversations_per_year:,} a "
        f"year) between fitting listings of different firms nearby; {rows.get('deals', 0):,} "
        f"deals over them (status {share(deal_status, max(rows.get('deals', 1), 1))}; a "
        "conversation carries several deals, re-orders of the same exchange) with supplier "
        f"and receiver sites; {rows.get('deliveries', 0):,} deliveries (1–4 per deal once "
        "delivering) with tonnes, CO2e, SEK and `impact_json` filled; "
        f"{rows.get('match_potentials', 0):,} `MatchPotential` rows (best match of "
        f"{rows.get('match_potentials', 0) / max(published, 1):.0%} of the {published:,} "
        "published listings)",
        "- rows are generated directly (SQLAlchemy Core `insert()` of dict lists, "
        f"{CHUNK:,} rows a chunk, then ANALYZE), not through the services; {generated}",
    ]


def what_is_measured() -> str:
    return (
        "`stats.dashboard` (the key figures, `by_month`, `by_category` and `by_municipality`: "
        "five grouped statements over listings (two), deliveries, agreements and best "
        "matches, plus completions, inquiries and the medians, two at a time)"
    )


def filter_lines(args: argparse.Namespace) -> list[str]:
    named = named_filters(args.today)
    return [
        f"- filters (today {args.today}): "
        + "; ".join(f"{label} ({f.start} – {f.end})" for label, f in named),
        f"- each dashboard run: {what_is_measured()} in a fresh `Session` (as in a "
        f"request), {WARMUP} warm-up then "
        f"{args.runs} timed runs per filter; the opportunities page: `lonely` (offers and "
        f"wants, {RADIUS_KM} km) + `untaken_matches` + `network`, {WARMUP} warm-up then "
        f"{args.page_runs} timed runs per filter",
        "- baselines in the same run and process: `SELECT 1` and `SELECT count(*) FROM "
        f"listings`, each in a fresh `Session`, {args.runs} timed runs",
    ]


def verdict_lines(results: Results) -> list[str]:
    worst = [(pct(s.total, 95), r.backend, label) for r in results.rows
             for label, s in (r.http or r.dashboard).items()]  # fmt: skip
    if not worst:
        return []
    p95, backend, label = max(worst)
    within = [(b, lbl) for value, b, lbl in worst if value <= TARGET_P95_MS]
    missed = "; ".join(f"{b}, {lbl} ({value:.0f} ms)" for value, b, lbl in sorted(worst)
                       if value > TARGET_P95_MS)  # fmt: skip
    verdict = "met" if len(within) == len(worst) else "not met"
    return [
        f"- target (QUALITY.md): staff dashboard p95 ≤ {TARGET_P95_MS:g} ms at 100k listings "
        f"and 20k deals, taken as the whole page: **{verdict}** at these sizes: "
        f"{len(within)} of {len(worst)} backend × filter p95 within it (worst {p95:.0f} ms: "
        f"{backend}, {label})"
        + (f"; over it: {missed}" if missed else "")
        + "; the opportunities page has no target of its own",
    ]
