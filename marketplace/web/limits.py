"""Rate limits on actions that send mail or reach other people: per user, per target address
and, all actions together, per client address (settings `*_RATE_LIMIT`).

The counts live in Flask-Limiter's storage (Redis in production, so every worker sees them).
The view asks before it calls the service, so a refused action saves and queues nothing, and
it shows the refusal on its own page with the user's input kept.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from marketplace.extensions import limiter
from marketplace.services.accounts.users import normalise_email
from marketplace.services.errors import N_
from marketplace.web.helpers import fmt_datetime

# action -> the setting holding its limits
SETTINGS = {
    "invite": "invite_rate_limit",
    "message": "message_rate_limit",  # inquiries and the messages after them
    "report": "report_rate_limit",
    "account_mail": "account_mail_rate_limit",  # registration, password reset, verification
}

Bucket = tuple[RateLimitItem, tuple[str, ...]]


def refusal(action: str, *, user_id: int | None = None, address: str | None = None) -> str | None:
    """Count one `action`; when a limit is reached, the message to show instead (and the
    action is not counted)."""
    if not limiter.enabled:
        return None
    buckets = _buckets(action, user_id, address)
    strategy = limiter.limiter
    full = [bucket for bucket in buckets if not strategy.test(bucket[0], *bucket[1])]
    if not full:
        # Two requests racing past the test both count; the second over the limit is refused.
        full = [bucket for bucket in buckets if not strategy.hit(bucket[0], *bucket[1])]
    if not full:
        return None
    reset = max(strategy.get_window_stats(item, *keys).reset_time for item, keys in full)
    return _message(action, datetime.fromtimestamp(reset, UTC))


def _buckets(action: str, user_id: int | None, address: str | None) -> list[Bucket]:
    settings = current_app.extensions["settings"]
    own = parse_many(getattr(settings, SETTINGS[action]))
    keys: list[tuple[str, ...]] = []
    if user_id is not None:
        keys.append((action, "user", str(user_id)))
    if address:
        keys.append((action, "address", normalise_email(address)))
    buckets = [(item, key) for key in keys for item in own]
    client = ("client", get_remote_address() or "unknown")
    return buckets + [(item, client) for item in parse_many(settings.client_rate_limit)]


MESSAGES = {
    "invite": N_("Too many invitations in a short time. You can send more after %(time)s."),
    "message": N_("Too many messages in a short time. You can send more after %(time)s."),
    "report": N_("Too many reports in a short time. You can send more after %(time)s."),
    "account_mail": N_(
        "Too many emails have been asked for in a short time. Try again after %(time)s."
    ),
}


def _message(action: str, until: datetime) -> str:
    return _(MESSAGES[action], time=fmt_datetime(until))
