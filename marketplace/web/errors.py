"""Error pages in the user's language; unexpected errors are logged with request context."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from marketplace.services.errors import Forbidden, NotFound

log = logging.getLogger("marketplace.errors")


def _page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def _domain_not_found(_exc: NotFound) -> ResponseReturnValue:
        return _page(
            404, _("Page not found"), _("The page or item does not exist, or you cannot see it.")
        )

    @app.errorhandler(Forbidden)
    def _domain_forbidden(_exc: Forbidden) -> ResponseReturnValue:
        return _page(403, _("Not allowed"), _("You are not allowed to do that."))

    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError) -> ResponseReturnValue:
        return _page(
            400, _("The form has expired"), _("Go back, reload the page and send the form again.")
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        titles = {
            400: (_("Bad request"), _("The request could not be understood.")),
            403: (_("Not allowed"), _("You are not allowed to see this page.")),
            404: (_("Page not found"), _("The page or item does not exist, or you cannot see it.")),
            405: (_("Not allowed"), _("This action cannot be done that way.")),
            413: (_("Too large"), _("What you sent is too large.")),
            429: (
                _("Too many attempts"),
                _("Too many attempts. Wait a few minutes and try again."),
            ),
        }
        title, message = titles.get(exc.code or 500, (exc.name, exc.description or ""))
        return _page(exc.code or 500, title, message)

    @app.errorhandler(InternalServerError)
    def _unexpected(exc: InternalServerError) -> ResponseReturnValue:
        log.error(
            "unhandled error on %s %s",
            request.method,
            request.path,
            exc_info=exc.original_exception,
        )
        return _page(
            500,
            _("Something went wrong"),
            _("An unexpected error occurred. It has been logged; please try again later."),
        )
