"""The web layer: blueprints, forms, templates helpers, error pages."""

from __future__ import annotations

from flask import Flask, Response, request

from marketplace.extensions import db
from marketplace.web.errors import register_error_handlers
from marketplace.web.helpers import register_template_helpers
from marketplace.web.inputs import IdConverter
from marketplace.web.jobs import refresh_matches_after_request
from marketplace.web.policy import check_all_declared, enforce_policy
from marketplace.web.security import init_security


def set_up_background(app: Flask) -> None:
    """The one place the web layer meets the workers: the mail context and the job dispatcher."""
    from workers.background import Background
    from workers.context import InlineDispatcher, JobContext

    settings = app.extensions["settings"]
    mail_context = settings.mail_context()
    app.extensions["mail_context"] = mail_context

    def inline_context() -> JobContext:
        """Jobs run in the web process use the app's own database sessions and settings."""
        return JobContext(
            settings=settings,
            sessions=db.state(app).writer,
            mail=settings.mail_settings(),
            notify=mail_context,
            dispatcher=InlineDispatcher(inline_context),
        )

    app.extensions["background"] = Background(settings.redis_url, inline_context)


def _hand_on_match_changes(response: Response) -> Response:
    """After a state change, the listings it marked `matches_due` go to the match-list job
    (services.matching.tracking); reads never write, so they are skipped."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and response.status_code < 500:
        refresh_matches_after_request()
    return response


def register_web(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    set_up_background(app)
    from marketplace.web.account.views import bp as account_bp
    from marketplace.web.admin.views import bp as admin_bp
    from marketplace.web.alerts.views import bp as alerts_bp
    from marketplace.web.api.views import bp as api_bp
    from marketplace.web.auth.views import bp as auth_bp
    from marketplace.web.deals.views import bp as deals_bp
    from marketplace.web.devmail.views import bp as devmail_bp
    from marketplace.web.firm.views import bp as firm_bp
    from marketplace.web.impact.views import bp as impact_bp
    from marketplace.web.listings.views import bp as listings_bp
    from marketplace.web.main.views import bp as main_bp
    from marketplace.web.maps.views import bp as maps_bp
    from marketplace.web.staff import facilitation as _staff_pages  # noqa: F401 - on staff_bp
    from marketplace.web.staff.views import bp as staff_bp

    blueprints = (
        main_bp,
        auth_bp,
        account_bp,
        firm_bp,
        listings_bp,
        admin_bp,
        devmail_bp,
        api_bp,
        maps_bp,
        impact_bp,
        alerts_bp,
        deals_bp,
        staff_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.before_request(enforce_policy)
    app.after_request(_hand_on_match_changes)
    init_security(app)
    register_error_handlers(app)
    register_template_helpers(app)
    check_all_declared(app)
