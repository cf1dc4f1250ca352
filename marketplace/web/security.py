"""Security headers, safe redirects and cookie hardening."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: {tiles}; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after login; anything that could leave the site becomes `default`."""
    if not target:
        return default
    target = target.strip()
    if any(ch in target for ch in ("\\", "\r", "\n", "\t")) or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def _tile_origin(tile_url: str) -> str:
    parts = urlsplit(tile_url)
    if parts.scheme in ("http", "https") and parts.netloc:
        host = parts.netloc.replace("{s}", "*")
        return f"{parts.scheme}://{host}"
    return ""


def add_security_headers(response: Response) -> Response:
    settings = current_app.extensions["settings"]
    response.headers.setdefault(
        "Content-Security-Policy", CSP.format(tiles=_tile_origin(settings.tile_url))
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"
    )
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if settings.is_production:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response


def init_security(app: Flask) -> None:
    app.after_request(add_security_headers)
