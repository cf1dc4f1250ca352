"""Generated trade on the market: conversations, deals, deliveries and best matches."""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from dashboard_parts.common import YEARS, Sizes
from marketplace.services.matching.candidates import (
    compatible_categories,
    supplying_categories,
)
from models.potentials import MatchPotential
from models.taxonomy import CATEGORY_BY_KEY, tonnes

DEAL_STATUSES = (("proposed", "agreed", "delivering", "completed", "cancelled"),
                 (0.03, 0.05, 0.25, 0.60, 0.07))  # fmt: skip
POTENTIAL_SHARE = 0.4
POTENTIAL_HAS_MWH = "mwh" in MatchPotential.__table__.c  # heat potential, where the schema has it

# kg CO2e avoided per tonne (per MWh for heat) by impact key, before transport: rough magnitudes
# of IMPACT.md's rows, enough for plausible sums; the benchmark never checks them.
CO2E_PER_UNIT = {
    "wood": 300.0, "paper_board_mixed": 500.0, "aggregates": 5.0, "scrap_metal": 1500.0,
    "aluminium": 8000.0, "concrete": 10.0, "plasterboard": 100.0, "soils": 2.0, "asphalt": 30.0,
    "plastics_average": 1500.0, "glass": 500.0, "textiles": 3000.0, "tyres": 800.0,
    "insulation": 1000.0, "food": 400.0, "organic": 200.0, "commercial_industrial": 300.0,
    "heat": 150.0,
}  # fmt: skip
TRUCK_KG_PER_TKM = 0.1


def _choice(rng: np.random.Generator, options: tuple[Any, ...], p: tuple[float, ...], n: int):  # type: ignore[no-untyped-def]
    return [options[i] for i in rng.choice(len(options), size=n, p=np.array(p) / sum(p))]


def _decimal(value: float) -> Decimal:
    return Decimal(f"{max(value, 0.001):.3f}")


def listing_tonnes(row: dict[str, Any]) -> float | None:
    density = float(row["density_t_per_m3"]) if row["density_t_per_m3"] is not None else None
    return tonnes(float(row["quantity"]), row["unit"], density)


class Counterparts:
    """Listings by (direction, category) for drawing plausible, nearby counterparts."""

    def __init__(self, listings: list[dict[str, Any]], only_published: bool) -> None:
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for k, row in enumerate(listings):
            if row["status"] == "draft" or (only_published and row["status"] != "published"):
                continue
            groups[(row["direction"], row["category"])].append(k)
        self.groups = {key: np.array(v) for key, v in groups.items()}
        self.listings = listings

    def draw(
        self, rng: np.random.Generator, k: int, tries: int = 8, before: datetime | None = None
    ) -> int | None:
        """The nearest of `tries` random listings of the other direction in a category that can
        serve (or be served by) listing k, at another firm (published before `before`)."""
        row = self.listings[k]
        other = "want" if row["direction"] == "offer" else "offer"
        related = (compatible_categories if row["direction"] == "offer"
                   else supplying_categories)(row["category"])  # fmt: skip
        options = [c for c in sorted(related) if (other, c) in self.groups]
        if not options:
            return None
        pool = self.groups[(other, options[int(rng.integers(len(options)))])]
        best, best_d = None, float("inf")
        for j in pool[rng.integers(len(pool), size=tries)].tolist():
            cand = self.listings[j]
            if cand["organisation_id"] == row["organisation_id"]:
                continue
            if before is not None and cand["published_at"] > before:
                continue
            d = (cand["x"] - row["x"]) ** 2 + (cand["y"] - row["y"]) ** 2
            if d < best_d:
                best, best_d = j, d
        return best


def _distance_km(a: dict[str, Any], b: dict[str, Any]) -> float:
    return float(np.hypot(a["x"] - b["x"], a["y"] - b["y"]) / 1000.0)


def _impact(
    category: str, amount: float | None, distance_km: float, price: float
) -> tuple[float | None, float | None, dict[str, Any]]:
    """(co2e_kg, sek, impact_json) in the shape of `estimates.impact_summary`."""
    info = CATEGORY_BY_KEY.get(category)
    factor = CO2E_PER_UNIT.get(info.impact_key or "") if info else None
    if factor is None or amount is None:
        return None, None, {"available": False, "factor_set": None,
                            "reason": "No defensible CO2e estimate for this category."}  # fmt: skip
    transport = TRUCK_KG_PER_TKM * amount * distance_km
    co2e = amount * factor - transport
    sek = amount * price
    summary = {
        "available": True, "reason": None, "co2e_kg": co2e, "co2e_low_kg": co2e * 0.7,
        "co2e_high_kg": co2e * 1.3, "sek": sek, "sek_low": sek * 0.8, "sek_high": sek * 1.2,
        "break_even_km": factor / TRUCK_KG_PER_TKM,
        "terms": {"avoided": amount * factor, "transport": -transport},
        "sek_terms": {"avoided_fee": sek}, "factor_set": 1,
    }  # fmt: skip
    return co2e, sek, summary


def make_trade(
    rng: np.random.Generator, sizes: Sizes, listings: list[dict[str, Any]], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Conversations between a listing's firm and a firm with a fitting listing nearby; the
    deals are spread over them (a conversation carries several deals: re-orders of the same
    exchange), agreed between the conversation's start and today; 1–4 deliveries each once
    delivering."""
    pool = Counterparts(listings, only_published=False)
    published = sorted(
        (r["published_at"], k) for k, r in enumerate(listings) if r["published_at"] is not None
    )
    published_at = [at for at, _ in published]
    first = now - timedelta(days=YEARS * 365)
    conversations: list[dict[str, Any]] = []
    pairs: list[tuple[int, int]] = []
    while len(conversations) < sizes.conversations:
        # Evenly over the years: a moment, a listing published before it, a fitting one too.
        created = first + (now - first) * float(rng.random())
        before = bisect.bisect_right(published_at, created)
        if before == 0:
            continue
        k = published[int(rng.integers(before))][1]
        j = pool.draw(rng, k, tries=16, before=created)
        if j is None:
            continue
        a, b = listings[k], listings[j]
        cid = len(conversations) + 1
        closed = rng.random() < 0.4
        conversations.append(
            {"id": cid, "listing_id": a["id"], "counterpart_id": b["id"],
             "listing_org_id": a["organisation_id"], "inquirer_org_id": b["organisation_id"],
             "status": "closed" if closed else "open",
             "accepted_at": created + timedelta(hours=6),
             "closed_at": created + timedelta(days=30) if closed else None,
             "created_at": created, "last_activity_at": created + timedelta(days=2)}
        )  # fmt: skip
        pairs.append((k, j))
    owner = rng.integers(len(conversations), size=sizes.deals)
    statuses = _choice(rng, *DEAL_STATUSES, sizes.deals)
    deals: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    today = now.date()
    for d in range(sizes.deals):
        conv = conversations[int(owner[d])]
        k, j = pairs[int(owner[d])]
        offer, want = (listings[k], listings[j])
        if offer["direction"] != "offer":
            offer, want = want, offer
        status = statuses[d]
        agreed = conv["created_at"] + timedelta(days=float(rng.exponential(90.0)) + 0.5)
        if agreed >= now:  # a recent conversation: somewhere between its start and now
            agreed = conv["created_at"] + (now - conv["created_at"]) * float(rng.random())
        created = agreed - timedelta(days=float(rng.uniform(0.5, 5.0)))
        created = max(created, conv["created_at"])
        quantity = _decimal(float(offer["quantity"]) * float(rng.uniform(0.2, 1.0)))
        periods = 1 if offer["recurrence"] == "once" else int(rng.integers(3, 13))
        total = quantity * periods
        distance = _distance_km(offer, want)
        price = float(rng.uniform(50.0, 600.0))
        deal = {
            "id": d + 1, "conversation_id": conv["id"], "offer_id": offer["id"],
            "want_id": want["id"], "supplier_org_id": offer["organisation_id"],
            "receiver_org_id": want["organisation_id"], "supplier_site_id": offer["site_id"],
            "receiver_site_id": want["site_id"], "status": status, "version": 1,
            "proposed_by_org_id": conv["inquirer_org_id"], "category": offer["category"],
            "unit": offer["unit"], "density_t_per_m3": offer["density_t_per_m3"],
            "quantity": quantity, "recurrence": offer["recurrence"],
            "start_date": agreed.date(), "end_date": None, "total_quantity": total,
            "price_model": "price", "price_sek": Decimal(f"{price:.2f}"),
            "transport_by": "supplier", "transport_mode": "truck",
            "baseline_route": "landfill", "baseline_distance_km": 30.0,
            "substitution_ratio": 1.0, "virgin_price_sek": price, "distance_km": distance,
            "terms_note": "", "created_at": created,
            "agreed_at": None if status == "proposed" else agreed,
            "completed_at": None, "cancelled_at": None,
        }  # fmt: skip
        if status in ("delivering", "completed", "cancelled"):
            count = int(rng.integers(1, 5))
            room = max((today - agreed.date()).days, 0)
            offsets = sorted(int(v) for v in rng.integers(0, min(room, 180) + 1, size=count))
            each = _decimal(float(total) / count)
            for offset in offsets:
                on = agreed.date() + timedelta(days=offset)
                amount = float(each) if deal["unit"] == "MWh" else tonnes(
                    float(each), deal["unit"],
                    float(deal["density_t_per_m3"]) if deal["density_t_per_m3"] else None,
                )  # fmt: skip
                co2e, sek, summary = _impact(deal["category"], amount, distance, price)
                deliveries.append(
                    {"id": len(deliveries) + 1, "deal_id": deal["id"], "quantity": each,
                     "delivered_on": on, "note": "",
                     "factor_set_id": 1 if summary["available"] else None,
                     "co2e_kg": co2e, "sek": sek,
                     "tonnes": amount if deal["unit"] != "MWh" else None,
                     "impact_json": json.dumps(summary),
                     "created_at": max(agreed, datetime.combine(on, datetime.min.time(), UTC))}
                )  # fmt: skip
            last = datetime.combine(on, datetime.min.time(), UTC) + timedelta(hours=12)
            if status == "completed":
                deal["completed_at"] = min(last + timedelta(days=1), now)
            elif status == "cancelled":
                deal["cancelled_at"] = min(last + timedelta(days=3), now)
        deals.append(deal)
    return conversations, deals, deliveries


def make_potentials(
    rng: np.random.Generator, listings: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """The best match of about 40 % of the published listings: the nearest of a few published
    listings of the other direction in a category that fits, at another firm."""
    pool = Counterparts(listings, only_published=True)
    rows = []
    for k, row in enumerate(listings):
        if row["status"] != "published" or rng.random() >= POTENTIAL_SHARE:
            continue
        for _ in range(3):
            j = pool.draw(rng, k)
            if j is not None:
                break
        if j is None:
            continue
        other = listings[j]
        offer, want = (row, other) if row["direction"] == "offer" else (other, row)
        distance = _distance_km(row, other)
        mass = [listing_tonnes(offer), listing_tonnes(want)]
        tonnes_ = None if None in mass else min(m for m in mass if m is not None)
        heat = [float(x["quantity"]) for x in (offer, want) if x["unit"] == "MWh"]
        mwh = min(heat) if len(heat) == 2 else None
        co2e, sek, _summary = _impact(
            offer["category"], tonnes_ if mwh is None else mwh, distance,
            float(rng.uniform(50.0, 600.0)),
        )  # fmt: skip
        potential = {
            "listing_id": row["id"], "counterpart_id": other["id"],
            "score": float(rng.uniform(35.0, 98.0)), "distance_km": distance, "tonnes": tonnes_,
            "co2e_kg": co2e, "sek": sek, "factor_set_id": 1 if co2e is not None else None,
            "computed_at": now,
        }  # fmt: skip
        if POTENTIAL_HAS_MWH:
            potential["mwh"] = mwh
        rows.append(potential)
    return rows
