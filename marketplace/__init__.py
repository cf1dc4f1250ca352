"""Industrial-symbiosis marketplace. `create_app` builds the Flask application."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from marketplace.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Application factory; imports the web layer only when an app is actually built."""
    from marketplace.app import build_app

    return build_app(settings)
