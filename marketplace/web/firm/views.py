"""My firm: details, sites, members and invitations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.extensions import db
from marketplace.services.accounts import members, organisations, users
from marketplace.services.deals.deliveries import realised_totals
from marketplace.services.errors import DomainError
from marketplace.services.impact.estimates import suggestions
from marketplace.services.listings import sites
from marketplace.services.listings.lifecycle import firm_listings
from marketplace.services.matching.stored import unmet_wants
from marketplace.web import limits
from marketplace.web.emails import send_templated, signed_url
from marketplace.web.firm.forms import OUTSIDE, FirmForm, InviteForm, RoleForm, SiteForm
from marketplace.web.helpers import flash_domain_error, form_status
from marketplace.web.jobs import due_fanouts, fan_out_after_commit
from marketplace.web.outcomes import attempt, attempt_and_redirect
from marketplace.web.policy import policy
from models.accounts import Invitation
from models.base import swedish_today

bp = Blueprint("firm", __name__, url_prefix="/firm")


@bp.get("")
@policy("firm")
def overview() -> ResponseReturnValue:
    return _overview_page(InviteForm(formdata=None))


def _overview_page(invite_form: InviteForm, status: int = 200) -> tuple[str, int]:
    organisation_id = current_user.organisation_id
    firm_sites = sites.firm_sites(db.session, organisation_id)
    return render_template(
        "firm/overview.html",
        organisation=current_user.organisation,
        sites=firm_sites,
        members=organisations.members(db.session, organisation_id),
        invitations=members.open_invitations(db.session, organisation_id),
        listings=firm_listings(db.session, organisation_id),
        suggested=suggestions(db.session, organisation_id=organisation_id, today=swedish_today()),
        unmet=unmet_wants(
            db.session,
            organisation_id=organisation_id,
            today=swedish_today(),
            sites=firm_sites,
        ),
        totals=realised_totals(db.session, organisation_id),
        invite_form=invite_form,
        role_form=RoleForm(formdata=None),
    ), status


@bp.route("/edit", methods=["GET", "POST"])
@policy("owner")
def edit() -> ResponseReturnValue:
    organisation = current_user.organisation
    form = FirmForm(obj=organisation)
    if form.validate_on_submit():
        organisations.update_organisation(
            db.session,
            actor=current_user,
            name=form.name.data,
            sni_code=form.sni_code.data,
            website=form.website.data,
            contact_email=form.contact_email.data,
            contact_phone=form.contact_phone.data,
        )
        db.session.commit()
        flash(_("The firm's details have been saved."), "success")
        return redirect(url_for("firm.overview"), code=303)
    return render_template("firm/edit.html", form=form, organisation=organisation), form_status(
        form
    )


def _site_input(form: SiteForm) -> sites.SiteInput:
    code = form.municipality_code.data
    return sites.SiteInput(
        name=form.name.data,
        municipality_code=None if code == OUTSIDE else code,
        street=form.street.data,
        postcode=form.postcode.data,
        town=form.town.data,
        lat=float(form.lat.data) if form.lat.data is not None else None,
        lon=float(form.lon.data) if form.lon.data is not None else None,
        may_receive_hazardous=form.may_receive_hazardous.data,
        has_waste_permit=form.has_waste_permit.data,
        permit_notes=form.permit_notes.data,
    )


@bp.route("/sites/new", methods=["GET", "POST"])
@policy("firm")
def new_site() -> ResponseReturnValue:
    form = SiteForm()
    if form.validate_on_submit() and attempt(
        lambda: sites.create_site(db.session, actor=current_user, data=_site_input(form)),
        form=form,
        success=_("The site has been added."),
    ):
        return redirect(url_for("firm.overview"), code=303)
    return render_template("firm/site_form.html", form=form, site=None), form_status(form)


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
@policy("firm")
def edit_site(site_id: int) -> ResponseReturnValue:
    site = sites.get_own_site(db.session, actor=current_user, site_id=site_id)
    form = SiteForm(obj=site)
    if not form.is_submitted():
        form.municipality_code.data = site.municipality_code or OUTSIDE
    if form.validate_on_submit() and attempt(
        lambda: sites.update_site(
            db.session, actor=current_user, site_id=site_id, data=_site_input(form)
        ),
        form=form,
        after_commit=lambda _site: fan_out_after_commit(due_fanouts(current_user.organisation_id)),
        success=_("The site has been saved."),
    ):
        return redirect(url_for("firm.overview"), code=303)
    return render_template("firm/site_form.html", form=form, site=site), form_status(form)


@bp.post("/sites/<int:site_id>/delete")
@policy("firm")
def delete_site(site_id: int) -> ResponseReturnValue:
    return attempt_and_redirect(
        lambda: sites.delete_site(db.session, actor=current_user, site_id=site_id),
        url_for("firm.overview"),
        success=_("The site has been removed."),
    )


@bp.post("/members/invite")
@policy("owner")
def invite() -> ResponseReturnValue:
    """Invite a colleague; problems are shown beside the address, which stays in the field."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _overview_page(form, 422)
    refused = limits.refusal("invite", user_id=current_user.id, address=form.email.data)
    if refused:
        form.email.errors = [*form.email.errors, refused]
        return _overview_page(form, 429)
    invited = attempt(
        lambda: members.invite_member(db.session, actor=current_user, email=form.email.data),
        form=form,
        after_commit=_send_invitation,
    )
    if invited is None:
        return _overview_page(form, 422)
    return redirect(url_for("firm.overview"), code=303)


@bp.post("/invitations/<int:invitation_id>/resend")
@policy("owner")
def resend_invitation(invitation_id: int) -> ResponseReturnValue:
    try:
        invitation = members.resend_invitation(
            db.session, actor=current_user, invitation_id=invitation_id
        )
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return redirect(url_for("firm.overview"), code=303)
    refused = limits.refusal("invite", user_id=current_user.id, address=invitation.email)
    if refused:
        db.session.rollback()
        flash(refused, "error")
    else:
        db.session.commit()
        _send_invitation(invitation)
    return redirect(url_for("firm.overview"), code=303)


def _send_invitation(invitation: Invitation) -> None:
    url = signed_url("auth.accept_invitation", "invite", members.invitation_payload(invitation))
    invitee = users.find_user_by_email(db.session, invitation.email)
    language = (invitee.locale if invitee else None) or current_user.locale or "sv"
    send_templated(
        to=invitation.email,
        locale=language,
        template="invite",
        purpose="invite",
        inviter=current_user,
        organisation=current_user.organisation,
        url=url,
    )
    flash(_("An invitation has been sent to %(email)s.", email=invitation.email), "success")


@bp.post("/invitations/<int:invitation_id>/revoke")
@policy("owner")
def revoke_invitation(invitation_id: int) -> ResponseReturnValue:
    members.revoke_invitation(db.session, actor=current_user, invitation_id=invitation_id)
    db.session.commit()
    flash(_("The invitation has been withdrawn."), "success")
    return redirect(url_for("firm.overview"), code=303)


@bp.post("/members/<int:member_id>/role")
@policy("owner")
def set_role(member_id: int) -> ResponseReturnValue:
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    return attempt_and_redirect(
        lambda: members.set_member_role(
            db.session, actor=current_user, member_id=member_id, role=form.role.data
        ),
        url_for("firm.overview"),
        success=_("The role has been changed."),
    )


@bp.post("/members/<int:member_id>/remove")
@policy("owner")
def remove_member(member_id: int) -> ResponseReturnValue:
    return attempt_and_redirect(
        lambda: members.remove_member(db.session, actor=current_user, member_id=member_id),
        url_for("firm.overview"),
        success=_("The member has been removed from the firm."),
    )
