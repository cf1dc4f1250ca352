"""The periods of summary emails (alert digests, message summaries): Swedish local dates and
ISO weeks, due from 07:00 (Mondays for weekly ones). Kept in the mail domain, below the alerts
and deals domains that both send such summaries."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from marketplace.services.mail.compose import TIMEZONE

DIGEST_HOUR = 7  # local time; daily digests go out from 07:00, weekly ones from Monday 07:00


def period_key(cadence: str, now: datetime) -> str:
    """The latest digest period that has started by `now` (a date, or an ISO week)."""
    local = now.astimezone(ZoneInfo(TIMEZONE))
    if cadence == "daily":
        day = local.date() - timedelta(days=1 if local.hour < DIGEST_HOUR else 0)
        return day.isoformat()
    monday = local.date() - timedelta(days=local.weekday())
    if local.weekday() == 0 and local.hour < DIGEST_HOUR:
        monday -= timedelta(days=7)
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"
