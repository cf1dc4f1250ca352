"""The generated market of bench/load.py: firms, sites and users, listings clustered like the
region's population, conversations with messages, deals with deliveries, and the best match of
part of the published listings. Everything is drawn from one seed per size and kept as rows
(tuples in the order of each table's columns) for COPY / Core inserts."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from support import synthetic

from geo.coarsen import coarse_point
from geo.crs import to_sweref, to_sweref_arrays
from geo.grid import cell_of
from marketplace.services.matching.candidates import compatible_categories, supplying_categories
from models.taxonomy import CATEGORY_BY_KEY, format_ewc, tonnes

DATA_SEED = 20_261_204
YEARS = 3
LISTINGS_PER_FIRM = 33  # as bench/dashboard.py: about 3,000 firms at 100k listings
DEALS_PER_LISTING = 0.2  # QUALITY.md: the staff dashboard at 100k listings and 20k deals
CONVERSATIONS_PER_LISTING = 0.1
POTENTIAL_SHARE = 0.4  # published listings with a best match (MatchPotential)
ANONYMOUS_SHARE = 0.15
DRAFT_SHARE = 0.03
# Categories beyond the material streams of support/synthetic.py, with their weights (about a
# fifth of the listings): the rest of the taxonomy, capacity included.
EXTRA_CATEGORIES = (
    ("paper_board", 3), ("plastics", 3), ("glass", 1), ("nonferrous_metal", 2), ("gypsum", 1),
    ("textiles", 0.5), ("tyres_rubber", 0.5), ("insulation", 0.5), ("chemicals", 0.5),
    ("other_material", 2), ("cooling", 0.5), ("storage", 3), ("transport", 2),
    ("machine_time", 1),
)  # fmt: skip
UNITS = {"material": (("t", "m3", "kg"), (0.7, 0.2, 0.1)), "energy": (("MWh", "kW"), (0.9, 0.1))}
CAPACITY_UNITS = {"storage": ("m2", "pallet_places"), "transport": ("t",),
                  "machine_time": ("hours",)}  # fmt: skip
RECURRENCES = (("once", "month", "week", "year"), (0.5, 0.25, 0.1, 0.15))
MAX_KM = ((None, 50, 100, 200), (0.4, 0.2, 0.2, 0.2))
DEAL_STATUSES = (("proposed", "agreed", "delivering", "completed", "cancelled"),
                 (0.03, 0.05, 0.25, 0.60, 0.07))  # fmt: skip
DELIVERY_STATUSES = (("confirmed", "pending", "disputed"), (0.82, 0.15, 0.03))
# Words of titles and descriptions (Swedish, as most firms write; some English), so text search
# scans text of a realistic length and finds words that occur in it.
QUALIFIERS = (
    "torr", "fuktig", "sorterad", "blandad", "från produktionen", "löpande leverans", "i bulk",
    "på pall", "containervis", "hämtas", "levereras", "ren fraktion", "certifierad",
    "dry", "sorted", "bulk", "regular supply",
)  # fmt: skip
SENTENCES = (
    "Uppstår löpande i vår produktion och lagras under tak.",
    "Kan lastas med hjullastare, hämtning vardagar 07–16.",
    "Analys finns för senaste provtagningen, skickas på begäran.",
    "Vi söker en långsiktig mottagare i regionen.",
    "Mängden varierar med säsongen, störst under vintern.",
    "Transport kan ordnas av oss inom 100 km.",
    "Materialet har tidigare gått till deponi.",
    "Available all year; we can deliver by truck within the county.",
    "Sample analysis available on request.",
)
OWN_PASSWORD = "bench-load-password-2026"  # noqa: S105  (every generated user's)
FIRM_EMAIL, STAFF_EMAIL = "firm@bench.example", "staff@bench.example"

ORG_COLUMNS = ("id", "name", "org_number", "sni_code", "contact_email", "created_at")
SITE_COLUMNS = (
    "id", "organisation_id", "name", "town", "municipality_code", "county_code", "lat", "lon",
    "x", "y", "may_receive_hazardous", "has_waste_permit", "created_at",
)  # fmt: skip
USER_COLUMNS = (*synthetic.USER_COLUMNS, "message_mail")
LISTING_COLUMNS = (
    "id", "organisation_id", "site_id", "created_by_id", "direction", "kind", "category",
    "ewc_code", "is_hazardous", "needs_assessment", "title", "description", "quantity", "unit",
    "density_t_per_m3", "recurrence", "available_from", "available_until", "remaining_quantity",
    "price_model", "price_sek", "max_distance_km", "visibility", "status", "lat", "lon", "x", "y",
    "cell", "municipality_code", "county_code", "search_text", "fanout_due", "published_at",
    "closed_at", "created_at", "updated_at",
)  # fmt: skip
CONVERSATION_COLUMNS = (
    "id", "listing_id", "counterpart_id", "listing_org_id", "inquirer_org_id", "started_by_id",
    "status", "accepted_at", "accepted_by_id", "closed_at", "created_at", "last_activity_at",
    "last_activity_by_id",
)  # fmt: skip
MESSAGE_COLUMNS = ("id", "conversation_id", "author_id", "author_org_id", "as_staff", "body",
                   "created_at")  # fmt: skip
DEAL_COLUMNS = (
    "id", "conversation_id", "offer_id", "want_id", "supplier_org_id", "receiver_org_id",
    "supplier_site_id", "receiver_site_id", "status", "version", "proposed_by_org_id",
    "category", "unit", "density_t_per_m3", "quantity", "recurrence", "start_date", "end_date",
    "total_quantity", "price_model", "price_sek", "transport_by", "transport_mode",
    "baseline_route", "baseline_distance_km", "substitution_ratio", "virgin_price_sek",
    "distance_km", "terms_note", "created_at", "agreed_at", "completed_at", "cancelled_at",
)  # fmt: skip
DELIVERY_COLUMNS = (
    "id", "deal_id", "quantity", "delivered_on", "note", "logged_by_id", "logged_by_org_id",
    "status", "confirmed_at", "confirmed_by_id", "disputed_at", "disputed_by_id",
    "dispute_reason", "factor_set_id", "co2e_kg", "sek", "tonnes", "impact_json", "created_at",
)  # fmt: skip
POTENTIAL_COLUMNS = ("listing_id", "counterpart_id", "score", "distance_km", "tonnes", "mwh",
                     "co2e_kg", "sek", "factor_set_id", "computed_at")  # fmt: skip
FACTOR_SET = -1  # placeholder in rows for the id of the factor set `impact load-defaults` made

# kg CO2e avoided per tonne (per MWh for heat) by impact key: rough magnitudes, enough for
# plausible sums (never checked).
CO2E_PER_UNIT = {
    "wood": 300.0, "paper_board_mixed": 500.0, "aggregates": 5.0, "scrap_metal": 1500.0,
    "aluminium": 8000.0, "concrete": 10.0, "plasterboard": 100.0, "soils": 2.0, "asphalt": 30.0,
    "plastics_average": 1500.0, "glass": 500.0, "textiles": 3000.0, "tyres": 800.0,
    "insulation": 1000.0, "food": 400.0, "organic": 200.0, "commercial_industrial": 300.0,
    "heat": 150.0,
}  # fmt: skip


@dataclass
class Market:
    """The rows of every table (`tables[name] = (columns, rows)`) and what the pages need."""

    n: int
    now: datetime
    tables: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]
    live_ids: list[int]  # published and not past their end date
    live_pairs: list[tuple[int, int]]  # (offer id, want id), both live: the impact API
    firm_org: int  # the firm of the known firm user
    firm_listings: int  # its listings (live ones)
    firm_live: int
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def size(self, table: str) -> int:
        return len(self.tables[table][1])


def _pick(rng: np.random.Generator, options: tuple[Any, ...], p: tuple[float, ...], n: int):  # type: ignore[no-untyped-def]
    idx = rng.choice(len(options), size=n, p=np.asarray(p) / sum(p))
    return [options[i] for i in idx.tolist()]


def _dec(value: float, places: int = 3) -> Decimal:
    return Decimal(f"{max(value, 0.001):.{places}f}")


def _categories() -> tuple[list[str], np.ndarray]:
    keys = [s.category for s in synthetic.STREAMS] + [c for c, _ in EXTRA_CATEGORIES]
    weights = np.array([s.weight for s in synthetic.STREAMS] + [w for _, w in EXTRA_CATEGORIES])
    return keys, weights / weights.sum()


def search_text(title: str, description: str, category: str, ewc: str | None) -> str:
    """As `lifecycle._search_text` builds it: title, description, both category labels and
    the EWC code's forms and descriptions."""
    cat = CATEGORY_BY_KEY[category]
    parts = [title, description, "", cat.en, cat.sv]
    if ewc is not None:
        entry = synthetic.EWC[ewc]
        parts += [ewc, format_ewc(ewc, hazardous=entry.hazardous), entry.en, entry.sv or ""]
    return " ".join(parts).casefold()


def make_market(n: int, today: date, password_hash: str, seed: int = DATA_SEED) -> Market:
    rng = np.random.default_rng(seed + n)
    now = datetime.now(UTC).replace(microsecond=0)
    firms = max(20, n // LISTINGS_PER_FIRM)
    founded = now - timedelta(days=YEARS * 365 + 30)
    orgs = [
        (o, f"Bänkbolag {o} AB", synthetic.org_number(o), None, f"info@firm{o}.bench.example",
         founded)
        for o in range(1, firms + 1)
    ]  # fmt: skip

    # Sites: 1–5 per firm at points clustered like the population (SCB tätorter 2020).
    per_firm = np.minimum(1 + rng.poisson(0.8, firms), 5)
    site_org = np.repeat(np.arange(1, firms + 1), per_firm)
    towns = synthetic.load_towns()
    lon, lat, town = synthetic.clustered(towns, len(site_org), seed + 1)
    x, y = to_sweref_arrays(lon, lat)
    muni = [towns.municipality[t] for t in town.tolist()]
    permit = rng.random(len(site_org)) < 0.1
    sites = [
        (k + 1, int(site_org[k]), f"Anläggning {k + 1}", None, muni[k], muni[k][:2],
         float(lat[k]), float(lon[k]), float(x[k]), float(y[k]), bool(permit[k]),
         bool(permit[k]), founded)
        for k in range(len(site_org))
    ]  # fmt: skip

    # Users: an owner and a member per firm (user ids 2o and 2o + 1), the staff user is 1.
    users = [(1, STAFF_EMAIL, "Bänk Handläggare", password_hash, None, None, True, False, True,
              founded, "sv", False, "token-1", founded, "each")]  # fmt: skip
    for o in range(1, firms + 1):
        for uid, role in ((2 * o, "owner"), (2 * o + 1, "member")):
            row = synthetic.user_row(uid, o, role == "owner", founded)
            users.append((*row[:3], password_hash, *row[4:], "each"))

    listings, live, meta = _listings(rng, n, sites, site_org, now, today)
    firm_org = _firm_of_interest(meta, live)
    users[2 * firm_org - 1] = (2 * firm_org, FIRM_EMAIL, "Bänk Ägare", *users[2 * firm_org - 1][3:])
    conversations, messages, pairs = _conversations(rng, n, meta, now)
    deals, deliveries = _deals(rng, n, meta, conversations, pairs, now, today)
    potentials = _potentials(rng, meta, now)
    live_ids = [int(i) + 1 for i in np.flatnonzero(live)]
    live_pairs = [
        (p[0], p[1]) if meta["direction"][p[0] - 1] == "offer" else (p[1], p[0])
        for p in potentials
        if live[p[0] - 1] and live[p[1] - 1]
    ]
    own = meta["org"] == firm_org
    market = Market(
        n=n, now=now,
        tables={
            "organisations": (ORG_COLUMNS, orgs), "sites": (SITE_COLUMNS, sites),
            "users": (USER_COLUMNS, users), "listings": (LISTING_COLUMNS, listings),
            "conversations": (CONVERSATION_COLUMNS, conversations),
            "messages": (MESSAGE_COLUMNS, messages), "deals": (DEAL_COLUMNS, deals),
            "deliveries": (DELIVERY_COLUMNS, deliveries),
            "match_potentials": (POTENTIAL_COLUMNS, potentials),
        },
        live_ids=live_ids, live_pairs=live_pairs, firm_org=firm_org,
        firm_listings=int(own.sum()), firm_live=int((own & live).sum()),
    )  # fmt: skip
    market.counts = {
        "status": Counter(r[23] for r in listings),
        "direction": Counter(r[4] for r in listings),
        "kind": Counter(r[5] for r in listings),
        "deal status": Counter(d[8] for d in deals),
        "delivery status": Counter(d[7] for d in deliveries),
    }
    return market


def _listings(
    rng: np.random.Generator, n: int, sites: list[tuple[Any, ...]], site_org: np.ndarray,
    now: datetime, today: date,
) -> tuple[list[tuple[Any, ...]], np.ndarray, dict[str, Any]]:  # fmt: skip
    """Listings at sites weighted by their firm's activity (log-normal), published over YEARS
    years with growth towards today; older ones mostly closed or expired."""
    activity = rng.lognormal(0.0, 1.0, int(site_org.max()) + 1)
    site_w = activity[site_org]
    site_of = rng.choice(len(sites), size=n, p=site_w / site_w.sum())
    keys, weights = _categories()
    category = [keys[i] for i in rng.choice(len(keys), size=n, p=weights).tolist()]
    offer = rng.random(n) < synthetic.OFFER_SHARE
    stream_index = np.array([synthetic.STREAM_INDEX.get(c, -1) for c in category])
    codes: list[str | None] = [None] * n
    is_stream = np.flatnonzero(stream_index >= 0)
    drawn = synthetic.draw_codes(rng, offer[is_stream], stream_index[is_stream])
    for i, code in zip(is_stream.tolist(), drawn, strict=True):
        codes[i] = code
    recurrence = _pick(rng, *RECURRENCES, n)
    max_km = _pick(rng, *MAX_KM, n)
    span = YEARS * 365.0
    u = rng.random(n)
    age = np.where(rng.random(n) < 0.5, u * span, (1.0 - np.sqrt(u)) * span)
    draft = rng.random(n) < DRAFT_SHARE
    s_draw = rng.random(n)
    quantity = rng.lognormal(np.log(40.0), 1.3, n)
    left = np.where(rng.random(n) < 0.8, 1.0, rng.random(n))
    density = rng.uniform(0.2, 1.6, n)
    until_days = rng.uniform(20, 365, n)
    from_days = rng.integers(-60, 90, n)
    has_from = rng.random(n) < 0.15
    unit_draw = rng.random(n)
    anonymous = rng.random(n) < ANONYMOUS_SHARE
    words = rng.integers(0, len(QUALIFIERS), (n, 2))
    sentences = rng.integers(0, len(SENTENCES), (n, 2))
    price = rng.uniform(20, 900, n)
    rows: list[tuple[Any, ...]] = []
    live = np.zeros(n, dtype=bool)
    meta: dict[str, Any] = {
        "org": np.zeros(n, dtype=np.int64), "direction": [], "category": category, "status": [],
        "x": np.zeros(n), "y": np.zeros(n), "site": site_of + 1, "published_at": [], "unit": [],
        "quantity": [], "density": [], "recurrence": recurrence,
    }  # fmt: skip
    for i in range(n):
        site = sites[int(site_of[i])]
        org, muni = site[1], site[4]
        cat = CATEGORY_BY_KEY[category[i]]
        if cat.kind == "capacity":
            options = CAPACITY_UNITS[cat.key]
            unit = options[int(unit_draw[i] * len(options))]
        else:
            options, p = UNITS[cat.kind]
            unit = options[min(int(np.searchsorted(np.cumsum(p), unit_draw[i])), len(options) - 1)]
        published = now - timedelta(days=float(age[i]))
        if draft[i]:
            status, published_at = "draft", None
        elif age[i] > 180:
            s = s_draw[i]
            status = ("published" if s < 0.72 else "closed" if s < 0.86
                      else "expired" if s < 0.96 else "reserved")  # fmt: skip
            published_at = published
        else:
            s = s_draw[i]
            status = "published" if s < 0.90 else "reserved" if s < 0.94 else "closed"
            published_at = published
        until = None
        if recurrence[i] == "once" and (status == "expired" or until_days[i] < 140):
            until = published.date() + timedelta(days=int(until_days[i]))
            if status == "published" and until < today and s_draw[i] < 0.6:
                until = today + timedelta(days=int(until_days[i]))  # extended by its firm
        starts = today + timedelta(days=int(from_days[i])) if has_from[i] else None
        direction = "offer" if offer[i] else "want"
        code = codes[i] if cat.kind == "material" else None
        hazardous, mirror = synthetic.code_flags(code)
        plat, plon, px, py = site[6], site[7], site[8], site[9]
        if anonymous[i]:
            plon, plat = coarse_point(plon, plat, muni)
            px, py = to_sweref(plon, plat)
        verb = "erbjuds" if direction == "offer" else "sökes"
        title = f"{cat.sv} {verb}, {QUALIFIERS[words[i, 0]]}"
        description = (f"{cat.sv} ({cat.en.lower()}), {QUALIFIERS[words[i, 1]]}. "
                       f"{SENTENCES[sentences[i, 0]]} {SENTENCES[sentences[i, 1]]}")  # fmt: skip
        qty = _dec(float(quantity[i]))
        dens = _dec(float(density[i])) if unit == "m3" and i % 10 < 7 else None
        is_live = status == "published" and (until is None or until >= today)
        live[i] = is_live
        meta["org"][i], meta["x"][i], meta["y"][i] = org, px, py
        meta["direction"].append(direction)
        meta["status"].append(status)
        meta["published_at"].append(published_at)
        meta["unit"].append(unit)
        meta["quantity"].append(qty)
        meta["density"].append(dens)
        created = published_at or published
        rows.append((
            i + 1, org, int(site_of[i]) + 1, 2 * org, direction, cat.kind, cat.key, code,
            hazardous, mirror, title, description, qty, unit, dens, recurrence[i], starts, until,
            _dec(float(qty) * float(left[i])), "price" if i % 4 == 0 else "negotiable",
            _dec(float(price[i]), 2) if i % 4 == 0 else None, max_km[i],
            "anonymous" if anonymous[i] else "public", status, plat, plon, px, py,
            cell_of(px, py), muni, muni[:2], search_text(title, description, cat.key, code),
            False, published_at, published + timedelta(days=60) if status == "closed" else None,
            created, created,
        ))  # fmt: skip
    return rows, live, meta


def _firm_of_interest(meta: dict[str, Any], live: np.ndarray) -> int:
    """The known firm user's firm: of the firms with live listings, the one at the 75th
    percentile of live listings (a busy but not the busiest firm)."""
    per_org = np.bincount(meta["org"][live], minlength=int(meta["org"].max()) + 1)
    active = np.flatnonzero(per_org)
    target = np.percentile(per_org[active], 75)
    return int(active[np.argmin(np.abs(per_org[active] - target))])


class Counterparts:
    """Listings by (direction, category), to draw plausible nearby counterparts."""

    def __init__(self, meta: dict[str, Any], only_published: bool) -> None:
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for k, (d, c, s) in enumerate(zip(meta["direction"], meta["category"], meta["status"],
                                          strict=True)):  # fmt: skip
            if s == "draft" or (only_published and s != "published"):
                continue
            groups[(d, c)].append(k)
        self.groups = {key: np.array(v) for key, v in groups.items()}
        self.meta = meta

    def draw(self, rng: np.random.Generator, k: int, tries: int = 8) -> int | None:
        """The nearest of `tries` random listings of the other direction in a category that
        can serve (or be served by) listing k, at another firm."""
        m = self.meta
        d = m["direction"][k]
        other = "want" if d == "offer" else "offer"
        related = (compatible_categories if d == "offer" else supplying_categories)(
            m["category"][k]
        )
        options = [c for c in sorted(related) if (other, c) in self.groups]
        if not options:
            return None
        pool = self.groups[(other, options[int(rng.integers(len(options)))])]
        cand = pool[rng.integers(len(pool), size=tries)]
        cand = cand[m["org"][cand] != m["org"][k]]
        if len(cand) == 0:
            return None
        d2 = (m["x"][cand] - m["x"][k]) ** 2 + (m["y"][cand] - m["y"][k]) ** 2
        return int(cand[int(np.argmin(d2))])


def _km(meta: dict[str, Any], a: int, b: int) -> float:
    return float(np.hypot(meta["x"][a] - meta["x"][b], meta["y"][a] - meta["y"][b]) / 1000.0)


def _conversations(
    rng: np.random.Generator, n: int, meta: dict[str, Any], now: datetime
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[int, int]]]:
    """Conversations between a listing's firm and a firm with a fitting listing nearby, with
    1–5 messages each."""
    pool = Counterparts(meta, only_published=False)
    candidates = [k for k, s in enumerate(meta["status"]) if s != "draft"]
    conversations: list[tuple[Any, ...]] = []
    messages: list[tuple[Any, ...]] = []
    pairs: list[tuple[int, int]] = []
    wanted = max(10, int(n * CONVERSATIONS_PER_LISTING))
    while len(conversations) < wanted:
        k = candidates[int(rng.integers(len(candidates)))]
        j = pool.draw(rng, k, tries=16)
        if j is None:
            continue
        cid = len(conversations) + 1
        start = max(meta["published_at"][k], meta["published_at"][j]) + timedelta(days=1)
        if start >= now:
            start = now - timedelta(hours=1)
        closed = rng.random() < 0.4
        a_org, b_org = int(meta["org"][k]), int(meta["org"][j])
        last = min(start + timedelta(days=float(rng.uniform(0, 20))), now)
        conversations.append((
            cid, k + 1, j + 1, a_org, b_org, 2 * b_org, "closed" if closed else "open",
            start + timedelta(hours=5), 2 * a_org,
            min(start + timedelta(days=30), now) if closed else None, start, last, 2 * a_org,
        ))  # fmt: skip
        for m in range(int(rng.integers(1, 6))):
            author_org = b_org if m % 2 == 0 else a_org
            messages.append((len(messages) + 1, cid, 2 * author_org, author_org, False,
                             "Hej! Vi är intresserade, går det att hämta i veckan?"
                             if m == 0 else "Det går bra, vi hörs om detaljerna.",
                             min(start + timedelta(hours=3 * m), now)))  # fmt: skip
        pairs.append((k, j))
    return conversations, messages, pairs


def _impact(category: str, amount: float | None, km: float, price: float) -> tuple[Any, Any, str]:
    info = CATEGORY_BY_KEY.get(category)
    factor = CO2E_PER_UNIT.get(info.impact_key or "") if info else None
    if factor is None or amount is None:
        return (
            None,
            None,
            '{"available": false, "factor_set": null, "reason": "No defensible '
            'CO2e estimate for this category."}',
        )
    co2e = amount * factor - 0.1 * amount * km
    sek = amount * price
    return (
        co2e,
        sek,
        (
            f'{{"available": true, "reason": null, "co2e_kg": {co2e:.3f}, "co2e_low_kg": '
            f'{co2e * 0.7:.3f}, "co2e_high_kg": {co2e * 1.3:.3f}, "sek": {sek:.2f}, "sek_low": '
            f'{sek * 0.8:.2f}, "sek_high": {sek * 1.2:.2f}, "factor_set": 1}}'
        ),
    )


def _deals(
    rng: np.random.Generator, n: int, meta: dict[str, Any], conversations: list[tuple[Any, ...]],
    pairs: list[tuple[int, int]], now: datetime, today: date,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:  # fmt: skip
    """Deals spread over the conversations (re-orders of an exchange), agreed after the
    conversation started; 1–4 deliveries each once delivering."""
    count = max(5, int(n * DEALS_PER_LISTING))
    owner = rng.integers(len(conversations), size=count)
    statuses = _pick(rng, *DEAL_STATUSES, count)
    deals: list[tuple[Any, ...]] = []
    deliveries: list[tuple[Any, ...]] = []
    for d in range(count):
        conv = conversations[int(owner[d])]
        k, j = pairs[int(owner[d])]
        offer, want = (k, j) if meta["direction"][k] == "offer" else (j, k)
        status = statuses[d]
        started = conv[10]
        agreed = started + timedelta(days=float(rng.exponential(60.0)) + 0.5)
        if agreed >= now:
            agreed = started + (now - started) * float(rng.random())
        unit, dens = meta["unit"][offer], meta["density"][offer]
        qty = _dec(float(meta["quantity"][offer]) * float(rng.uniform(0.2, 1.0)))
        recurrence = meta["recurrence"][offer]
        total = qty * (1 if recurrence == "once" else int(rng.integers(3, 13)))
        km = _km(meta, offer, want)
        price = float(rng.uniform(50.0, 600.0))
        s_org, r_org = int(meta["org"][offer]), int(meta["org"][want])
        completed = cancelled = None
        if status in ("delivering", "completed", "cancelled"):
            room = max((today - agreed.date()).days, 0)
            times = int(rng.integers(1, 5))
            offsets = sorted(int(v) for v in rng.integers(0, min(room, 180) + 1, size=times))
            each = _dec(float(total) / len(offsets))
            for offset in offsets:
                on = agreed.date() + timedelta(days=offset)
                mass = float(each) if unit == "MWh" else tonnes(
                    float(each), unit, float(dens) if dens is not None else None)  # fmt: skip
                co2e, sek, impact = _impact(meta["category"][offer], mass, km, price)
                d_status = _pick(rng, *DELIVERY_STATUSES, 1)[0]
                logged = max(agreed, datetime.combine(on, datetime.min.time(), UTC))
                deliveries.append((
                    len(deliveries) + 1, d + 1, each, on, "", 2 * s_org, s_org, d_status,
                    logged + timedelta(days=1) if d_status == "confirmed" else None,
                    2 * r_org if d_status == "confirmed" else None,
                    logged + timedelta(days=1) if d_status == "disputed" else None,
                    2 * r_org if d_status == "disputed" else None,
                    "Mängden stämmer inte." if d_status == "disputed" else None,
                    FACTOR_SET if co2e is not None else None, co2e, sek,
                    None if unit == "MWh" else mass, impact, logged,
                ))  # fmt: skip
            last = datetime.combine(on, datetime.min.time(), UTC) + timedelta(hours=12)
            if status == "completed":
                completed = min(last + timedelta(days=1), now)
            elif status == "cancelled":
                cancelled = min(last + timedelta(days=3), now)
        deals.append((
            d + 1, conv[0], offer + 1, want + 1, s_org, r_org, int(meta["site"][offer]),
            int(meta["site"][want]), status, 1, conv[4], meta["category"][offer], unit, dens, qty,
            recurrence, agreed.date(), None, total, "price", _dec(price, 2), "supplier", "truck",
            "landfill", 30.0, 1.0, price, km, "", agreed - timedelta(days=1),
            None if status == "proposed" else agreed, completed, cancelled,
        ))  # fmt: skip
    return deals, deliveries


def _potentials(rng: np.random.Generator, meta: dict[str, Any], now: datetime) -> list[tuple]:
    """The best match of about 40 % of the published listings: the nearest of a few published
    counterparts of a category that fits, at another firm (what the nightly refresh keeps)."""
    pool = Counterparts(meta, only_published=True)
    rows = []
    for k, status in enumerate(meta["status"]):
        if status != "published" or rng.random() >= POTENTIAL_SHARE:
            continue
        j = pool.draw(rng, k)
        if j is None:
            continue
        offer = k if meta["direction"][k] == "offer" else j
        km = _km(meta, k, j)
        unit = meta["unit"][offer]
        amount = float(meta["quantity"][offer])
        dens = meta["density"][offer]
        mass = (
            None if unit == "MWh" else tonnes(amount, unit, None if dens is None else float(dens))
        )
        mwh = amount if unit == "MWh" else None
        co2e, sek, _ = _impact(meta["category"][offer], mass if mwh is None else mwh, km,
                               float(rng.uniform(50.0, 600.0)))  # fmt: skip
        rows.append((k + 1, j + 1, float(rng.uniform(35.0, 98.0)), km, mass, mwh, co2e, sek,
                     FACTOR_SET if co2e is not None else None, now))  # fmt: skip
    return rows
