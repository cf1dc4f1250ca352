"""Absolute links that emails carry, built without a request (jobs run outside Flask).

tests/web/test_links.py checks that each path equals what the web layer's `url_for` builds.
"""

from __future__ import annotations


def listing(base_url: str, listing_id: int) -> str:
    return f"{base_url.rstrip('/')}/listings/{listing_id}"


def alerts(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/alerts"


def unsubscribe(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/alerts/unsubscribe/{token}"


def conversation(base_url: str, conversation_id: int) -> str:
    return f"{base_url.rstrip('/')}/messages/{conversation_id}"


def deal(base_url: str, deal_id: int) -> str:
    return f"{base_url.rstrip('/')}/deals/{deal_id}"


def staff_firm(base_url: str, organisation_id: int) -> str:
    return f"{base_url.rstrip('/')}/staff/firms/{organisation_id}"


def account(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/account"
