"""The web layer: blueprints, forms, templates helpers, error pages."""

from __future__ import annotations

from flask import Flask

from marketplace.web.errors import register_error_handlers
from marketplace.web.helpers import register_template_helpers
from marketplace.web.policy import check_all_declared, enforce_policy
from marketplace.web.security import init_security


def register_web(app: Flask) -> None:
    from marketplace.web.account.views import bp as account_bp
    from marketplace.web.admin.views import bp as admin_bp
    from marketplace.web.auth.views import bp as auth_bp
    from marketplace.web.devmail.views import bp as devmail_bp
    from marketplace.web.firm.views import bp as firm_bp
    from marketplace.web.listings.views import bp as listings_bp
    from marketplace.web.main.views import bp as main_bp

    for blueprint in (main_bp, auth_bp, account_bp, firm_bp, listings_bp, admin_bp, devmail_bp):
        app.register_blueprint(blueprint)
    app.before_request(enforce_policy)
    init_security(app)
    register_error_handlers(app)
    register_template_helpers(app)
    check_all_declared(app)
