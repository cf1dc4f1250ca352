"""Regional staff: the statistics dashboard, drill-downs, exports and the open-data download."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from geo.gazetteer import COUNTIES, MUNICIPALITIES
from marketplace.extensions import db
from marketplace.services.deals import deliveries as delivery_service
from marketplace.services.reference import boundaries
from marketplace.services.staff import exports, stats, stats_sql
from marketplace.services.staff.exports import export_directory
from marketplace.services.staff.facilitation import (
    follow_ups_due,
    open_reports_count,
)
from marketplace.web import charts
from marketplace.web.audit import record_read
from marketplace.web.helpers import category_label, fmt_month, fmt_number, locale
from marketplace.web.jobs import background
from marketplace.web.policy import policy
from marketplace.web.presenters.labels import DELIVERY_STATUS_LABELS, STATUS_LABELS
from marketplace.web.presenters.stats_params import parse_filter
from models.base import swedish_today
from models.exports import ExportJob
from models.taxonomy import CATEGORIES

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _filters() -> tuple[stats.StatsFilter, dict[str, str]]:
    parsed = parse_filter(request.args, today=swedish_today())
    return parsed.filters, parsed.errors


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    language = locale()
    return {
        "county": [(c.code, c.name) for c in COUNTIES],
        "municipality": [(m.code, m.name) for m in sorted(MUNICIPALITIES, key=lambda m: m.name)],
        "sector": [
            (key, f"{key} {sv if language == 'sv' else en}")
            for key, (en, sv, _span) in stats.SECTIONS.items()
        ],
        "category": sorted(
            ((c.key, c.label(language)) for c in CATEGORIES), key=lambda pair: pair[1]
        ),
    }


def _number(digits: int = 0) -> Callable[[float | Decimal | None], str]:
    return lambda value: fmt_number(value, digits)


def _charts(f: stats.StatsFilter, months: list[dict[str, Any]], categories: list[dict[str, Any]],
            towns: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """The dashboard's charts, rendered here as inline SVG (no external service)."""
    base = f.as_params()
    titles = {
        "month": _("Offers and wants published and deals agreed, per month (number)"),
        "realised": _("CO2e avoided by confirmed deliveries, per month (t CO2e)"),
        "category": _("Tonnes offered per year, by category (t per year)"),
        "map": _("Tonnes offered per year, by municipality (t per year)"),
    }
    month_chart = charts.month_chart(
        [fmt_month(row["month"]) for row in months],
        [
            (_("Offers published"), [row["offers"] for row in months]),
            (_("Wants published"), [row["wants"] for row in months]),
            (_("Deals agreed"), [row["deals_agreed"] for row in months]),
        ],
        title=titles["month"],
        unit="",
        fmt=_number(),
        empty_label=_("No data"),
    )
    realised_chart = charts.month_chart(
        [fmt_month(row["month"]) for row in months],
        [(_("Realised t CO2e"), [row["realised_co2e_kg"] / 1000 for row in months])],
        title=titles["realised"],
        unit="t",
        fmt=_number(1),
        empty_label=_("No data"),
    )
    ranked = sorted(categories, key=lambda row: -row["offered_tonnes"])
    category_chart = charts.bar_chart(
        [(category_label(row["category"]), row["offered_tonnes"]) for row in ranked],
        title=titles["category"],
        unit="t",
        links=[
            url_for("staff.listings", **{**base, "category": row["category"]}) for row in ranked
        ],
        fmt=_number(),
        other_label=_("Other"),
        empty_label=_("No data"),
    )
    values = {row["municipality"]: row["offered_tonnes"] for row in towns if row["municipality"]}
    outlines = boundaries.outlines(db.session, "municipality")
    region = charts.region_map(
        values,
        title=titles["map"],
        unit="t",
        outlines=outlines or None,
        towns=[(m.code, m.name, m.lat, m.lon) for m in MUNICIPALITIES],
        links={
            code: url_for("staff.listings", **{**base, "municipality": code}) for code in values
        },
        fmt=_number(),
        empty_label=_("No data"),
    )
    return {
        "month_chart": month_chart,
        "realised_chart": realised_chart,
        "category_chart": category_chart,
        "region_map": region,
        "chart_titles": titles,
    }


@bp.get("")
@policy("staff")
def dashboard() -> ResponseReturnValue:
    f, errors = _filters()
    board = stats.dashboard(db.session, f, parallel=True)  # a GET: nothing written yet
    figures, months = board.figures, board.by_month
    categories, towns = board.by_category, board.by_municipality
    return render_template(
        "staff/dashboard.html",
        f=f,
        params=f.as_params(),
        errors=errors,
        choices=filter_choices(),
        fig=figures,
        months=months,
        categories=categories,
        towns=towns,
        follow_ups=follow_ups_due(db.session, today=swedish_today(), author_id=current_user.id),
        reports=open_reports_count(db.session),
        pending=stats_sql.pending_deliveries(db.session, f),
        tables=list(exports.TABLES),
        **_charts(f, months, categories, towns),
    )


@bp.get("/listings")
@policy("staff")
def listings() -> ResponseReturnValue:
    """Drill-down: the listings a figure counts."""
    f, errors = _filters()
    direction = (
        request.args.get("direction")
        if request.args.get("direction") in ("offer", "want")
        else None
    )
    kind = (
        request.args.get("kind")
        if request.args.get("kind") in ("material", "energy", "capacity")
        else None
    )
    found = stats.drill_listings(db.session, f, direction=direction, kind=kind)
    return render_template(
        "staff/listings.html", f=f, params=f.as_params(), errors=errors, listings=found,
        direction=direction, kind=kind,
    )  # fmt: skip


@bp.get("/deals")
@policy("staff")
def deals() -> ResponseReturnValue:
    """Drill-down: the deals a figure counts (agreed, completed or delivered in the period)."""
    f, errors = _filters()
    which = request.args.get("which", "agreed")
    if which not in ("agreed", "completed", "delivered"):
        which = "agreed"
    found = stats.drill_deals(db.session, f, which=which)
    return render_template(
        "staff/deals.html",
        f=f,
        params=f.as_params(),
        errors=errors,
        deals=found,
        which=which,
        status_labels=STATUS_LABELS,
    )


@bp.get("/deliveries")
@policy("staff")
def deliveries() -> ResponseReturnValue:
    """Deliveries waiting for the other firm, or disputed: what staff may follow up."""
    return render_template(
        "staff/deliveries.html",
        deliveries=delivery_service.unanswered(db.session),
        labels=DELIVERY_STATUS_LABELS,
    )


@bp.get("/export/<table>.<fmt>")
@policy("staff")
def export(table: str, fmt: str) -> ResponseReturnValue:
    if table not in exports.TABLES or fmt not in exports.FORMATS:
        abort(404)
    f, _errors = _filters()
    if exports.needs_background(f, table):
        job = exports.start_job(db.session, user_id=current_user.id, table=table, fmt=fmt, f=f)
        db.session.commit()
        background().run_export(job.id)
        return redirect(url_for("staff.export_job", job_id=job.id), 303)
    rows = exports.TABLES[table](db.session, f, parallel=True)  # nothing written yet
    body = exports.render(rows, fmt, f, locale=locale(), title=table)
    record_read("export_downloaded", target=f"{table}.{fmt}", period=f"{f.start}/{f.end}")
    return _download(body, fmt, f"{table}-{f.start}-{f.end}.{fmt}")


MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _download(body: bytes, fmt: str, filename: str) -> Response:
    response = Response(body, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/exports")
@policy("staff")
def export_jobs() -> ResponseReturnValue:
    return render_template("staff/exports.html", jobs=exports.recent_jobs(db.session))


@bp.get("/exports/<int:job_id>")
@policy("staff")
def export_job(job_id: int) -> ResponseReturnValue:
    job = db.session.get(ExportJob, job_id) or abort(404)
    return render_template("staff/export_job.html", job=job)


@bp.get("/exports/<int:job_id>/download")
@policy("staff")
def download_export(job_id: int) -> ResponseReturnValue:
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status != "done" or not job.filename:
        abort(404)
    directory = export_directory(Path(current_app.extensions["settings"].instance_path))
    record_read("export_downloaded", target=f"export_job:{job.id}", table=job.table)
    return send_from_directory(directory, job.filename, as_attachment=True)
