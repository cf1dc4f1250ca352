"""Periodic work, run by RQ's cron scheduler (`python -m workers scheduler`).

Digest and message-summary sweeps run every hour: each creates only what its period still owes
(the outbox keys are unique per user and period), so a scheduler that was down catches up at its
next run and one that runs twice sends nothing twice. The retention purge and the rebuild of the
firms' tallies run nightly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workers.jobs.alerts import send_digests
from workers.jobs.mail import send_message_summaries
from workers.jobs.maintenance import (
    expire,
    purge_expired,
    rebuild_market,
    refresh_potentials,
    send_follow_ups,
    sweep,
)
from workers.queues import ALERTS, MAIL, MAINTENANCE, TIMEOUTS


def build_scheduler(connection: Any) -> Any:
    from rq.cron import CronJob, CronScheduler
    from rq.serializers import JSONSerializer

    class JsonCronJob(CronJob):
        """RQ's CronJob enqueues with the default (pickle) serializer; ours use JSON."""

        func: Callable[..., Any]  # ours are always built from a function, never a name

        def enqueue(self, connection: Any) -> Any:
            from rq import Queue

            queue = Queue(self.queue_name, connection=connection, serializer=JSONSerializer)
            job = queue.enqueue(self.func, *self.args, **self.kwargs, **self.job_options)
            return job

    scheduler = CronScheduler(connection=connection)
    entries: list[tuple[Callable[..., Any], str, tuple[str, ...], dict[str, Any]]] = [
        (sweep, MAINTENANCE, (), {"interval": 60}),
        (send_digests, ALERTS, ("daily",), {"cron": "5 * * * *"}),
        (send_digests, ALERTS, ("weekly",), {"cron": "10 * * * *"}),
        (expire, MAINTENANCE, (), {"cron": "20 * * * *"}),
        (rebuild_market, MAINTENANCE, (), {"cron": "30 2 * * *"}),  # nightly, UTC (tallies)
        (refresh_potentials, MAINTENANCE, (), {"cron": "40 2 * * *"}),  # nightly, UTC
        (send_follow_ups, MAIL, (), {"cron": "0 6 * * *"}),  # staff reminders, 07:00/08:00 local
        (send_message_summaries, MAIL, (), {"cron": "15 * * * *"}),  # from 07:00 local
        (purge_expired, MAINTENANCE, (), {"cron": "50 2 * * *"}),  # nightly, UTC (retention)
    ]
    for func, queue, args, timing in entries:
        job = JsonCronJob(
            queue_name=queue,
            func=func,
            args=args,
            job_timeout=TIMEOUTS[queue],
            name=f"{func.__name__}{'-' + args[0] if args else ''}",
            **timing,
        )
        scheduler._cron_jobs.append(job)  # register() would build a pickle-serialising CronJob
    return scheduler
