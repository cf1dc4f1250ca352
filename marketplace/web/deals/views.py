"""Inquiries, conversations and deals: the pages and the actions, with their emails.

Every action commits its change and the emails about it in one transaction (the outbox), then
hands the emails to the mail job. Members of other firms get 404 for any conversation or deal,
whether it exists or not.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.extensions import db
from marketplace.services.deals import conversations, deal_terms, deliveries, negotiation
from marketplace.services.listings.sites import firm_sites
from marketplace.services.reference.validation import ascii_int
from marketplace.web import outcomes

# The conversation routes live beside these, on the same blueprint.
from marketplace.web.deals import conversations as _conversations  # noqa: F401
from marketplace.web.deals.common import (
    attempt,
    bp,
    notify,
    page_context,
)
from marketplace.web.deals.forms import (
    AcceptForm,
    CancelForm,
    DealForm,
    DeliveryForm,
    DisputeForm,
)
from marketplace.web.helpers import (
    form_status,
    options,
)
from marketplace.web.policy import policy
from marketplace.web.presenters.labels import DEAL_LABELS, DELIVERY_STATUS_LABELS
from marketplace.web.presenters.parties import Names
from models.base import swedish_today
from models.conversations import Conversation
from models.deals import Deal
from models.deliveries import Delivery

# --- deal terms --------------------------------------------------------------------------------


def _deal_form(
    conversation: Conversation, terms: deal_terms.Terms, version: int | None
) -> DealForm:
    form = DealForm()
    receiver_org = deal_terms.roles(conversation)["receiver"]
    sites = (
        firm_sites(db.session, receiver_org) if current_user.organisation_id == receiver_org else []
    )
    form.receiver_site_id.choices = options((str(s.id), s.name) for s in sites)
    if not form.is_submitted():
        for name in ("quantity", "recurrence", "start_date", "end_date", "price_model",
                     "price_sek", "transport_by", "transport_mode", "baseline_route",
                     "note"):  # fmt: skip
            form[name].data = getattr(terms, name)
        for name in ("baseline_distance_km", "substitution_ratio", "virgin_price_sek",
                     "displaced_heat_kg_per_mwh", "substitution_today"):  # fmt: skip
            value = getattr(terms, name)
            form[name].data = (
                Decimal(str(value))
                if value
                else (Decimal(1) if name == "substitution_ratio" else None)
            )
        form.substitution_ratio.data = Decimal(str(terms.substitution_ratio))
        form.receiver_site_id.data = str(terms.receiver_site_id or "")
        form.version.data = str(version or "")
    return form


def _terms(form: DealForm) -> deal_terms.Terms:
    def number(name: str, default: float | None = 0.0) -> float | None:
        value = form[name].data
        return float(value) if value is not None else default

    site = form.receiver_site_id.data
    return deal_terms.Terms(
        # None only when the field did not parse; the rules leave the quantity to the form then
        quantity=cast(Decimal, form.quantity.data),
        recurrence=form.recurrence.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        price_model=form.price_model.data,
        price_sek=form.price_sek.data,
        transport_by=form.transport_by.data,
        transport_mode=form.transport_mode.data,
        baseline_route=form.baseline_route.data,
        baseline_distance_km=number("baseline_distance_km") or 0.0,
        substitution_ratio=number("substitution_ratio", 1.0),  # type: ignore[arg-type]
        virgin_price_sek=number("virgin_price_sek") or 0.0,
        displaced_heat_kg_per_mwh=number("displaced_heat_kg_per_mwh", None),
        substitution_today=number("substitution_today", None),
        receiver_site_id=ascii_int(site, low=1),
        note=form.note.data or "",
    )


def _checked_terms(form: DealForm) -> bool:
    """Whether the terms may go to the service; the deal rules run on what parsed."""
    return outcomes.checked(form, lambda: deal_terms.check_terms(_terms(form)))


def _terms_page(
    conversation: Conversation, form: DealForm, deal: Deal | None, status: int
) -> tuple[str, int]:
    basis = deal_terms.roles(conversation)["offer"] or deal_terms.roles(conversation)["want"]
    return render_template(
        "deals/terms.html", form=form, deal=deal, basis=basis, **page_context(conversation)
    ), status


@bp.route("/messages/<int:conversation_id>/deal", methods=["GET", "POST"])
@policy("party")
def propose(conversation_id: int) -> ResponseReturnValue:
    found = conversations.get_conversation(
        db.session, actor=current_user, conversation_id=conversation_id
    )
    if not conversations.is_party(current_user, found):
        abort(403)
    form = _deal_form(found, deal_terms.default_terms(found), None)
    if _checked_terms(form):
        proposed = outcomes.attempt(
            lambda: negotiation.propose_deal(
                db.session, actor=current_user, conversation_id=found.id, terms=_terms(form)
            ),
            form=form,
            emails=lambda deal: notify(
                found, "proposed", f"deal-event:{deal.events[-1].id}", deal=deal
            ),
            success=_("Your proposal has been sent."),
        )
        if proposed:
            return redirect(url_for("deals.deal", deal_id=proposed.value.id), 303)
    return _terms_page(found, form, None, form_status(form))


@bp.route("/deals/<int:deal_id>/counter", methods=["GET", "POST"])
@policy("party")
def counter(deal_id: int) -> ResponseReturnValue:
    deal = negotiation.get_deal(db.session, actor=current_user, deal_id=deal_id)
    if current_user.organisation_id not in deal.org_ids:
        abort(403)
    form = _deal_form(deal.conversation, deal_terms.terms_of(deal), deal.version)
    if _checked_terms(form):
        version = ascii_int(form.version.data) or 0
        if outcomes.attempt(
            lambda: negotiation.counter_deal(
                db.session, actor=current_user, deal_id=deal.id, version=version, terms=_terms(form)
            ),
            form=form,
            emails=lambda _countered: notify(
                deal.conversation, "countered", f"deal-event:{deal.events[-1].id}", deal=deal
            ),
            success=_("Your new terms have been sent."),
        ):
            return redirect(url_for("deals.deal", deal_id=deal.id), 303)
    return _terms_page(deal.conversation, form, deal, form_status(form))


# --- deal pages and actions ----------------------------------------------------------------------


def _deal_page(
    deal: Deal, delivery_form: DeliveryForm | None = None, status: int = 200
) -> tuple[str, int]:
    form = delivery_form or DeliveryForm(formdata=None, delivered_on=swedish_today())
    confirmed = [d for d in deal.deliveries if d.is_confirmed]
    return render_template(
        "deals/deal.html",
        deal=deal,
        delivery_form=form,
        cancel_form=CancelForm(formdata=None),
        dispute_form=DisputeForm(formdata=None),
        delivery_status_labels=DELIVERY_STATUS_LABELS,
        realised=[(d, deliveries.impact_of(d)) for d in deal.deliveries],
        awaiting={d.id for d in deliveries.awaiting(deal, current_user.organisation_id)},
        totals={
            "co2e_kg": sum(d.co2e_kg or 0 for d in confirmed),
            "sek": sum(d.sek or 0 for d in confirmed),
            "quantity": deliveries.confirmed_quantity(deal),
            "pending": sum(1 for d in deal.deliveries if d.status == "pending"),
        },
        deal_side=(
            "supplier"
            if current_user.organisation_id == deal.supplier_org_id
            else "receiver"
            if current_user.organisation_id == deal.receiver_org_id
            else None
        ),
        **page_context(deal.conversation),
    ), status


@bp.get("/deals")
@policy("party")
def index() -> ResponseReturnValue:
    everyone = current_user.organisation_id is None
    deals = negotiation.deals_for(db.session, actor=current_user, everyone=everyone)
    totals = deliveries.realised_totals(
        db.session, None if everyone else current_user.organisation_id
    )
    return render_template(
        "deals/index.html",
        deals=[(d, Names(d.conversation)) for d in deals],
        totals=totals,
        everyone=everyone,
        labels=DEAL_LABELS,
    )


@bp.get("/deals/<int:deal_id>")
@policy("party")
def deal(deal_id: int) -> ResponseReturnValue:
    return _deal_page(negotiation.get_deal(db.session, actor=current_user, deal_id=deal_id))


def _deal_action(
    deal_id: int, run: Callable[[Deal], Deal], event: str, success: str, **details: Any
) -> ResponseReturnValue:
    found = negotiation.get_deal(db.session, actor=current_user, deal_id=deal_id)

    def action() -> list[int]:
        changed = run(found)
        key = f"deal-event:{changed.events[-1].id}" if changed.events else f"deal:{changed.id}"
        return notify(changed.conversation, event, key, deal=changed, **details)

    attempt(action, success)
    return redirect(url_for("deals.deal", deal_id=deal_id), 303)


@bp.post("/deals/<int:deal_id>/accept")
@policy("party")
def accept(deal_id: int) -> ResponseReturnValue:
    form = AcceptForm()
    version = form.version.data if form.validate_on_submit() else None
    version = -1 if version is None else version
    return _deal_action(
        deal_id,
        lambda d: negotiation.accept_deal(
            db.session, actor=current_user, deal_id=d.id, version=version
        ),
        "agreed",
        _("The deal is agreed."),
    )


@bp.post("/deals/<int:deal_id>/cancel")
@policy("party")
def cancel(deal_id: int) -> ResponseReturnValue:
    form = CancelForm()
    reason = form.reason.data or "" if form.validate_on_submit() else ""
    return _deal_action(
        deal_id,
        lambda d: negotiation.cancel_deal(
            db.session, actor=current_user, deal_id=d.id, reason=reason
        ),
        "cancelled",
        _("The deal is cancelled."),
    )


@bp.post("/deals/<int:deal_id>/complete")
@policy("party")
def complete(deal_id: int) -> ResponseReturnValue:
    return _deal_action(
        deal_id,
        lambda d: negotiation.complete_deal(db.session, actor=current_user, deal_id=d.id),
        "completed",
        _("The deal is completed."),
    )


# --- deliveries: logged by one firm, confirmed or disputed by the other ---------------------------


def _delivery_input(form: DeliveryForm) -> dict[str, Any]:
    return {
        "quantity": form.quantity.data,
        "delivered_on": form.delivered_on.data,
        "note": form.note.data or "",
        "today": swedish_today(),
    }


@bp.post("/deals/<int:deal_id>/deliveries")
@policy("party")
def log_delivery(deal_id: int) -> ResponseReturnValue:
    found = negotiation.get_deal(db.session, actor=current_user, deal_id=deal_id)
    form = DeliveryForm()
    if form.validate_on_submit() and outcomes.attempt(
        lambda: deliveries.log_delivery(
            db.session, actor=current_user, deal_id=found.id, **_delivery_input(form)
        ),
        form=form,
        emails=lambda delivery: notify(
            found.conversation,
            "delivery",
            f"delivery:{delivery.id}",
            deal=found,
            delivered=delivery.quantity,
        ),
        success=_("The delivery has been logged. It counts once the other firm confirms it."),
    ):
        return redirect(url_for("deals.deal", deal_id=found.id) + "#deliveries", 303)
    return _deal_page(found, form, 422)


def _answer(
    deal_id: int, run: Callable[[Deal], Delivery], event: str, success: str
) -> ResponseReturnValue:
    """Confirm or dispute a delivery; the firm that logged it is told by email."""
    found = negotiation.get_deal(db.session, actor=current_user, deal_id=deal_id)

    def changed() -> list[int]:
        delivery = run(found)
        key = f"deal-event:{found.events[-1].id}"
        ids = notify(found.conversation, event, key, deal=found, delivered=delivery.quantity)
        if found.events[-1].action == "completed":  # the last confirmation completed it
            ids += notify(found.conversation, "completed", f"{key}:completed", deal=found)
        return ids

    attempt(changed, success)
    return redirect(url_for("deals.deal", deal_id=deal_id) + "#deliveries", 303)


@bp.post("/deals/<int:deal_id>/deliveries/<int:delivery_id>/confirm")
@policy("party")
def confirm_delivery(deal_id: int, delivery_id: int) -> ResponseReturnValue:
    return _answer(
        deal_id,
        lambda d: deliveries.confirm_delivery(
            db.session, actor=current_user, deal_id=d.id, delivery_id=delivery_id
        ),
        "confirmed",
        _("The delivery is confirmed and counts as realised."),
    )


@bp.post("/deals/<int:deal_id>/deliveries/<int:delivery_id>/dispute")
@policy("party")
def dispute_delivery(deal_id: int, delivery_id: int) -> ResponseReturnValue:
    form = DisputeForm()
    reason = (form.reason.data or "") if form.validate_on_submit() else ""
    return _answer(
        deal_id,
        lambda d: deliveries.dispute_delivery(
            db.session, actor=current_user, deal_id=d.id, delivery_id=delivery_id, reason=reason
        ),
        "disputed",
        _("The delivery is disputed; the other firm has been told why."),
    )


@bp.route("/deals/<int:deal_id>/deliveries/<int:delivery_id>/edit", methods=["GET", "POST"])
@policy("party")
def correct_delivery(deal_id: int, delivery_id: int) -> ResponseReturnValue:
    found = negotiation.get_deal(db.session, actor=current_user, deal_id=deal_id)
    if current_user.organisation_id not in found.org_ids:
        abort(403)  # regional staff follow deliveries but never log or correct them for a firm
    delivery = next((d for d in found.deliveries if d.id == delivery_id), None)
    if delivery is None or delivery.status == "confirmed":
        abort(404)
    form = DeliveryForm(obj=delivery)
    if form.validate_on_submit() and outcomes.attempt(
        lambda: deliveries.correct_delivery(
            db.session,
            actor=current_user,
            deal_id=found.id,
            delivery_id=delivery.id,
            **_delivery_input(form),
        ),
        form=form,
        emails=lambda _corrected: notify(
            found.conversation,
            "corrected",
            f"deal-event:{found.events[-1].id}",
            deal=found,
            delivered=delivery.quantity,
        ),
        success=_("The delivery is corrected and waits for the other firm again."),
    ):
        return redirect(url_for("deals.deal", deal_id=found.id) + "#deliveries", 303)
    return render_template(
        "deals/delivery_edit.html", deal=found, delivery=delivery, form=form,
        **page_context(found.conversation),
    ), form_status(form)  # fmt: skip
