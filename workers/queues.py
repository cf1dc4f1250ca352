"""Where jobs go: named RQ queues (JSON serializer) with `REDIS_URL` (without Redis,
`workers.context.InlineDispatcher` runs them in-process).

Jobs are enqueued after the commit that made them necessary, by function reference, with ids
and other primitives only. Enqueuing twice is harmless: every job body is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

ALERTS, MAIL, MAINTENANCE = "alerts", "mail", "maintenance"
QUEUE_NAMES = (ALERTS, MAIL, MAINTENANCE)  # a worker listens in this order of priority
TIMEOUTS = {ALERTS: 600, MAIL: 900, MAINTENANCE: 1800}  # seconds a job may run


class Dispatcher(Protocol):
    def enqueue(self, func: Callable[..., Any], *args: Any, queue: str) -> None: ...


class RQDispatcher:
    """Real queues on Redis; retried by RQ on an exception (the bodies are idempotent)."""

    def __init__(self, redis_url: str) -> None:
        from redis import Redis

        self.redis = Redis.from_url(redis_url)
        self._queues: dict[str, Any] = {}

    def queue(self, name: str) -> Any:
        from rq import Queue
        from rq.serializers import JSONSerializer

        if name not in self._queues:
            self._queues[name] = Queue(name, connection=self.redis, serializer=JSONSerializer)
        return self._queues[name]

    def enqueue(self, func: Callable[..., Any], *args: Any, queue: str) -> None:
        """Enqueue; if Redis is unreachable, log it and go on: the committed rows that asked
        for the job (an outbox email, a listing's fanout_due flag) make the sweep enqueue it."""
        from redis.exceptions import RedisError
        from rq import Retry

        try:
            self.queue(queue).enqueue(
                func,
                *args,
                job_timeout=TIMEOUTS[queue],
                retry=Retry(max=3, interval=[10, 60, 300]),
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
        except RedisError:
            log.exception(
                "could not enqueue %s%r on %s; the sweep will", func.__name__, args, queue
            )
