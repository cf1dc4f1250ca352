"""The region's symbiosis statistics for staff: key figures, tables and drill-downs.

Definitions (the dashboard and `GET /api/v1/stats` state the same):
- The period is Swedish local days, both ends included. Flows count what happened in it:
  listings first published, inquiries (conversations opened), deals agreed and completed,
  deliveries (realised). Potential is a state: what the listings published now could exchange.
- Where: a listing is in its site's municipality (an anonymous listing too, which reveals no more
  than the municipality); a deal and its deliveries are where the supplier's site is.
- Sector: SNI 2007 section of the listing's firm, of the supplier for deals.
- Amounts are per year: a weekly stream ×52, a monthly one ×12, a one-off lot once; tonnes from
  t, kg, and m³ with a density; heat in MWh; capacity (storage, transport, machine time) per unit
  as listed, never added to tonnes.
- Realised = sums over confirmed deliveries (each with its stored estimate); potential = sums
  over the allocated pairs of each published offer (`potentials`: no want receives more than it
  asked for, no offer gives more than it has, only pairs that save CO2e), never mixed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.services.staff.aggregate import Groups, concurrently
from marketplace.services.staff.stats_sql import (
    SECTIONS,
    StatsFilter,
    agreement_facts,
    as_month,
    deal_conditions,
    deals_select,
    delivery_facts,
    listing_activity,
    listing_amounts,
    listings_select,
    potential_facts,
    section_of,
)
from marketplace.services.staff.timings import count_deals, count_inquiries, medians
from models.deals import Deal
from models.deliveries import Delivery
from models.listings import Listing

__all__ = ["SECTIONS", "StatsFilter", "section_of"]  # re-exported: the page and API use them


# --- the figures ----------------------------------------------------------------------------------


@dataclass
class Amounts:
    listings: int = 0
    tonnes: float = 0.0
    mwh: float = 0.0
    capacity: dict[str, float] = field(default_factory=dict)


@dataclass
class Outcome:
    """Realised (deliveries) or potential (best matches): never added together."""

    tonnes: float = 0.0
    mwh: float = 0.0
    co2e_kg: float = 0.0
    sek: float = 0.0
    count: int = 0  # deliveries, or listings with a match


@dataclass
class Figures:
    filters: StatsFilter
    active_firms: int
    listings: dict[str, dict[str, int]]  # direction -> kind -> count
    offered: Amounts
    wanted: Amounts
    matches: int
    inquiries: int
    deals_agreed: int
    deals_completed: int
    realised: Outcome
    potential: Outcome
    median_days_to_inquiry: float | None
    median_days_to_deal: float | None


@dataclass
class Dashboard:
    """The key figures and the three tables, computed together."""

    figures: Figures
    by_month: list[dict[str, Any]]
    by_category: list[dict[str, Any]]
    by_municipality: list[dict[str, Any]]


def _outcome(row: dict[str, Any] | None) -> Outcome:
    if not row:
        return Outcome()
    return Outcome(
        float(row["tonnes"] or 0), float(row["mwh"] or 0), float(row["co2e_kg"] or 0),
        float(row["sek"] or 0), int(row["n"]),
    )  # fmt: skip


def _firms(*groups: list[dict[str, Any]]) -> set[int]:
    """Firm ids from groups keyed by a firm (`firm`, `supplier` or `receiver`)."""
    keys = {"firm", "supplier", "receiver"}
    return {row[key] for rows in groups for row in rows for key in keys & row.keys()}


def _amounts(kinds: list[dict[str, Any]]) -> tuple[dict[str, dict[str, int]], dict[str, Amounts]]:
    counts: dict[str, dict[str, int]] = {
        d: {k: 0 for k in ("material", "energy", "capacity")} for d in ("offer", "want")
    }
    amounts = {"offer": Amounts(), "want": Amounts()}
    for row in kinds:
        direction, kind, unit, n = row["direction"], row["kind"], row["unit"], row["n"]
        counts[direction][kind] += n
        target = amounts[direction]
        target.listings += n
        if kind == "capacity":
            target.capacity[unit] = target.capacity.get(unit, 0.0) + float(row["plain"] or 0)
        elif unit == "MWh":
            target.mwh += float(row["yearly"] or 0)
        else:
            target.tonnes += float(row["tonnes"] or 0)
    return counts, amounts


def dashboard(session: Session, f: StatsFilter, *, parallel: bool = False) -> Dashboard:
    """Everything the staff dashboard shows: five grouped statements (listings' amounts and
    activity, deliveries, agreements, potential) and three small ones (completions, inquiries,
    both medians); they are independent reads, so with `parallel` (the caller's transaction has
    written nothing) two run at a time on connections of their own (`aggregate.concurrently`),
    the slowest first."""
    amounts, best, activity, delivered, (to_inquiry, to_deal), agreed, inquiries, completed = (
        concurrently(session, [
            lambda s: listing_amounts(s, f),
            lambda s: potential_facts(s, f),
            lambda s: listing_activity(s, f),
            lambda s: delivery_facts(s, f),
            lambda s: medians(s, f),
            lambda s: agreement_facts(s, f),
            lambda s: count_inquiries(s, f),
            lambda s: count_deals(s, f, Deal.completed_at),
        ], parallel=parallel)
    )  # fmt: skip
    listings = {**amounts, **activity}
    counts, per_direction = _amounts(listings["kinds"])
    potential = _potential(best)
    active = _firms(listings["firms"], *(g[side] for g in (delivered, agreed)
                                         for side in ("suppliers", "receivers")))  # fmt: skip
    figures = Figures(
        filters=f,
        active_firms=len(active),
        listings=counts,
        offered=per_direction["offer"],
        wanted=per_direction["want"],
        matches=potential.count,
        inquiries=inquiries,
        deals_agreed=sum(r["n"] for r in agreed["months"]),
        deals_completed=completed,
        realised=_outcome(delivered["total"][0] if delivered["total"] else None),
        potential=potential,
        median_days_to_inquiry=to_inquiry,
        median_days_to_deal=to_deal,
    )
    return Dashboard(
        figures=figures,
        by_month=_month_table(f, listings, agreed, delivered),
        by_category=_rows("category", _table("category", listings, delivered, best)),
        by_municipality=_rows("municipality", _table("municipality", listings, delivered, best)),
    )


def figures(session: Session, f: StatsFilter, *, parallel: bool = False) -> Figures:
    return dashboard(session, f, parallel=parallel).figures


def by_month(session: Session, f: StatsFilter, *, parallel: bool = False) -> list[dict[str, Any]]:
    """The monthly table alone (exports): three of the dashboard's statements."""
    activity, agreed, delivered = concurrently(session, [
        lambda s: listing_activity(s, f), lambda s: agreement_facts(s, f),
        lambda s: delivery_facts(s, f),
    ], parallel=parallel)  # fmt: skip
    return _month_table(f, activity, agreed, delivered)


def _table_alone(
    session: Session, f: StatsFilter, key: str, *, parallel: bool
) -> list[dict[str, Any]]:
    amounts, delivered, best = concurrently(session, [
        lambda s: listing_amounts(s, f), lambda s: delivery_facts(s, f),
        lambda s: potential_facts(s, f),
    ], parallel=parallel)  # fmt: skip
    return _rows(key, _table(key, amounts, delivered, best))


def _rows(key: str, table: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Table rows in key order; no municipality (an unplaced site) is None."""
    if key == "municipality":
        return [{key: name or None, **row} for name, row in sorted(table.items())]
    return [{key: name, **row} for name, row in sorted(table.items())]


def by_category(
    session: Session, f: StatsFilter, *, parallel: bool = False
) -> list[dict[str, Any]]:
    """The category table alone (exports)."""
    return _table_alone(session, f, "category", parallel=parallel)


def by_municipality(
    session: Session, f: StatsFilter, *, parallel: bool = False
) -> list[dict[str, Any]]:
    """The municipality table alone (exports)."""
    return _table_alone(session, f, "municipality", parallel=parallel)


def potential(session: Session, f: StatsFilter) -> Outcome:
    """Potential alone: best matches of published listings within the filters."""
    return _potential(potential_facts(session, f))


def _potential(best: Groups) -> Outcome:
    """Savings of the offers' best matches; the count is of listings with one, both sides."""
    matched = best["directions"]
    outcome = _outcome(next((r for r in matched if r["direction"] == "offer"), None))
    outcome.count = sum(r["n"] for r in matched)
    return outcome


# --- tables ---------------------------------------------------------------------------------------


def months_between(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_table(
    f: StatsFilter, listings: Groups, agreed: Groups, delivered: Groups
) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {
        m: {"month": m, "offers": 0, "wants": 0, "deals_agreed": 0, "realised_tonnes": 0.0,
            "realised_co2e_kg": 0.0, "realised_sek": 0.0}
        for m in months_between(f.start, f.end)
    }  # fmt: skip
    for row in listings["months"]:
        if (month := as_month(row["month"])) in rows:
            rows[month]["offers" if row["direction"] == "offer" else "wants"] += row["n"]
    for row in agreed["months"]:
        if (month := as_month(row["month"])) in rows:
            rows[month]["deals_agreed"] += row["n"]
    for row in delivered["months"]:
        if (month := as_month(row["month"])) in rows:
            outcome = _outcome(row)
            rows[month].update(
                realised_tonnes=outcome.tonnes,
                realised_co2e_kg=outcome.co2e_kg,
                realised_sek=outcome.sek,
            )
    return list(rows.values())


def _table(
    key: str, listings: Groups, delivered: Groups, best: Groups
) -> dict[str, dict[str, Any]]:
    """Offered/wanted per year, realised and potential per category or municipality."""
    group = {"category": "categories", "municipality": "municipalities"}[key]
    table: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"offers": 0, "wants": 0, "offered_tonnes": 0.0, "wanted_tonnes": 0.0,
                 "realised_tonnes": 0.0, "realised_co2e_kg": 0.0, "realised_sek": 0.0,
                 "potential_co2e_kg": 0.0, "potential_sek": 0.0}
    )  # fmt: skip
    for row in listings[group]:
        side = "offer" if row["direction"] == "offer" else "want"
        target = table[row[key] or ""]
        target[f"{side}s"] += row["n"]
        target["offered_tonnes" if side == "offer" else "wanted_tonnes"] += float(
            row["tonnes"] or 0
        )
    for row in delivered[group]:
        outcome = _outcome(row)
        table[row[key] or ""].update(
            realised_tonnes=outcome.tonnes, realised_co2e_kg=outcome.co2e_kg,
            realised_sek=outcome.sek,
        )  # fmt: skip
    for row in best[group]:
        if row["direction"] == "offer":
            outcome = _outcome(row)
            table[row[key] or ""].update(
                potential_co2e_kg=outcome.co2e_kg, potential_sek=outcome.sek
            )
    return dict(table)


# --- drill-down -----------------------------------------------------------------------------------


def drill_listings(
    session: Session, f: StatsFilter, *, direction: str | None = None, kind: str | None = None,
    limit: int = 500,
) -> list[Listing]:  # fmt: skip
    """The listings a figure counts (published in the period, within the filters)."""
    stmt = listings_select(f, Listing)
    if direction:
        stmt = stmt.where(Listing.direction == direction)
    if kind:
        stmt = stmt.where(Listing.kind == kind)
    return list(session.scalars(stmt.order_by(Listing.published_at.desc()).limit(limit)))


def drill_deals(
    session: Session, f: StatsFilter, *, which: str = "agreed", limit: int = 500
) -> list[Deal]:
    """The deals a figure counts: agreed or completed in the period, or with deliveries in it."""
    stmt = deals_select(Deal).where(*deal_conditions(f))
    if which == "completed":
        stmt = stmt.where(Deal.completed_at >= f.start_at, Deal.completed_at < f.end_at)
    elif which == "delivered":
        stmt = stmt.where(
            Deal.id.in_(
                select(Delivery.deal_id).where(
                    Delivery.delivered_on >= f.start,
                    Delivery.delivered_on <= f.end,
                    Delivery.status == "confirmed",
                )
            )
        )
    else:
        stmt = stmt.where(Deal.agreed_at >= f.start_at, Deal.agreed_at < f.end_at)
    return list(session.scalars(stmt.order_by(Deal.id.desc()).limit(limit)))
