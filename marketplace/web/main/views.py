"""Home page, language switch, health check."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, request, session
from flask_login import current_user

from marketplace.extensions import db
from marketplace.services.search import newest_listings, region_totals
from marketplace.web.policy import policy
from marketplace.web.security import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
@policy("public")
def index():  # type: ignore[no-untyped-def]
    today = date.today()
    return render_template(
        "main/index.html",
        listings=newest_listings(db.session, today=today),
        totals=region_totals(db.session, today=today),
    )


@bp.post("/language")
@policy("public")
def set_language():  # type: ignore[no-untyped-def]
    language = request.form.get("language")
    if language in ("sv", "en"):
        session["locale"] = language
        if current_user.is_authenticated:
            current_user.locale = language
            db.session.commit()
    return redirect(safe_next(request.form.get("next")), code=303)


@bp.get("/healthz")
@policy("public")
def health():  # type: ignore[no-untyped-def]
    return {"status": "ok"}
