"""Staff facilitation: opportunities, introductions, moderation, firms with notes and follow-ups."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.extensions import db
from marketplace.services.deals.deliveries import realised_totals
from marketplace.services.errors import DomainError
from marketplace.services.impact.estimates import (
    Choice,
    Estimate,
    estimate_pair,
    require_factor_set,
)
from marketplace.services.listings.lifecycle import firm_listings
from marketplace.services.reference.validation import ascii_int
from marketplace.services.staff import facilitation
from marketplace.services.staff.opportunities import (
    live_rows,
    lonely,
    network,
    untaken_matches,
)
from marketplace.web import charts
from marketplace.web.audit import record_read
from marketplace.web.helpers import (
    attach_domain_error,
    flash_domain_error,
    fmt_number,
    form_status,
)
from marketplace.web.inputs import Form, query_id, query_text
from marketplace.web.jobs import mail_context, send_after_commit
from marketplace.web.outcomes import attempt
from marketplace.web.policy import policy
from marketplace.web.presenters.stats_params import parse_filter
from marketplace.web.staff.views import bp, filter_choices
from models.base import swedish_today
from models.impact import FactorSet
from models.listings import Listing
from models.organisations import Organisation

RADII = (10, 25, 50, 100, 200)


class NoteForm(Form):
    body = TextAreaField(
        _l("Note"), validators=[DataRequired(_l("Write a few words.")), Length(max=5000)]
    )
    follow_up_on = DateField(_l("Remind me on"), validators=[Optional()])


class ReasonForm(Form):
    reason = TextAreaField(
        _l("Reason (the firm sees it)"),
        validators=[DataRequired(_l("Write a few words.")), Length(max=5000)],
    )


class IntroductionForm(Form):
    note = TextAreaField(
        _l("Your message to both firms"),
        validators=[DataRequired(_l("Write a few words.")), Length(max=5000)],
    )


@bp.get("/opportunities")
@policy("staff")
def opportunities() -> ResponseReturnValue:
    parsed = parse_filter(request.args, today=swedish_today())
    radius = ascii_int(request.args.get("radius_km"))
    radius = radius if radius in RADII else 50
    f, today = parsed.filters, swedish_today()
    nodes, edges = network(db.session, f)
    live = live_rows(db.session, today)
    return render_template(
        "staff/opportunities.html",
        f=f,
        params=f.as_params(),
        errors=parsed.errors,
        choices=filter_choices(),
        radius=radius,
        radii=RADII,
        supply=lonely(db.session, f, direction="offer", radius_km=radius, today=today, live=live),
        demand=lonely(db.session, f, direction="want", radius_km=radius, today=today, live=live),
        untaken=untaken_matches(db.session, f),
        network=charts.network_map(
            [(n.organisation_id, n.name, n.lat, n.lon, n.tonnes) for n in nodes],
            [(e.supplier_id, e.receiver_id, e.tonnes) for e in edges],
            title=_("Realised exchanges between firms"),
            unit="t",
            fmt=lambda value: fmt_number(value, 0),
            empty_label=_("No deliveries in the period."),
        ),
        edges=edges,
        names={n.organisation_id: n.name for n in nodes},
    )


def _pair() -> tuple[Listing, Listing]:
    offer = db.session.get(Listing, query_id("offer"))
    want = db.session.get(Listing, query_id("want"))
    if offer is None or want is None or offer.direction != "offer" or want.direction != "want":
        abort(404)
    return offer, want


@bp.route("/introduce", methods=["GET", "POST"])
@policy("staff")
def introduce() -> ResponseReturnValue:
    offer, want = _pair()
    estimate: Estimate | None
    factor_set: FactorSet | None
    try:
        estimate, factor_set = estimate_pair(
            db.session, offer, want, Choice(), require_factor_set(db.session)
        )
    except DomainError:
        estimate = factor_set = None
    form = IntroductionForm()
    if form.validate_on_submit():
        try:
            conversation, message = facilitation.introduce(
                db.session, actor=current_user, offer_id=offer.id, want_id=want.id,
                note=form.note.data or "", today=swedish_today(),
            )  # fmt: skip
        except DomainError as error:
            db.session.rollback()
            attach_domain_error(form, error)
        else:
            ids = facilitation.tell_introduced(
                db.session, mail_context(), actor=current_user, conversation=conversation,
                message=message, estimate=estimate,
            )  # fmt: skip
            db.session.commit()
            send_after_commit(ids)
            flash(
                _("Both firms have been introduced by email; the conversation is open."), "success"
            )
            return redirect(url_for("deals.conversation", conversation_id=conversation.id), 303)
    return render_template(
        "staff/introduce.html", form=form, offer=offer, want=want, estimate=estimate,
        factor_set=factor_set,
    ), form_status(form)  # fmt: skip


@bp.get("/moderation")
@policy("staff")
def moderation() -> ResponseReturnValue:
    queue = facilitation.moderation_queue(db.session, actor=current_user, today=swedish_today())
    return render_template("staff/moderation.html", queue=queue, form=ReasonForm(formdata=None))


@bp.post("/listings/<int:listing_id>/unpublish")
@policy("staff")
def unpublish(listing_id: int) -> ResponseReturnValue:
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give the firm a reason for unpublishing the listing."), "error")
        return redirect(url_for("staff.moderation"), 303)
    try:
        listing = facilitation.unpublish(
            db.session, actor=current_user, listing_id=listing_id, reason=form.reason.data or ""
        )
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return redirect(url_for("staff.moderation"), 303)
    ids = facilitation.tell_unpublished(db.session, mail_context(), listing)
    db.session.commit()
    send_after_commit(ids)
    flash(_("The listing is unpublished and the firm has been told why."), "success")
    return redirect(url_for("staff.moderation"), 303)


@bp.post("/listings/<int:listing_id>/resolve")
@policy("staff")
def resolve(listing_id: int) -> ResponseReturnValue:
    if db.session.get(Listing, listing_id) is None:
        abort(404)
    facilitation.resolve_reports(db.session, actor=current_user, listing_id=listing_id)
    db.session.commit()
    flash(_("The reports are marked as handled."), "success")
    return redirect(url_for("staff.moderation"), 303)


@bp.get("/firms")
@policy("staff")
def firms() -> ResponseReturnValue:
    query = query_text("q", max_length=100)
    stmt = select(Organisation).order_by(Organisation.name)
    if query:
        like = f"%{query.casefold()}%"
        stmt = stmt.where(
            or_(func.lower(Organisation.name).like(like), Organisation.org_number.like(like))
        )
    return render_template(
        "staff/firms.html",
        firms=list(db.session.scalars(stmt.limit(300))),
        query=query,
        due=facilitation.follow_ups_due(db.session, today=swedish_today()),
    )


def _firm_page(organisation: Organisation, form: NoteForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "staff/firm.html",
        organisation=organisation,
        listings=firm_listings(db.session, organisation.id),
        totals=realised_totals(db.session, organisation.id),
        notes=facilitation.firm_notes(
            db.session, actor=current_user, organisation_id=organisation.id
        ),
        form=form,
        today=swedish_today(),
    ), status


@bp.get("/firms/<int:organisation_id>")
@policy("staff")
def firm(organisation_id: int) -> ResponseReturnValue:
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    record_read("firm_notes_viewed", organisation_id=organisation.id)
    return _firm_page(organisation, NoteForm(formdata=None))


@bp.post("/firms/<int:organisation_id>/notes")
@policy("staff")
def add_note(organisation_id: int) -> ResponseReturnValue:
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    form = NoteForm()
    if form.validate_on_submit() and attempt(
        lambda: facilitation.add_note(
            db.session,
            actor=current_user,
            organisation_id=organisation.id,
            body=form.body.data or "",
            follow_up_on=form.follow_up_on.data,
            today=swedish_today(),
        ),
        form=form,
        success=_("The note is saved."),
    ):
        return redirect(url_for("staff.firm", organisation_id=organisation.id), 303)
    return _firm_page(organisation, form, 422)


@bp.post("/notes/<int:note_id>/done")
@policy("staff")
def note_done(note_id: int) -> ResponseReturnValue:
    note = facilitation.mark_done(db.session, actor=current_user, note_id=note_id)
    db.session.commit()
    return redirect(url_for("staff.firm", organisation_id=note.organisation_id), 303)
