"""Impact estimates of matches, "How we calculated this", and the published factor sets."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.services import factors
from marketplace.web.policy import policy
from models.impact import FactorSet

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
