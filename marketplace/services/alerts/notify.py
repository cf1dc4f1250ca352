"""Turning notifications into emails: alert and digest content, links, unsubscribe headers."""

from __future__ import annotations

from typing import Any

from geo.gazetteer import MUNICIPALITY_BY_CODE
from marketplace.services.accounts.security import make_token, read_token
from marketplace.services.mail import links
from marketplace.services.mail.compose import Rendered, render_email
from marketplace.services.mail.context import MailContext
from marketplace.services.mail.outbox import Envelope
from models.accounts import User
from models.alerts import Notification
from models.listings import Listing
from models.taxonomy import CATEGORY_BY_KEY, UNITS

UNSUBSCRIBE_PURPOSE = "unsubscribe"
UNSUBSCRIBE_MAX_AGE = 400 * 24 * 3600  # links in old emails keep working for over a year


def unsubscribe_token(ctx: MailContext, user_id: int, subscription_ids: list[int]) -> str:
    return make_token(
        ctx.secret, UNSUBSCRIBE_PURPOSE, {"u": user_id, "s": sorted(subscription_ids)}
    )


def read_unsubscribe_token(secret: str, token: str) -> tuple[int, list[int]]:
    """(user id, subscription ids); raises services.security.TokenError when invalid."""
    payload = read_token(secret, UNSUBSCRIBE_PURPOSE, token, UNSUBSCRIBE_MAX_AGE)
    return int(payload["u"]), [int(i) for i in payload["s"]]


def list_headers(url: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058 one-click unsubscribe."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def item(ctx: MailContext, listing: Listing, note: Notification, locale: str) -> dict[str, Any]:
    """One listing as an email shows it."""
    category = CATEGORY_BY_KEY.get(listing.category)
    municipality = MUNICIPALITY_BY_CODE.get(listing.municipality_code or "")
    return {
        "title": listing.title,
        "direction": listing.direction,
        "kind": listing.kind,
        "category": category.label(locale) if category else listing.category,
        "quantity": float(listing.quantity),
        "unit": UNITS.get(listing.unit, (listing.unit, listing.unit))[1 if locale == "sv" else 0],
        "recurrence": listing.recurrence,
        "municipality": municipality.name if municipality else "",
        "distance_km": note.distance_m / 1000 if note.distance_m is not None else None,
        "co2e_kg": note.co2e_kg,
        "sek": note.sek,
        "per": note.estimate_per or "once",
        "url": links.listing(ctx.base_url, listing.id),
    }


def _alert_email(
    ctx: MailContext,
    user: User,
    *,
    key: str,
    template: str,
    subscription_ids: list[int],
    **context: Any,
) -> Envelope:
    """An alert-type email to `user`: their language, manage and one-click unsubscribe links."""
    locale = user.locale or "sv"
    unsubscribe = links.unsubscribe(ctx.base_url, unsubscribe_token(ctx, user.id, subscription_ids))
    rendered: Rendered = render_email(
        template,
        locale,
        user=user,
        manage_url=links.alerts(ctx.base_url),
        unsubscribe_url=unsubscribe,
        **context,
    )
    return Envelope(
        key=key,
        to=user.email,
        purpose=template,
        locale=locale,
        rendered=rendered,
        user_id=user.id,
        headers=list_headers(unsubscribe),
    )


def alert_envelope(
    ctx: MailContext, user: User, listing: Listing, note: Notification, subscription_name: str
) -> Envelope:
    return _alert_email(
        ctx,
        user,
        key=f"alert:{user.id}:{listing.id}",
        template="alert",
        subscription_ids=[note.subscription_id or 0],
        item=item(ctx, listing, note, user.locale or "sv"),
        subscription_name=subscription_name,
    )


def digest_envelope(
    ctx: MailContext,
    user: User,
    cadence: str,
    period: str,
    groups: list[tuple[str, list[dict[str, Any]]]],
    subscription_ids: list[int],
) -> Envelope:
    return _alert_email(
        ctx,
        user,
        key=f"digest:{cadence}:{period}:{user.id}",
        template="digest",
        subscription_ids=subscription_ids,
        cadence=cadence,
        groups=groups,
        count=sum(len(items) for _, items in groups),
    )
