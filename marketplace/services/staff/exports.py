"""CSV and JSON exports of the dashboard's tables, the open-data table, and background export
jobs for large periods (progress kept in `export_jobs`, the file in the instance folder).

Open data (`open_data_rows`): per municipality, category and whole finished month — listings
published, amounts offered and wanted per year, realised deliveries, tonnes, CO2e and SEK.
It carries no firm name, no coordinates at all (so no anonymous site), and a cell appears only
when at least three distinct firms stand behind it (its listings' firms and its deliveries'
suppliers and receivers); smaller cells are left out entirely rather than blanked, and no totals
are published that would let a left-out cell be derived.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.gazetteer import COUNTY_BY_CODE, MUNICIPALITY_BY_CODE
from marketplace.services.spreadsheets import writer
from marketplace.services.spreadsheets.cells import neutralise
from marketplace.services.staff import stats, stats_sql
from marketplace.services.staff.stats import StatsFilter
from models.accounts import User
from models.base import swedish_today, utcnow
from models.deals import Deal
from models.deliveries import Delivery
from models.exports import ExportJob
from models.listings import Listing

MIN_FIRMS = 3
FORMATS = ("csv", "xlsx", "json")
BACKGROUND_DAYS = 400  # longer periods are exported by a job
Rows = list[dict[str, Any]]


class Table(Protocol):
    """An exported table's rows; `parallel` as in `aggregate.concurrently` (the caller's
    transaction has written nothing), for the tables read in several statements."""

    def __call__(self, session: Session, f: StatsFilter, /, *, parallel: bool = ...) -> Rows: ...


def summary_rows(session: Session, f: StatsFilter, *, parallel: bool = False) -> Rows:
    """The key figures as name/value rows, realised and potential apart."""
    fig = stats.figures(session, f, parallel=parallel)
    flat: dict[str, Any] = {
        "active_firms": fig.active_firms,
        "matches": fig.matches,
        "inquiries": fig.inquiries,
        "deals_agreed": fig.deals_agreed,
        "deals_completed": fig.deals_completed,
        "median_days_to_first_inquiry": fig.median_days_to_inquiry,
        "median_days_to_first_deal": fig.median_days_to_deal,
    }
    for direction, kinds in fig.listings.items():
        for kind, n in kinds.items():
            flat[f"listings.{direction}.{kind}"] = n
    for side, amounts in (("offered", fig.offered), ("wanted", fig.wanted)):
        flat[f"{side}.tonnes_per_year"] = amounts.tonnes
        flat[f"{side}.mwh_per_year"] = amounts.mwh
        for unit, value in sorted(amounts.capacity.items()):
            flat[f"{side}.capacity.{unit}"] = value
    for name, outcome in (("realised", fig.realised), ("potential", fig.potential)):
        for key, value in asdict(outcome).items():
            flat[f"{name}.{key}"] = value
    return [{"figure": key, "value": value} for key, value in flat.items()]


def _listing_rows(session: Session, f: StatsFilter, *, parallel: bool = False) -> Rows:
    return [
        {
            "id": item.id,
            "published": item.published_at.date().isoformat() if item.published_at else None,
            "direction": item.direction,
            "kind": item.kind,
            "category": item.category,
            "title": item.title,
            "firm": item.organisation.name,
            "anonymous": item.is_anonymous,
            "municipality": item.municipality_code,
            "quantity": float(item.quantity),
            "unit": item.unit,
            "recurrence": item.recurrence,
            "status": item.status,
        }
        for item in stats.drill_listings(session, f, limit=1_000_000)
    ]


def _deal_rows(session: Session, f: StatsFilter, *, parallel: bool = False) -> Rows:
    return [
        {
            "id": deal.id,
            "status": deal.status,
            "category": deal.category,
            "supplier": deal.supplier_org.name,
            "receiver": deal.receiver_org.name,
            "agreed": deal.agreed_at.date().isoformat() if deal.agreed_at else None,
            "total_quantity": float(deal.total_quantity),
            "unit": deal.unit,
            "delivered": float(deal.delivered_quantity),
            "confirmed": float(sum(d.quantity for d in deal.deliveries if d.is_confirmed)),
            "realised_co2e_kg": sum(d.co2e_kg or 0 for d in deal.deliveries if d.is_confirmed),
            "realised_sek": sum(d.sek or 0 for d in deal.deliveries if d.is_confirmed),
        }
        for deal in stats.drill_deals(session, f, which="delivered", limit=1_000_000)
    ]


TABLES: dict[str, Table] = {  # the drills are one statement each: `parallel` changes nothing
    "summary": summary_rows,
    "by_month": stats.by_month,
    "by_category": stats.by_category,
    "by_municipality": stats.by_municipality,
    "listings": _listing_rows,
    "deals": _deal_rows,
}


def to_csv(rows: Rows) -> str:
    """Machine CSV (keys, codes, unrounded figures): the open-data download."""
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({key: neutralise(value) for key, value in row.items()} for row in rows)
    return out.getvalue()


def to_json(rows: Rows, f: StatsFilter | None = None) -> str:
    body: dict[str, Any] = {"rows": rows}
    if f is not None:
        body = {"filters": f.as_params(), **body}
    return json.dumps(body, ensure_ascii=False, default=str)


OPEN_DATA_FORMATS = ("csv", "json")


def render_open_data(rows: Rows, fmt: str, f: StatsFilter | None) -> str:
    """Open data is for machines: keys, codes and unrounded figures in CSV and JSON."""
    return to_csv(rows) if fmt == "csv" else to_json(rows, f)


def render(
    rows: Rows, fmt: str, f: StatsFilter | None = None, *, locale: str = "sv", title: str = ""
) -> bytes:
    """A staff download: CSV and .xlsx for people (`spreadsheets`), JSON for machines."""
    if fmt == "json":
        return to_json(rows, f).encode("utf-8")
    if fmt == "xlsx":
        return writer.to_xlsx(rows, locale, title or "Export")
    return writer.to_csv(rows, locale)


# --- open data ----------------------------------------------------------------------------------


def _cells() -> defaultdict[tuple[str, str, str], dict[str, Any]]:
    return defaultdict(
        lambda: {"firms": set(), "offers": 0, "wants": 0, "offered_tonnes_per_year": 0.0,
                 "wanted_tonnes_per_year": 0.0, "deliveries": 0, "realised_tonnes": 0.0,
                 "realised_co2e_kg": 0.0, "realised_sek": 0.0}
    )  # fmt: skip


def whole_months(start: date, end: date, today: date) -> tuple[date, date] | None:
    """The calendar months lying wholly inside [start, end] and already over. Publishing only
    those means no two downloads differ by a few days (or a day's growth) of one cell."""
    first = start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    last_complete = today.replace(day=1) - timedelta(days=1)
    next_day = end + timedelta(days=1)
    last = end if next_day.day == 1 else end.replace(day=1) - timedelta(days=1)
    last = min(last, last_complete)
    return (first, last) if first <= last else None


def open_data_rows(
    session: Session,
    start: date,
    end: date,
    *,
    min_firms: int = MIN_FIRMS,
    today: date | None = None,
) -> Rows:
    """Aggregates per municipality × category × month over the whole, finished months of the
    period; cells of fewer than `min_firms` firms left out."""
    months = whole_months(start, end, today or swedish_today())
    if months is None:
        return []
    f = StatsFilter(start=months[0], end=months[1])
    cells = _cells()
    month = stats_sql.month_of(session, Listing.published_at)
    per_year = stats_sql.listing_tonnes_per_year()
    for key_month, municipality, category, org, direction, mass in session.execute(
        stats_sql.listings_select(
            f, month, Listing.municipality_code, Listing.category, Listing.organisation_id,
            Listing.direction, per_year,
        )
    ):  # fmt: skip
        cell = cells[(municipality or "", category, stats_sql.as_month(key_month))]
        cell["firms"].add(org)
        cell["offers" if direction == "offer" else "wants"] += 1
        side = "offered" if direction == "offer" else "wanted"
        cell[f"{side}_tonnes_per_year"] += float(mass or 0)
    delivered = stats_sql.month_of(session, Delivery.delivered_on, is_date=True)
    for key_month, municipality, category, supplier, receiver, mass, co2e, sek in session.execute(
        stats_sql.deliveries_select(
            f, delivered, stats_sql.SupplierSite.municipality_code, Deal.category,
            Deal.supplier_org_id, Deal.receiver_org_id, Delivery.tonnes, Delivery.co2e_kg,
            Delivery.sek,
        )
    ):  # fmt: skip
        cell = cells[(municipality or "", category, stats_sql.as_month(key_month))]
        cell["firms"].update((supplier, receiver))
        cell["deliveries"] += 1
        cell["realised_tonnes"] += float(mass or 0)
        cell["realised_co2e_kg"] += float(co2e or 0)
        cell["realised_sek"] += float(sek or 0)
    rows = []
    for (municipality, category, key_month), cell in sorted(cells.items()):
        if len(cell.pop("firms")) < min_firms or municipality not in MUNICIPALITY_BY_CODE:
            continue
        town = MUNICIPALITY_BY_CODE[municipality]
        rows.append(
            {
                "month": key_month,
                "municipality": municipality,
                "municipality_name": town.name,
                "county": town.county_code,
                "county_name": COUNTY_BY_CODE[town.county_code].name,
                "category": category,
                **{k: round(v, 3) if isinstance(v, float) else v for k, v in cell.items()},
            }
        )
    return rows


# --- background exports -----------------------------------------------------------------------


def needs_background(f: StatsFilter, table: str) -> bool:
    return table in ("listings", "deals") and (f.end - f.start).days > BACKGROUND_DAYS


def start_job(session: Session, *, user_id: int, table: str, fmt: str, f: StatsFilter) -> ExportJob:
    if table not in TABLES or fmt not in FORMATS:
        raise ValueError(f"unknown export {table}.{fmt}")
    job = ExportJob(
        requested_by_id=user_id, table=table, fmt=fmt, params_json=json.dumps(f.as_params())
    )
    session.add(job)
    session.flush()
    return job


def _chunks(f: StatsFilter, days: int = 92) -> Iterator[StatsFilter]:
    start = f.start
    while start <= f.end:
        end = min(f.end, start + timedelta(days=days - 1))
        yield replace(f, start=start, end=end)
        start = end + timedelta(days=1)


def filter_of(job: ExportJob) -> StatsFilter:
    params = json.loads(job.params_json)
    return StatsFilter(
        start=date.fromisoformat(params["from"]),
        end=date.fromisoformat(params["to"]),
        county=params.get("county"),
        municipality=params.get("municipality"),
        sector=params.get("sector"),
        category=params.get("category"),
    )


def export_directory(instance_path: Path) -> Path:
    """Where finished export files are kept (served to staff from there)."""
    return Path(instance_path) / "exports"


def start(job: ExportJob) -> list[StatsFilter]:
    """Mark the job running; the parts its rows are read in (quarters for listings, which
    split by publication date add up; a deal delivering in two quarters would not). The caller
    commits, and again after each `read_part` (workers.jobs.exports.run_export)."""
    job.status, job.progress, job.error = "running", 0, None
    f = filter_of(job)
    return list(_chunks(f)) if job.table == "listings" else [f]


def read_part(
    session: Session, job: ExportJob, part: StatsFilter, n: int, parts: int, *, parallel: bool
) -> Rows:
    """The rows of part `n` (from 1) of `parts`, with the job's progress moved on; `parallel`
    when the caller's transaction has written nothing yet (it has just committed)."""
    rows = TABLES[job.table](session, part, parallel=parallel)
    job.progress = int(100 * n / parts) if n < parts else 99
    return rows


def finish(session: Session, job: ExportJob, rows: Rows, directory: Path) -> ExportJob:
    """Write the file into `directory` and mark the job done (the caller commits)."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"export-{job.id}-{job.table}.{job.fmt}"
    requester = session.get(User, job.requested_by_id) if job.requested_by_id else None
    locale = (requester.locale if requester else None) or "sv"
    body = render(rows, job.fmt, filter_of(job), locale=locale, title=job.table)
    (directory / name).write_bytes(body)
    job.status, job.progress, job.rows, job.filename = "done", 100, len(rows), name
    job.finished_at = utcnow()
    return job


def fail(session: Session, job_id: int, error: Exception) -> ExportJob:
    """Record the error on the job for the staff page, in a transaction the caller has just
    rolled back (the job runner logs the traceback); the caller commits."""
    job = session.get(ExportJob, job_id)
    assert job is not None
    job.status, job.error, job.finished_at = "failed", str(error)[:2000], utcnow()
    return job


def recent_jobs(session: Session, *, limit: int = 20) -> list[ExportJob]:
    stmt = select(ExportJob).order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
    return list(session.scalars(stmt.limit(limit)))
