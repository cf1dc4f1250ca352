"""Alert subscriptions: create, preview, edit, pause, delete, mute all; unsubscribe by link."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from geo.gazetteer import COUNTY_BY_CODE, MUNICIPALITY_BY_CODE
from marketplace.extensions import csrf, db
from marketplace.services.accounts.security import TokenError
from marketplace.services.alerts import subscriptions
from marketplace.services.alerts.notify import read_unsubscribe_token
from marketplace.services.errors import DomainError
from marketplace.services.listings.sites import firm_sites
from marketplace.services.reference.validation import ascii_int, ascii_number
from marketplace.web.alerts.forms import POINT, AlertForm
from marketplace.web.helpers import attach_domain_error, form_status
from marketplace.web.outcomes import attempt, attempt_and_redirect
from marketplace.web.policy import policy
from marketplace.web.presenters.geojson import feature
from models.alerts import AlertSubscription
from models.base import swedish_today
from models.sites import Site

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


def _input(form: AlertForm) -> subscriptions.SubscriptionInput:
    site = form.site_id.data
    radius = form.radius_km.data
    return subscriptions.SubscriptionInput(
        name=form.name.data or "",
        area_kind=form.area_kind.data or "",
        site_id=ascii_int(site, low=1) if site != POINT else None,
        center_lon=ascii_number(form.center_lon.data),
        center_lat=ascii_number(form.center_lat.data),
        radius_km=float(radius) if isinstance(radius, Decimal) else None,
        polygon_geojson=form.polygon.data or None,
        region_codes=tuple(form.regions.data or ()),
        directions=tuple(form.directions.data or ()),
        kinds=tuple(form.kinds.data or ()),
        categories=tuple(form.categories.data or ()),
        ewc=form.ewc.data or "",
        keywords=form.keywords.data or "",
        cadence=form.cadence.data or "",
    )


def _fill(form: AlertForm, sub: AlertSubscription) -> None:
    data = subscriptions.to_input(sub)
    form.name.data = data.name
    form.area_kind.data = data.area_kind
    form.site_id.data = str(data.site_id) if data.site_id else POINT
    form.center_lat.data = "" if data.center_lat is None else f"{data.center_lat:.6f}"
    form.center_lon.data = "" if data.center_lon is None else f"{data.center_lon:.6f}"
    form.radius_km.data = Decimal(str(round(data.radius_km, 1))) if data.radius_km else None
    form.polygon.data = data.polygon_geojson or ""
    form.regions.data = list(data.region_codes)
    form.directions.data = list(data.directions)
    form.kinds.data = list(data.kinds)
    form.categories.data = list(data.categories)
    form.ewc.data = data.ewc
    form.keywords.data = data.keywords
    form.cadence.data = data.cadence


def area_summary(sub: AlertSubscription) -> str:
    if sub.area_kind == "circle":
        km = f"{(sub.radius_m or 0) / 1000:g}"
        if sub.site_id is not None and sub.site is not None:
            return _("Within %(km)s km of %(site)s", km=km, site=sub.site.name)
        return _("Within %(km)s km of a point on the map", km=km)
    if sub.area_kind == "polygon":
        return _("Inside an area drawn on the map")
    names = [
        (MUNICIPALITY_BY_CODE.get(code) or COUNTY_BY_CODE.get(code)).name  # type: ignore[union-attr]
        for code in sub.split(sub.region_codes)
        if code in MUNICIPALITY_BY_CODE or code in COUNTY_BY_CODE
    ]
    return _("In %(places)s", places=", ".join(names))


def map_area(sub: AlertSubscription) -> dict[str, Any]:
    """What the map draws: the circle or the polygon (regions show municipality outlines)."""
    if sub.area_kind == "circle" and sub.center_lat is not None:
        return {"centre": {"lat": sub.center_lat, "lon": sub.center_lon, "radius_m": sub.radius_m}}
    if sub.area_kind == "polygon" and sub.polygon_geojson:
        return {"area": json.loads(sub.polygon_geojson)}
    return {}


def _preview(sub: AlertSubscription) -> dict[str, Any]:
    listings, total, metres = subscriptions.preview(
        db.session, sub, actor=current_user, today=swedish_today()
    )
    features = [
        feature(item, metres[item.id] / 1000 if item.id in metres else None) for item in listings
    ]
    return {
        "listings": listings,
        "total": total,
        "distances_km": {k: v / 1000 for k, v in metres.items()},
        "features": {"type": "FeatureCollection", "features": features},
        **map_area(sub),
    }


def _sites() -> list[Site]:
    if current_user.organisation_id is None:
        return []
    return firm_sites(db.session, current_user.organisation_id)


@bp.get("")
@policy("user")
def index() -> ResponseReturnValue:
    subs = subscriptions.user_subscriptions(db.session, current_user.id)
    return render_template("alerts/index.html", subs=subs, area_summary=area_summary)


def _form_page(
    form: AlertForm, sub: AlertSubscription | None, preview: Any, status: int = 200
) -> tuple[str, int]:
    sites = _sites()
    return (
        render_template("alerts/form.html", form=form, sub=sub, preview=preview, sites=sites),
        status,
    )


def _save_or_preview(form: AlertForm, sub: AlertSubscription | None) -> ResponseReturnValue:
    """Shared by new and edit: 'preview' shows what would be caught without saving anything."""
    data = _input(form)
    if request.form.get("action") == "preview":
        named = replace(data, name=data.name.strip() or _("Preview"))  # a name is for saving
        try:
            result = _preview(
                subscriptions.draft_subscription(db.session, actor=current_user, data=named)
            )
        except DomainError as error:
            db.session.rollback()
            attach_domain_error(form, error)
            return _form_page(form, sub, None, 422)
        db.session.rollback()  # a preview keeps nothing
        return _form_page(form, sub, result)

    def save() -> AlertSubscription:
        if sub is None:
            return subscriptions.create_subscription(db.session, actor=current_user, data=data)
        subscriptions.update_subscription(
            db.session, actor=current_user, subscription_id=sub.id, data=data
        )
        return sub

    done = attempt(
        save, form=form, success=lambda saved: _("The alert “%(name)s” is saved.", name=saved.name)
    )
    if done is None:
        return _form_page(form, sub, None, 422)
    return redirect(url_for("alerts.show", subscription_id=done.value.id), code=303)


@bp.route("/new", methods=["GET", "POST"])
@policy("user")
def new() -> ResponseReturnValue:
    form = AlertForm(sites=_sites())
    if not form.is_submitted():
        sites = _sites()
        if sites:
            form.site_id.data = str(sites[0].id)
    if form.validate_on_submit():
        return _save_or_preview(form, None)
    return _form_page(form, None, None, form_status(form))


@bp.route("/<int:subscription_id>/edit", methods=["GET", "POST"])
@policy("user")
def edit(subscription_id: int) -> ResponseReturnValue:
    sub = subscriptions.get_own_subscription(
        db.session, actor=current_user, subscription_id=subscription_id
    )
    form = AlertForm(sites=_sites())
    if not form.is_submitted():
        _fill(form, sub)
    if form.validate_on_submit():
        return _save_or_preview(form, sub)
    return _form_page(form, sub, None, form_status(form))


@bp.get("/<int:subscription_id>")
@policy("user")
def show(subscription_id: int) -> ResponseReturnValue:
    sub = subscriptions.get_own_subscription(
        db.session, actor=current_user, subscription_id=subscription_id
    )
    return render_template(
        "alerts/show.html", sub=sub, preview=_preview(sub), area_summary=area_summary
    )


def _change(subscription_id: int, change: Callable[..., object], message: str) -> Response:
    return attempt_and_redirect(
        lambda: change(db.session, actor=current_user, subscription_id=subscription_id),
        url_for("alerts.index"),
        success=message,
    )


@bp.post("/<int:subscription_id>/pause")
@policy("user")
def pause(subscription_id: int) -> ResponseReturnValue:
    paused = partial(subscriptions.set_paused, paused=True)
    return _change(subscription_id, paused, _("The alert is paused."))


@bp.post("/<int:subscription_id>/resume")
@policy("user")
def resume(subscription_id: int) -> ResponseReturnValue:
    active = partial(subscriptions.set_paused, paused=False)
    return _change(subscription_id, active, _("The alert is active again."))


@bp.post("/<int:subscription_id>/delete")
@policy("user")
def delete(subscription_id: int) -> ResponseReturnValue:
    return _change(subscription_id, subscriptions.delete_subscription, _("The alert is deleted."))


@bp.post("/mute")
@policy("user")
def mute() -> ResponseReturnValue:
    muted = request.form.get("muted") == "1"
    subscriptions.set_muted(db.session, current_user, muted)
    db.session.commit()
    flash(
        _("All alert emails are switched off.") if muted else _("Alert emails are switched on."),
        "success",
    )
    return redirect(url_for("alerts.index"), code=303)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@policy("public")
def unsubscribe(token: str) -> ResponseReturnValue:
    """One click from the email (RFC 8058 POST from the mail client, or the page's button)."""
    try:
        user_id, ids = read_unsubscribe_token(current_app.config["SECRET_KEY"], token)
    except TokenError:
        return render_template("alerts/unsubscribe.html", state="invalid"), 404
    if request.method == "GET":
        subs = [s for s in subscriptions.user_subscriptions(db.session, user_id) if s.id in ids]
        return render_template("alerts/unsubscribe.html", state="confirm", subs=subs, token=token)
    paused = subscriptions.pause_by_link(db.session, user_id=user_id, subscription_ids=ids)
    db.session.commit()
    return render_template("alerts/unsubscribe.html", state="done", subs=paused)


csrf.exempt(unsubscribe)  # the signed token is the authorisation; mail clients send no CSRF token
