"""Impact estimates of matches, "How we calculated this", and the published factor sets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.services.errors import DomainError
from marketplace.services.impact import factors
from marketplace.services.impact.estimates import (
    default_route,
    estimate_pair,
    store_estimate,
    stored_result,
)
from marketplace.services.impact.estimator import HEAT_KEY, Estimate
from marketplace.services.listings.lifecycle import get_visible_listing
from marketplace.services.reference.factor_defaults import ORGANIC_CATEGORIES
from marketplace.web.helpers import attach_domain_error, fmt_number, translate
from marketplace.web.inputs import query_id
from marketplace.web.outcomes import attempt
from marketplace.web.policy import policy
from marketplace.web.presenters.estimate import ROUTE_LABELS, EstimateForm, choice_from
from models.impact import Factor, FactorSet, StoredEstimate
from models.listings import Listing

bp = Blueprint("impact", __name__)


@bp.get("/factors")
@policy("public")
def factor_sets() -> ResponseReturnValue:
    versions = db.session.scalars(select(FactorSet).order_by(FactorSet.version.desc())).all()
    return render_template("impact/factor_sets.html", versions=versions)


def _factor_set_or_404(version: int) -> FactorSet:
    found = factors.get_set(db.session, version)
    if found is None:
        abort(404)
    return found


@bp.get("/factors/<int:version>")
@policy("public")
def factor_set(version: int) -> ResponseReturnValue:
    return render_template("impact/factor_set.html", factor_set=_factor_set_or_404(version))


@bp.get("/factors/<int:version>.csv")
@policy("public")
def factor_set_csv(version: int) -> ResponseReturnValue:
    return Response(
        factors.to_csv(_factor_set_or_404(version)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="factors-v{version}.csv"'},
    )


TERM_LABELS = {
    "avoided_disposal": _l("Avoided disposal"),
    "material_substitution": _l("Material substitution"),
    "transport": _l("Extra transport"),
    "processing": _l("Processing"),
    "displaced_heat": _l("Displaced heat production"),
    "aux_electricity": _l("Auxiliary electricity"),
    "avoided_gate_fee": _l("Avoided gate fee"),
    "avoided_gate_fee_and_landfill_tax": _l("Avoided gate fee and landfill tax"),
    "avoided_purchase": _l("Avoided purchase"),
    "transport_cost": _l("Transport cost"),
    "processing_cost": _l("Processing cost"),
    "aux_electricity_cost": _l("Auxiliary electricity cost"),
}
ASSUMPTION_LABELS = {
    "quantity": _l("Quantity"),
    "route": _l("Today's route"),
    "baseline_km": _l("Haul to today's disposal site or user"),
    "substitution": _l("Substitution ratio"),
    "mode": _l("Transport"),
    "price": _l("Price of the displaced input"),
    "freight_sek_per_tkm": _l("Road freight price"),
    "processing_kwh": _l("Pre-treatment energy"),
    "heat_factor": _l("Displaced heat production"),
    "aux_kwh": _l("Auxiliary electricity"),
}


def _pair(source: Any) -> tuple[Listing, Listing]:
    """The offer and the want named by `offer` and `want` in the query string or form."""
    viewer = current_user if current_user.is_authenticated else None
    offer_id, want_id = query_id("offer", source), query_id("want", source)
    offer = get_visible_listing(db.session, listing_id=offer_id, viewer=viewer)
    want = get_visible_listing(db.session, listing_id=want_id, viewer=viewer)
    if offer.direction != "offer" or want.direction != "want":
        abort(404)
    return offer, want


def _organic_landfill(offer: Listing, est: Estimate | None) -> bool:
    """Landfill chosen (or stated) for an organic stream, which Swedish law does not allow."""
    return (
        est is not None
        and est.inputs.baseline_route == "landfill"
        and offer.category in ORGANIC_CATEGORIES
    )


@bp.get("/impact")
@policy("public")
def estimate_page() -> ResponseReturnValue:
    """How we calculated this: formula, inputs, factors with sources, terms and the sum."""
    offer, want = _pair(request.args)
    form = EstimateForm(request.args)
    est = factor_set = None
    if form.validate():  # no result at all while an input is invalid
        try:
            est, factor_set = estimate_pair(db.session, offer, want, choice_from(form))
        except DomainError as error:
            attach_domain_error(form, error)
    heat = (offer.category_info and offer.category_info.impact_key) == HEAT_KEY
    _show_defaults(form, est, heat)
    return render_template(
        "impact/estimate.html",
        offer=offer,
        want=want,
        form=form,
        fields=form.HEAT_FIELDS if heat else form.MATERIAL_FIELDS,
        heat=heat,
        est=est,
        factor_set=factor_set,
        used_factors=_used_factors(est, factor_set),
        term_labels=TERM_LABELS,
        assumption_labels=ASSUMPTION_LABELS,
        route_labels=ROUTE_LABELS,
        organic_landfill=_organic_landfill(offer, est),
        stated_route=offer.current_route,
        usual_route=default_route(offer.category),
    ), (200 if not form.errors else 422)


def _show_defaults(form: EstimateForm, est: Estimate | None, heat: bool) -> None:
    """Defaults as placeholders in the empty fields (never as values the user typed)."""
    form.quantity.label.text = _("Quantity (MWh)") if heat else _("Quantity (tonnes)")
    if est is None:
        return
    form.quantity.description = (
        _("Per year (a recurring stream).") if est.inputs.per == "year" else _("One-off.")
    )
    for assumption in est.assumptions:
        target = form._fields.get(assumption.input)
        if target is not None and isinstance(assumption.value, int | float):
            target.render_kw = {
                **(target.render_kw or {}),
                "placeholder": fmt_figure(assumption.value, 3),
            }


def _used_factors(est: Estimate | None, factor_set: FactorSet | None) -> list[Factor]:
    """The factor rows an estimate used, in the order its terms name them."""
    if est is None or factor_set is None:
        return []
    by_key = factors.factors_by_key(factor_set)
    return [by_key[key] for key in est.factor_keys if key in by_key]


@bp.post("/impact/save")
@policy("user")
def save_estimate() -> ResponseReturnValue:
    offer, want = _pair(request.form)
    form = EstimateForm(request.form)
    back = redirect(url_for("impact.estimate_page", offer=offer.id, want=want.id), code=303)
    if not form.validate():
        flash(_("Correct the inputs marked on the page before saving the estimate."), "error")
        return back

    def save() -> tuple[StoredEstimate, FactorSet]:
        est, factor_set = estimate_pair(db.session, offer, want, choice_from(form))
        stored = store_estimate(
            db.session, offer=offer, want=want, est=est, factor_set=factor_set, actor=current_user
        )
        return stored, factor_set

    saved = attempt(
        save,
        success=lambda kept: _(
            "The estimate is saved with factor set version %(version)d.", version=kept[1].version
        ),
    )
    if saved is None:
        return back
    return redirect(url_for("impact.saved_estimate", estimate_id=saved.value[0].id), code=303)


@bp.get("/impact/saved/<int:estimate_id>")
@policy("user")
def saved_estimate(estimate_id: int) -> ResponseReturnValue:
    stored = db.session.get(StoredEstimate, estimate_id)
    if stored is None or (stored.created_by_id != current_user.id and not current_user.is_staff):
        abort(404)
    return render_template(
        "impact/saved.html", stored=stored, result=stored_result(stored), term_labels=TERM_LABELS
    )


def _token(token: Any) -> str:
    """One formula token: text as it is, a number (Num, or its dict in a stored estimate)."""
    if isinstance(token, str):
        return token
    value, places = (
        (token["value"], token["places"])
        if isinstance(token, dict)
        else (token.value, token.places)
    )
    return fmt_figure(value, places)


@bp.app_template_filter("formula")
def formula_filter(formula: Any) -> str:
    """A term's formula in the reader's number format (old stored estimates are plain text)."""
    if isinstance(formula, str):
        return formula
    return "".join(
        _token(token) if not isinstance(token, str) else unit_text(token) for token in formula
    )


@bp.app_template_filter("unit_text")
def unit_text(text: str) -> str:
    """Units in a formula or factor table with the reader's currency label (kr / SEK)."""
    return text.replace("SEK", _("SEK")) if "SEK" in text else text


@bp.app_template_global("fmt_figure")
def fmt_figure(value: float | None, digits: int = 1) -> str:
    """A figure rounded to `digits` in the reader's format; never "−0"."""
    if value is None:
        return ""
    return fmt_number(round(float(value), digits) + 0.0, digits)


@bp.app_template_filter("translated")
def translated_filter(text: str | None) -> str:
    """A factor's note or source, translated where the catalogue knows it."""
    return translate(text) if text else ""


@bp.app_template_global("route_label")
def route_label(route: str) -> str:
    """Today's route of a stream in the reader's language."""
    return str(ROUTE_LABELS.get(route, route))


@bp.app_template_global("usual_route")
def usual_route_of(category: str) -> str:
    return default_route(category)
