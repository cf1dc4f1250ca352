"""The work the web layer hands to the background, named by what it does.

The app factory builds one `Background` per app and keeps it in `app.extensions`; views and
helpers call its methods after their commit, so no module of `marketplace.web` imports a job.
With `REDIS_URL` the jobs go to RQ; without, they run at once in the web process, inside a
context the factory provides (the app's own database sessions and settings).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workers.context import InlineDispatcher, JobContext
from workers.jobs.alerts import fan_out_listing, send_digests
from workers.jobs.exports import run_export
from workers.jobs.mail import send_emails, send_message_summaries
from workers.jobs.maintenance import sweep
from workers.jobs.matching import refresh_matches
from workers.queues import ALERTS, MAIL, MAINTENANCE, Dispatcher, RQDispatcher

# The periodic jobs the demo's mail page may run now (it has no scheduler): name -> job, args.
PERIODIC: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
    "daily": (send_digests, ("daily",)),
    "weekly": (send_digests, ("weekly",)),
    "messages": (send_message_summaries, (0,)),  # the message just written counts too
    "sweep": (sweep, (0,)),
}


class Background:
    def __init__(self, redis_url: str | None, inline_context: Callable[[], JobContext]) -> None:
        self.inline_context = inline_context
        self._rq = RQDispatcher(redis_url) if redis_url else None

    def dispatcher(self) -> Dispatcher:
        return self._rq or InlineDispatcher(self.inline_context)

    def send_emails(self, email_ids: list[int]) -> None:
        if email_ids:
            self.dispatcher().enqueue(send_emails, email_ids, queue=MAIL)

    def fan_out(self, listing_ids: list[int]) -> None:
        for listing_id in listing_ids:
            self.dispatcher().enqueue(fan_out_listing, listing_id, queue=ALERTS)

    def refresh_matches(self, listing_ids: list[int]) -> None:
        if listing_ids:
            self.dispatcher().enqueue(refresh_matches, listing_ids, queue=MAINTENANCE)

    def run_export(self, job_id: int) -> None:
        self.dispatcher().enqueue(run_export, job_id, queue=MAINTENANCE)

    def run_periodic(self, name: str) -> bool:
        """Run one of `PERIODIC` now; False for an unknown name."""
        if name not in PERIODIC:
            return False
        func, args = PERIODIC[name]
        self.dispatcher().enqueue(func, *args, queue=MAINTENANCE)
        return True
