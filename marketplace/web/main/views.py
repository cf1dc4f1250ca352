"""Home page, language switch, health check, open data."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marketplace.extensions import db
from marketplace.services.listings.search import newest_listings
from marketplace.services.listings.tallies import region_totals
from marketplace.services.staff import exports
from marketplace.services.staff.stats import StatsFilter
from marketplace.web.policy import policy
from marketplace.web.presenters.stats_params import default_period, parse_filter
from marketplace.web.security import safe_next
from models.base import swedish_today

bp = Blueprint("main", __name__)


@bp.get("/")
@policy("public")
def index() -> ResponseReturnValue:
    today = swedish_today()
    return render_template(
        "main/index.html",
        listings=newest_listings(db.session, today=today),
        totals=region_totals(db.session, today=today),
    )


@bp.post("/language")
@policy("public")
def set_language() -> ResponseReturnValue:
    language = request.form.get("language")
    if language in ("sv", "en"):
        session["locale"] = language
        if current_user.is_authenticated:
            current_user.locale = language
            db.session.commit()
    return redirect(safe_next(request.form.get("next")), code=303)


@bp.get("/privacy")
@policy("public")
def privacy() -> ResponseReturnValue:
    """The privacy notice (GDPR art. 13): what is stored, why, for how long, whom to ask."""
    settings = current_app.extensions["settings"]
    retention = {
        name: getattr(settings, f"{name}_retention_days", None)
        for name in ("outbox", "notification", "sign_in")
    }
    return render_template("main/privacy.html", settings=settings, retention=retention)


@bp.get("/healthz")
@policy("public")
def health() -> ResponseReturnValue:
    return {"status": "ok"}


@bp.get("/open-data")
@policy("public")
def open_data() -> ResponseReturnValue:
    start, end = default_period(swedish_today())
    return render_template("main/open_data.html", start=start, end=end, min_firms=exports.MIN_FIRMS)


@bp.get("/open-data/municipality-category-month.<fmt>")
@policy("public")
def open_data_file(fmt: str) -> ResponseReturnValue:
    """Aggregates per municipality, category and month: no firm, no site, no cell of fewer
    than three firms (services.exports.open_data_rows)."""
    if fmt not in exports.OPEN_DATA_FORMATS:
        abort(404)
    parsed = parse_filter(request.args, today=swedish_today())
    if parsed.errors:
        name, message = next(iter(parsed.errors.items()))
        return Response(f"{name}: {message}\n", status=400, mimetype="text/plain")
    f = parsed.filters
    months = exports.whole_months(f.start, f.end, swedish_today())
    rows = exports.open_data_rows(db.session, f.start, f.end)
    period = StatsFilter(start=months[0], end=months[1]) if months else None
    body = exports.render_open_data(rows, fmt, period)
    response = Response(body, mimetype="text/csv" if fmt == "csv" else "application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="symbiosis-{f.start}-{f.end}.{fmt}"'
    )
    return response
