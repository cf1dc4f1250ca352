"""Builds the Flask application: config, extensions, blueprints, error handlers, CLI."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, g, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.config import Settings
from marketplace.extensions import babel, csrf, db, limiter, login_manager
from models.accounts import User

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("sv", "en")


def build_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(
        "marketplace",
        root_path=str(ROOT / "marketplace"),
        template_folder=str(ROOT / "templates"),
        instance_path=str(settings.instance_path.resolve()),
    )
    _configure(app, settings)
    if settings.trusted_proxies:
        # Client address and scheme from the reverse proxy (rate limits, secure redirects).
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    _init_extensions(app, settings)
    from marketplace.web import register_web

    register_web(app)
    from marketplace.cli import register_cli

    register_cli(app)
    return app


def _configure(app: Flask, settings: Settings) -> None:
    secure = not settings.is_development and settings.env != "testing"
    app.config.update(
        SECRET_KEY=settings.resolved_secret_key(),
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_DURATION=timedelta(days=30),
        PERMANENT_SESSION_LIFETIME=timedelta(days=14),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session; a form left open stays valid
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE="Europe/Stockholm",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "marketplace" / "translations"),
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_STRATEGY="moving-window",  # "10 per minute" holds for any 60 seconds
        RATELIMIT_HEADERS_ENABLED=True,
        TESTING=settings.env == "testing",
    )
    app.extensions["settings"] = settings
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # å, ä, ö as themselves in the API
    if not app.debug:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )


def select_locale() -> str:
    """The user's saved language, else the one chosen this session, else the browser's."""
    user = current_user
    if user and user.is_authenticated and user.locale in LANGUAGES:
        return str(user.locale)
    if session.get("locale") in LANGUAGES:
        return str(session["locale"])
    settings: Settings = g.get("settings") or _settings()
    return request.accept_languages.best_match(LANGUAGES) or settings.default_locale


def _settings() -> Settings:
    from flask import current_app

    return current_app.extensions["settings"]


def _init_extensions(app: Flask, settings: Settings) -> None:
    db.init_app(app, settings.sqlalchemy_url)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        from marketplace.services.accounts.users import load_user

        return load_user(db.session, user_id)
