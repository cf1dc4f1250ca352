"""Impact estimates of matches, "How we calculated this", and the published factor sets."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField
from wtforms.validators import NumberRange, Optional

from marketplace.extensions import db
from marketplace.services import factors
from marketplace.services.errors import DomainError
from marketplace.services.estimates import (
    Choice,
    default_route,
    estimate_pair,
    store_estimate,
    stored_result,
)
from marketplace.services.impact import Estimate
from marketplace.services.listings import get_visible_listing
from marketplace.web.fields import LocalDecimalField
from marketplace.web.helpers import attach_domain_error, flash_domain_error, options
from marketplace.web.policy import policy
from models.impact import Factor, FactorSet, StoredEstimate
from models.listings import Listing

bp = Blueprint("impact", __name__)


@bp.get("/factors")
@policy("public")
def factor_sets():  # type: ignore[no-untyped-def]
    versions = db.session.scalars(select(FactorSet).order_by(FactorSet.version.desc())).all()
    return render_template("impact/factor_sets.html", versions=versions)


@bp.get("/factors/<int:version>")
@policy("public")
def factor_set(version: int):  # type: ignore[no-untyped-def]
    found = factors.get_set(db.session, version)
    if found is None:
        abort(404)
    return render_template("impact/factor_set.html", factor_set=found)


@bp.get("/factors/<int:version>.csv")
@policy("public")
def factor_set_csv(version: int):  # type: ignore[no-untyped-def]
    found = factors.get_set(db.session, version)
    if found is None:
        abort(404)
    return Response(
        factors.to_csv(found),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="factors-v{version}.csv"'},
    )


class EstimateForm(FlaskForm):
    """The inputs a reader may change; a GET form, so no CSRF token and nothing is stored."""

    class Meta:
        csrf = False

    offer = HiddenField()
    want = HiddenField()
    quantity = LocalDecimalField(
        _l("Quantity (t, or MWh for heat)"),
        places=None,
        validators=[
            Optional(),
            NumberRange(0, 1_000_000_000, _l("Enter a number between 0 and one billion.")),
        ],
    )
    route = SelectField(_l("What happens to the stream today"), validators=[Optional()])
    substitution = LocalDecimalField(
        _l("Substitution ratio (0–1)"),
        places=None,
        default=1,
        validators=[Optional(), NumberRange(0, 1, _l("Enter a ratio between 0 and 1."))],
        description=_l(
            "1 when it replaces the same amount of virgin input; 0.5–0.9 when down-cycled."
        ),
    )
    mode = SelectField(_l("Transport"), validators=[Optional()])
    baseline_km = LocalDecimalField(
        _l("Road km to today's disposal site"),
        places=None,
        default=0,
        validators=[
            Optional(),
            NumberRange(0, 2000, _l("Enter a distance between 0 and 2000 km.")),
        ],
    )
    price = LocalDecimalField(
        _l("Price of the displaced input (SEK per t or MWh)"),
        places=None,
        default=0,
        validators=[
            Optional(),
            NumberRange(0, 1_000_000, _l("Enter a price between 0 and 1 000 000.")),
        ],
    )
    heat_factor = LocalDecimalField(
        _l("Displaced heat production (kg CO2e per MWh)"),
        places=None,
        validators=[Optional(), NumberRange(0, 2000, _l("Enter a factor between 0 and 2000."))],
        description=_l(
            "The receiving network's marginal production, not its average (miljövärde)."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.route.choices = options(ROUTE_LABELS.items())
        self.mode.choices = options(MODE_LABELS.items())


ROUTE_LABELS = {
    "landfill": _l("Landfill"),
    "incineration": _l("Incineration"),
    "other": _l("Other"),
}
MODE_LABELS = {"road": _l("Truck"), "rail": _l("Rail")}
TERM_LABELS = {
    "avoided_disposal": _l("Avoided disposal"),
    "material_substitution": _l("Material substitution"),
    "transport": _l("Extra transport"),
    "processing": _l("Processing"),
    "displaced_heat": _l("Displaced heat production"),
    "aux_electricity": _l("Auxiliary electricity"),
    "avoided_gate_fee_and_landfill_tax": _l("Avoided gate fee and landfill tax"),
    "avoided_purchase": _l("Avoided purchase"),
    "transport_cost": _l("Transport cost"),
    "processing_cost": _l("Processing cost"),
    "aux_electricity_cost": _l("Auxiliary electricity cost"),
}


def _pair(offer_id: str | None, want_id: str | None) -> tuple[Listing, Listing]:
    viewer = current_user if current_user.is_authenticated else None
    try:
        offer = get_visible_listing(db.session, listing_id=int(offer_id or 0), viewer=viewer)
        want = get_visible_listing(db.session, listing_id=int(want_id or 0), viewer=viewer)
    except ValueError:
        abort(404)
    if offer.direction != "offer" or want.direction != "want":
        abort(404)
    return offer, want


def choice_from(form: EstimateForm) -> Choice:
    def number(field, default):  # type: ignore[no-untyped-def]
        return float(field.data) if field.data is not None and not field.errors else default

    return Choice(
        quantity=number(form.quantity, None),
        baseline_route=form.route.data or None,
        substitution_ratio=number(form.substitution, 1.0),
        transport_mode=form.mode.data or "road",
        virgin_price_sek=number(form.price, 0.0),
        baseline_distance_km=number(form.baseline_km, 0.0),
        displaced_heat_kg_per_mwh=number(form.heat_factor, None),
    )


@bp.get("/impact")
@policy("public")
def estimate_page():  # type: ignore[no-untyped-def]
    """How we calculated this: formula, inputs, factors with sources, terms and the sum."""
    offer, want = _pair(request.args.get("offer"), request.args.get("want"))
    form = EstimateForm(request.args)
    form.validate()
    choice = choice_from(form)
    if not form.route.data:
        form.route.data = choice.baseline_route or default_route(offer.category)
    try:
        est, factor_set = estimate_pair(db.session, offer, want, choice)
    except DomainError as error:
        attach_domain_error(form, error)
        est, factor_set = None, None
    if est is not None and form.quantity.data is None:
        form.quantity.data = round(est.inputs.quantity, 3)
    return render_template(
        "impact/estimate.html",
        offer=offer,
        want=want,
        form=form,
        est=est,
        factor_set=factor_set,
        used_factors=_used_factors(est, factor_set),
        term_labels=TERM_LABELS,
    )


def _used_factors(est: Estimate | None, factor_set: FactorSet | None) -> list[Factor]:
    """The factor rows an estimate used, in the order its terms name them."""
    if est is None or factor_set is None:
        return []
    by_key = factors.factors_by_key(factor_set)
    return [by_key[key] for key in est.factor_keys if key in by_key]


@bp.post("/impact/save")
@policy("user")
def save_estimate():  # type: ignore[no-untyped-def]
    offer, want = _pair(request.form.get("offer"), request.form.get("want"))
    form = EstimateForm(request.form)
    form.validate()
    try:
        est, factor_set = estimate_pair(db.session, offer, want, choice_from(form))
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("impact.estimate_page", offer=offer.id, want=want.id), code=303)
    stored = store_estimate(
        db.session, offer=offer, want=want, est=est, factor_set=factor_set, actor=current_user
    )
    db.session.commit()
    flash(
        _("The estimate is saved with factor set version %(version)d.", version=factor_set.version),
        "success",
    )
    return redirect(url_for("impact.saved_estimate", estimate_id=stored.id), code=303)


@bp.get("/impact/saved/<int:estimate_id>")
@policy("user")
def saved_estimate(estimate_id: int):  # type: ignore[no-untyped-def]
    stored = db.session.get(StoredEstimate, estimate_id)
    if stored is None or (stored.created_by_id != current_user.id and not current_user.is_staff):
        abort(404)
    return render_template(
        "impact/saved.html", stored=stored, result=stored_result(stored), term_labels=TERM_LABELS
    )
