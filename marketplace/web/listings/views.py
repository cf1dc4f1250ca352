"""Browse and search listings; create, edit, publish, close a firm's own listings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from geo.gazetteer import COUNTIES, MUNICIPALITIES
from marketplace.extensions import db
from marketplace.services.deals import conversations
from marketplace.services.impact.estimates import ranked_matches
from marketplace.services.listings import lifecycle, rules
from marketplace.services.listings.liveness import is_live
from marketplace.services.listings.paging import CursorError
from marketplace.services.listings.search import Page, search_listings
from marketplace.services.listings.sites import firm_sites
from marketplace.services.reference.taxonomy import common_codes
from marketplace.services.staff import facilitation
from marketplace.web import limits
from marketplace.web.helpers import (
    form_status,
    locale,
    options,
)
from marketplace.web.jobs import fan_out_after_commit
from marketplace.web.listings.forms import (
    DIRECTION_LABELS,
    KIND_LABELS,
    ListingForm,
    ReportForm,
    SearchForm,
)
from marketplace.web.outcomes import attempt, attempt_and_redirect, checked
from marketplace.web.policy import policy
from marketplace.web.presenters.geojson import feature
from marketplace.web.presenters.paging import PageLinks, page_links
from marketplace.web.presenters.search_params import (
    CURSOR_PARAMETERS,
    SearchParams,
    parse_search,
)
from models.base import swedish_today
from models.listings import Listing
from models.sites import Site
from models.taxonomy import CATEGORIES, DIRECTIONS, KINDS

bp = Blueprint("listings", __name__, url_prefix="/listings")
PER_PAGE = 20
MAP_PER_PAGE = 200  # the map shows this many markers a page, as the API's largest page


def _my_sites() -> list[Site]:
    if current_user.is_authenticated and current_user.organisation_id:
        return firm_sites(db.session, current_user.organisation_id)
    return []


def _search_form(sites: list[Site]) -> SearchForm:
    form = SearchForm(request.args)
    language = locale()
    towns = sorted(MUNICIPALITIES, key=lambda m: m.name)
    form.direction.choices = options([("", _("Offers and wants")), *DIRECTION_LABELS.items()])
    form.kind.choices = options([("", _("All kinds")), *KIND_LABELS.items()])
    form.category.choices = options(
        [("", _("All categories"))] + [(c.key, c.label(language)) for c in CATEGORIES]
    )
    form.county.choices = options([("", _("All counties"))] + [(c.code, c.name) for c in COUNTIES])
    form.municipality.choices = options(
        [("", _("All municipalities"))] + [(m.code, m.name) for m in towns]
    )
    form.near.choices = options(
        [("", _("Anywhere"))]
        + [(f"site:{s.id}", _("Our site %(name)s", name=s.name)) for s in sites]
        + [(f"town:{m.code}", m.main_town) for m in sorted(towns, key=lambda m: m.main_town)]
    )
    return form


@dataclass(frozen=True)
class Results:
    form: SearchForm
    params: SearchParams
    page: Page
    links: PageLinks
    ignored: list[str]  # labels of the filters that were not understood
    stale_link: bool  # a next/previous link that is damaged or belongs to another search


def _search(per_page: int) -> Results:
    sites = _my_sites()
    form = _search_form(sites)
    args = request.args.copy()
    if not args.get("near") and not args.get("lat"):
        args.pop(
            "radius_km", None
        )  # the form always sends a radius; without a centre it means nothing
    params = parse_search(args, sites=sites, default_per_page=per_page)
    stale = any([params.errors.pop(name, None) for name in CURSOR_PARAMETERS])
    run = partial(
        search_listings, db.session, params.filters, today=swedish_today(), per_page=per_page
    )
    try:
        page = run(page=params.page, cursor=params.cursor)
    except CursorError:  # a cursor of another ordering: start again from the first page
        stale, page = True, run(page=1)
    ignored = [form[name].label.text if name in form else name for name in params.errors]
    return Results(form, params, page, page_links(page), ignored, stale)


def _map_context(params: SearchParams) -> dict[str, object]:
    """What the map needs: the API query for the same search, the circle and the area."""
    args: dict[str, Any] = request.args.to_dict()
    for name in ("page", *CURSOR_PARAMETERS):
        args.pop(name, None)
    args["per_page"] = "200"
    near = params.filters.near
    centre = {"lat": near.lat, "lon": near.lon, "radius_m": near.radius_m} if near else None
    area = params.filters.area.to_geojson() if params.filters.area else None
    if near is not None:
        # The API takes the resolved centre, so "near=site:…" needs no login there.
        args.pop("near", None)
        args.update(lat=str(near.lat), lon=str(near.lon))
    return {"map_api": url_for("api.listings", **args), "centre": centre, "area": area}


@bp.get("")
@policy("public")
def browse() -> ResponseReturnValue:
    found = _search(PER_PAGE)
    return render_template(
        "listings/browse.html",
        form=found.form,
        page=found.page,
        links=found.links,
        ignored=found.ignored,
        stale_link=found.stale_link,
        near=found.params.filters.near,
        viewer=current_user if current_user.is_authenticated else None,
        **_map_context(found.params),
    )


@bp.get("/map")
@policy("public")
def map_view() -> ResponseReturnValue:
    """The map shows one page of MAP_PER_PAGE markers, embedded, with links to the others."""
    found = _search(MAP_PER_PAGE)
    page = found.page
    return render_template(
        "listings/map.html",
        form=found.form,
        page=page,
        links=found.links,
        ignored=found.ignored,
        stale_link=found.stale_link,
        near=found.params.filters.near,
        features={
            "type": "FeatureCollection",
            "features": [feature(item, page.distances_km.get(item.id)) for item in page.items],
        },
        **_map_context(found.params),
    )


@bp.get("/<int:listing_id>")
@policy("public")
def detail(listing_id: int) -> ResponseReturnValue:
    viewer = current_user if current_user.is_authenticated else None
    listing = lifecycle.get_visible_listing(db.session, listing_id=listing_id, viewer=viewer)
    revealed = conversations.revealed_to(db.session, listing, viewer)
    shown = lifecycle.disclosure(listing, viewer, revealed=revealed)
    conversation = (
        conversations.open_conversation_for(db.session, listing.id, viewer.organisation_id)
        if viewer is not None and viewer.organisation_id and not shown.is_own
        else None
    )
    hints = lifecycle.quality_hints(listing) if shown.is_own else []
    matches = (
        ranked_matches(db.session, listing, today=swedish_today(), limit=10)
        if is_live(listing, swedish_today())
        else []
    )
    return render_template(
        "listings/detail.html",
        listing=listing,
        shown=shown,
        hints=hints,
        matches=matches,
        viewer=viewer,
        conversation=conversation,
        live=is_live(listing, swedish_today()),
    )


def _kind_or_404(kind: str | None) -> str:
    if kind not in KINDS:
        abort(404)
    return kind


def _listing_input(form: ListingForm, direction: str, kind: str) -> rules.ListingInput:
    def value(name: str) -> Any:
        return form[name].data if form.has(name) else None

    return rules.ListingInput(
        direction=direction,
        kind=kind,
        site_id=form.site_id.data,
        title=form.title.data or "",
        category=form.category.data or "",
        # None only when the field did not parse; the rules leave the quantity to the form then
        quantity=cast(Decimal, form.quantity.data),
        unit=form.unit.data,
        description=form.description.data or "",
        composition=value("composition"),
        ewc_code=value("ewc_code"),
        density_t_per_m3=value("density_t_per_m3"),
        recurrence=form.recurrence.data,
        available_from=form.available_from.data,
        available_until=form.available_until.data,
        remaining_quantity=form.remaining_quantity.data,
        price_model=form.price_model.data,
        price_sek=form.price_sek.data,
        max_distance_km=form.max_distance_km.data,
        visibility=form.visibility.data,
        temperature_c=value("temperature_c"),
        seasonality=value("seasonality"),
        capacity_type=value("capacity_type"),
        current_route=value("current_route") or None,
        current_route_km=float(km) if (km := value("current_route_km")) is not None else None,
    )


def _checked(form: ListingForm, direction: str, kind: str) -> bool:
    """Whether a submission may go to the service; the listing's rules run on what parsed."""
    return checked(form, lambda: rules.validate(db.session, _listing_input(form, direction, kind)))


def _render_form(
    form: ListingForm, direction: str, kind: str, listing: Listing | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "listings/form.html",
        form=form,
        direction=direction,
        kind=kind,
        listing=listing,
        common_codes=common_codes(db.session) if kind == "material" else [],
        kind_label=KIND_LABELS[kind],
        direction_label=DIRECTION_LABELS[direction],
    ), status


@bp.route("/new", methods=["GET", "POST"])
@policy("firm")
def new() -> ResponseReturnValue:
    direction, kind = request.args.get("direction"), request.args.get("kind")
    if direction is None and kind is None:
        return render_template("listings/choose.html", kinds=KIND_LABELS)
    if direction not in DIRECTIONS:
        abort(404)
    kind = _kind_or_404(kind)
    sites = firm_sites(db.session, current_user.organisation_id)
    if not sites:
        flash(_("Add a site first: every listing belongs to one of your sites."), "info")
        return redirect(url_for("firm.new_site"))
    form = ListingForm(kind=kind, direction=direction, sites=sites)
    if _checked(form, direction, kind) and (
        created := attempt(
            lambda: lifecycle.create_listing(
                db.session, actor=current_user, data=_listing_input(form, direction, kind)
            ),
            form=form,
            success=_("The listing has been saved as a draft. Publish it when it is ready."),
        )
    ):
        return redirect(url_for("listings.detail", listing_id=created.value.id), code=303)
    return _render_form(form, direction, kind, status=form_status(form))


@bp.route("/<int:listing_id>/edit", methods=["GET", "POST"])
@policy("firm")
def edit(listing_id: int) -> ResponseReturnValue:
    listing = lifecycle.get_own_listing(db.session, actor=current_user, listing_id=listing_id)
    sites = firm_sites(db.session, current_user.organisation_id)
    form = ListingForm(obj=listing, kind=listing.kind, direction=listing.direction, sites=sites)
    if not form.is_submitted() and listing.ewc is not None:
        form.ewc_code.data = listing.ewc.display_code.rstrip("*")
    if _checked(form, listing.direction, listing.kind) and attempt(
        lambda: lifecycle.update_listing(
            db.session,
            actor=current_user,
            listing_id=listing.id,
            data=_listing_input(form, listing.direction, listing.kind),
        ),
        form=form,
        after_commit=lambda _updated: _fan_out_if_due(listing),
        success=_("The listing has been saved."),
    ):
        return redirect(url_for("listings.detail", listing_id=listing.id), code=303)
    return _render_form(form, listing.direction, listing.kind, listing, status=form_status(form))


def _transition(listing_id: int, action: Callable[..., Listing | None], message: str) -> bool:
    """Run one state change on the actor's own listing; rule violations are flashed."""
    done = attempt(
        lambda: action(db.session, actor=current_user, listing_id=listing_id),
        after_commit=_fan_out_if_due,
        success=message,
    )
    return done is not None


def _fan_out_if_due(listing: Listing | None) -> None:
    """After the commit: check the alerts of a listing that was published or moved."""
    if listing is not None and listing.fanout_due:
        fan_out_after_commit([listing.id])


@bp.post("/<int:listing_id>/publish")
@policy("firm")
def publish(listing_id: int) -> ResponseReturnValue:
    publish_today = partial(lifecycle.publish_listing, today=swedish_today())
    _transition(listing_id, publish_today, _("The listing is published."))
    return redirect(url_for("listings.detail", listing_id=listing_id), code=303)


@bp.post("/<int:listing_id>/close")
@policy("firm")
def close(listing_id: int) -> ResponseReturnValue:
    _transition(listing_id, lifecycle.close_listing, _("The listing is closed."))
    return redirect(url_for("listings.detail", listing_id=listing_id), code=303)


@bp.post("/<int:listing_id>/delete")
@policy("firm")
def delete(listing_id: int) -> ResponseReturnValue:
    if _transition(listing_id, lifecycle.delete_draft, _("The draft has been deleted.")):
        return redirect(url_for("firm.overview"), code=303)
    return redirect(url_for("listings.detail", listing_id=listing_id), code=303)


@bp.post("/<int:listing_id>/report")
@policy("user")
def report(listing_id: int) -> ResponseReturnValue:
    """Tell the regional staff that a listing is wrong, misleading or unlawful."""
    form = ReportForm()
    if not form.validate():
        flash(form.reason.errors[0], "error")
        return redirect(url_for("listings.detail", listing_id=listing_id), code=303)
    reason = (form.reason.data or "").strip()
    refused = limits.refusal("report", user_id=current_user.id)
    if refused:
        flash(refused, "error")
        return redirect(url_for("listings.detail", listing_id=listing_id), code=303)
    return attempt_and_redirect(
        lambda: facilitation.report_listing(
            db.session, actor=current_user, listing_id=listing_id, reason=reason
        ),
        url_for("listings.detail", listing_id=listing_id),
        success=_("Thank you. The regional staff will look at the listing."),
    )
