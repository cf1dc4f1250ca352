"""Leaflet and its marker-cluster plugin, served by the app from their XStatic packages (no CDN)."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet as leaflet
import xstatic.pkg.leaflet_markercluster as markercluster
from flask import Blueprint, abort, send_from_directory
from flask.typing import ResponseReturnValue

from marketplace.web.policy import policy

bp = Blueprint("maps", __name__, url_prefix="/vendor")

PACKAGES = {
    "leaflet": Path(leaflet.BASE_DIR),
    "markercluster": Path(markercluster.BASE_DIR),
}
VERSIONS = {"leaflet": leaflet.VERSION, "markercluster": markercluster.VERSION}


@bp.get("/<package>/<path:filename>")
@policy("public")
def asset(package: str, filename: str) -> ResponseReturnValue:
    directory = PACKAGES.get(package)
    if directory is None:
        abort(404)
    # send_from_directory refuses paths that leave the directory.
    return send_from_directory(directory, filename, max_age=7 * 24 * 3600)
