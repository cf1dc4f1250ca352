"""`/api/v1`: an open, read-only GeoJSON API over public listings and boundaries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from geo.crs import in_sweden_bbox
from marketplace.extensions import csrf, db
from marketplace.services.deals import deliveries, negotiation
from marketplace.services.errors import DomainError, NotFound
from marketplace.services.impact.estimates import (
    estimate_pair,
    impact_summary,
    ranked_matches,
)
from marketplace.services.listings import liveness, search
from marketplace.services.listings.paging import CursorError
from marketplace.services.matching.candidates import Reason
from marketplace.services.reference import boundaries as boundary_service
from marketplace.services.reference.postcodes import find_postcode
from marketplace.services.reference.validation import ascii_int, ascii_number
from marketplace.services.staff import stats, stats_sql
from marketplace.web.helpers import explain
from marketplace.web.inputs import query_int
from marketplace.web.policy import policy
from marketplace.web.presenters.estimate import EstimateForm, choice_from
from marketplace.web.presenters.geojson import feature
from marketplace.web.presenters.paging import page_links
from marketplace.web.presenters.parties import Names as deal_names
from marketplace.web.presenters.search_params import CURSOR_ERROR, parse_search
from marketplace.web.presenters.stats_params import parse_filter
from models.base import swedish_today
from models.deals import Deal
from models.listings import Listing

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # read-only: GET requests only


def _error(status: int, message: str, parameter: str | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": {"status": status, "message": message}}
    if parameter:
        body["error"]["parameter"] = parameter
    return jsonify(body), status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    if exc.code == 429:
        return _error(429, "too many requests; wait a little and try again")
    return _error(exc.code or 500, exc.description or exc.name, getattr(exc, "parameter", None))


@bp.get("/listings")
@policy("public")
def listings() -> ResponseReturnValue:
    """A page of listings. `total` is exact when `total_exact`, else a lower bound (there are
    more); `next`/`prev` are links to the neighbouring pages (cursors beyond the first pages),
    `next_cursor` the cursor alone, for a client that builds its own URLs."""
    params = parse_search(request.args, default_per_page=50)
    if params.errors:
        parameter, message = next(iter(params.errors.items()))
        return _error(400, f"{parameter}: {message}", parameter)
    try:
        page = search.search_listings(
            db.session,
            params.filters,
            today=swedish_today(),
            page=params.page,
            per_page=params.per_page,
            cursor=params.cursor,
        )
    except CursorError:
        name = "before" if params.cursor is not None and params.cursor.backwards else "after"
        return _error(400, f"{name}: {CURSOR_ERROR}", name)
    links = page_links(page)
    return jsonify(
        {
            "type": "FeatureCollection",
            "features": [feature(item, page.distances_km.get(item.id)) for item in page.items],
            "page": page.page,
            "per_page": page.per_page,
            "pages": page.pages,
            "total": page.total,
            "total_exact": not page.total_is_lower_bound,
            "next": _link(links.next),
            "prev": _link(links.prev),
            "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
        }
    )


def _link(changes: dict[str, str | int | None] | None) -> str | None:
    """The listings URL of this request with its paging parameters changed."""
    if changes is None:
        return None
    args: dict[str, Any] = request.args.to_dict()
    for name, value in changes.items():
        args.pop(name, None)
        if value is not None:
            args[name] = value
    return url_for("api.listings", **args)


@bp.get("/listings/<int:listing_id>")
@policy("public")
def listing(listing_id: int) -> ResponseReturnValue:
    item = db.session.get(Listing, listing_id)
    if item is None or not liveness.is_live(item, swedish_today()):
        abort(404, "no public listing with this id")
    return jsonify(feature(item))


@bp.get("/boundaries/<kind>")
@policy("public")
def boundaries(kind: str) -> ResponseReturnValue:
    if kind not in ("municipality", "county"):
        abort(404, "kind must be municipality or county")
    return jsonify(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": code,
                    "geometry": geometry,
                    "properties": {"code": code, "name": name},
                }
                for code, name, geometry in boundary_service.outlines(db.session, kind)
            ],
        }
    )


@bp.get("/postcode")
@policy("public")
def postcode() -> ResponseReturnValue:
    """A postcode's town and coordinates: the first guess for a site's location."""
    found = find_postcode(db.session, request.args.get("code", ""))
    if found is None:
        abort(404, "unknown postcode")
    return jsonify(
        {
            "postcode": found.code,
            "place": found.place,
            "municipality": found.municipality_code,
            "lat": found.lat,
            "lon": found.lon,
        }
    )


@bp.get("/municipality")
@policy("public")
def municipality() -> ResponseReturnValue:
    """The municipality at lat/lon, proposed when a site's location is picked on the map."""
    lat, lon = ascii_number(request.args.get("lat")), ascii_number(request.args.get("lon"))
    if lat is None or lon is None:
        return _error(400, "lat and lon must be numbers", "lat")
    if not in_sweden_bbox(lon, lat):
        return _error(400, "the point is outside Sweden", "lat")
    code = boundary_service.municipality_at(db.session, lon, lat)
    return jsonify({"municipality": code})


def _explanation(reasons: Iterable[Reason]) -> str:
    return " · ".join(explain(r) for r in reasons)


@bp.get("/listings/<int:listing_id>/matches")
@policy("public")
def matches(listing_id: int) -> ResponseReturnValue:
    """Ranked matches as GeoJSON: each feature is the counterpart, with score and impact."""
    item = db.session.get(Listing, listing_id)
    if item is None or not liveness.is_live(item, swedish_today()):
        abort(404, "no public listing with this id")
    limit = query_int("limit", 20, low=1, high=50)
    features = []
    for ranked in ranked_matches(db.session, item, today=swedish_today(), limit=limit):
        found = feature(ranked.match.listing, ranked.match.distance_km)
        found["properties"].update(
            listing_id=ranked.match.listing.id,
            score=ranked.match.score,
            explanation=_explanation(ranked.match.reasons),
            impact=impact_summary(ranked.estimate, ranked.factor_set),
        )
        features.append(found)
    return jsonify({"type": "FeatureCollection", "listing_id": item.id, "features": features})


@bp.get("/impact")
@policy("public")
def impact() -> ResponseReturnValue:
    """The impact of one offer/want pair for a chosen quantity (and other optional inputs)."""
    ids = {}
    for name in ("offer", "want"):
        raw = request.args.get(name, "")
        if not (raw.isascii() and raw.isdigit()):
            return _error(400, f"{name}: must be a listing id", name)
        number = ascii_int(raw)  # None: more than the database's ids can be
        found = db.session.get(Listing, number) if number is not None else None
        if found is None or not liveness.is_live(found, swedish_today()) or found.direction != name:
            return _error(404, f"{name}: no public {name} with this id", name)
        ids[name] = found
    form = EstimateForm(request.args)
    if not form.validate():
        name, messages = next(iter(form.errors_by_field().items()))
        return _error(400, f"{name}: {messages[0]}", name)
    try:
        est, factor_set = estimate_pair(db.session, ids["offer"], ids["want"], choice_from(form))
    except DomainError as exc:
        parameter = API_PARAMETER.get(exc.field or "", exc.field)
        return _error(400 if exc.field else 503, exc.message, parameter)
    return jsonify(impact_summary(est, factor_set))


# ImpactInputs fields -> the API's parameter names (for a service's 400).
API_PARAMETER = {
    "quantity": "quantity",
    "baseline_route": "route",
    "baseline_distance_km": "baseline_km",
    "substitution_ratio": "substitution",
    "substitution_today": "substitution_today",
    "transport_mode": "mode",
    "virgin_price_sek": "price",
    "freight_sek_per_tkm": "freight_sek_per_tkm",
    "aux_electricity_kwh": "aux_kwh",
    "processing_kwh": "processing_kwh",
    "displaced_heat_kg_per_mwh": "heat_factor",
}


def _deal_json(deal: Deal) -> dict[str, Any]:
    """A deal as the API shows it; names follow the anonymity rule of the web pages."""
    names = deal_names(deal.conversation)
    return {
        "id": deal.id,
        "status": deal.status,
        "url": url_for("deals.deal", deal_id=deal.id, _external=True),
        "listing_id": deal.conversation.listing_id,
        "offer_id": deal.offer_id,
        "want_id": deal.want_id,
        "category": deal.category,
        "parties": {
            "supplier": {"id": deal.supplier_org_id, "name": names.firm(deal.supplier_org_id)},
            "receiver": {"id": deal.receiver_org_id, "name": names.firm(deal.receiver_org_id)},
        },
        "agreed": {
            "quantity": float(deal.quantity),
            "unit": deal.unit,
            "recurrence": deal.recurrence,
            "start_date": deal.start_date.isoformat() if deal.start_date else None,
            "end_date": deal.end_date.isoformat() if deal.end_date else None,
            "total_quantity": float(deal.total_quantity),
            "price_model": deal.price_model,
            "price_sek": float(deal.price_sek) if deal.price_sek is not None else None,
            "transport_by": deal.transport_by,
            "transport_mode": deal.transport_mode,
            "baseline_route": deal.baseline_route,
            "substitution_ratio": deal.substitution_ratio,
        },
        "agreed_at": deal.agreed_at.isoformat() if deal.agreed_at else None,
        "completed_at": deal.completed_at.isoformat() if deal.completed_at else None,
        "cancelled_at": deal.cancelled_at.isoformat() if deal.cancelled_at else None,
        "delivered_quantity": float(deal.delivered_quantity),
        "confirmed_quantity": float(deliveries.confirmed_quantity(deal)),
        "deliveries": [
            {
                "id": d.id,
                "date": d.delivered_on.isoformat(),
                "quantity": float(d.quantity),
                "unit": deal.unit,
                "status": d.status,
                "confirmed_at": d.confirmed_at.isoformat() if d.confirmed_at else None,
                "disputed_at": d.disputed_at.isoformat() if d.disputed_at else None,
                "dispute_reason": d.dispute_reason,
                "impact": deliveries.impact_of(d),
            }
            for d in deal.deliveries
        ],
    }


@bp.get("/deals")
@policy("party")
def deals() -> ResponseReturnValue:
    """The logged-in user's firm's deals; regional staff get every deal."""
    found = negotiation.deals_for(db.session, actor=current_user, everyone=True)
    return jsonify({"deals": [_deal_json(d) for d in found], "total": len(found)})


@bp.get("/deals/<int:deal_id>")
@policy("party")
def deal(deal_id: int) -> ResponseReturnValue:
    try:
        found = negotiation.get_deal(db.session, actor=current_user, deal_id=deal_id)
    except NotFound:
        abort(404, "no deal with this id")
    return jsonify(_deal_json(found))


@bp.get("/stats")
@policy("staff")
def stats_figures() -> ResponseReturnValue:
    """The dashboard's figures for the same filters; realised and potential kept apart."""
    parsed = parse_filter(request.args, today=swedish_today())
    if parsed.errors:
        parameter, message = next(iter(parsed.errors.items()))
        return _error(400, f"{parameter}: {message}", parameter)
    fig = stats.figures(db.session, parsed.filters, parallel=True)  # a GET: nothing written
    waiting, waiting_tonnes = stats_sql.pending_deliveries(db.session, parsed.filters)
    return jsonify(
        {
            "filters": parsed.filters.as_params(),
            "active_firms": fig.active_firms,
            "listings": fig.listings,
            "offered": asdict(fig.offered),
            "wanted": asdict(fig.wanted),
            "matches": fig.matches,
            "inquiries": fig.inquiries,
            "deals": {"agreed": fig.deals_agreed, "completed": fig.deals_completed},
            "median_days": {
                "to_first_inquiry": fig.median_days_to_inquiry,
                "to_first_deal": fig.median_days_to_deal,
            },
            "pending": {"deliveries": waiting, "tonnes": waiting_tonnes},
            "realised": {
                "deliveries": fig.realised.count,
                "tonnes": fig.realised.tonnes,
                "mwh": fig.realised.mwh,
                "co2e_kg": fig.realised.co2e_kg,
                "sek": fig.realised.sek,
            },
            "potential": {
                "listings_with_match": fig.potential.count,
                "tonnes": fig.potential.tonnes,
                "co2e_kg": fig.potential.co2e_kg,
                "sek": fig.potential.sek,
            },
        }
    )
