"""Turning notifications into emails: alert and digest content, links, unsubscribe headers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MailContext:
    """What building an email needs from the deployment's settings."""

    base_url: str
    secret: str
    domain: str
