"""What a job needs to run: settings, database sessions, mail settings, a dispatcher; and the
in-process dispatcher that runs a job at once inside such a context.

A worker process builds one from the environment (`from_settings`); the web app in inline mode
hands jobs its own (same database sessions as the request), through `use`.
"""

from __future__ import annotations

import contextvars
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from marketplace.config import Settings
from marketplace.services.mail.compose import TIMEZONE
from marketplace.services.mail.context import MailContext
from marketplace.services.mail.outbox import LEASE
from marketplace.services.mail.transport import MailSettings
from models.base import utcnow
from models.engine import make_engine, writer_engine
from workers.queues import Dispatcher, RQDispatcher

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    settings: Settings
    sessions: sessionmaker[Session]
    mail: MailSettings
    notify: MailContext
    dispatcher: Dispatcher
    lease: timedelta = LEASE

    def now(self) -> datetime:
        return utcnow()

    def today(self) -> date:
        return self.now().astimezone(ZoneInfo(TIMEZONE)).date()


def from_settings(settings: Settings) -> JobContext:
    """A worker process's own context: its engine and the dispatcher (inline without Redis)."""
    engine = writer_engine(make_engine(settings.sqlalchemy_url))
    return JobContext(
        settings=settings,
        sessions=sessionmaker(bind=engine, expire_on_commit=False),
        mail=settings.mail_settings(),
        notify=settings.mail_context(),
        dispatcher=dispatcher_for(settings),
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )


_current: contextvars.ContextVar[JobContext | None] = contextvars.ContextVar("job", default=None)
_process: dict[int, JobContext] = {}


@contextmanager
def use(ctx: JobContext) -> Iterator[JobContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def current() -> JobContext:
    """The context set by `use`, else this process's own (built once per process)."""
    ctx = _current.get()
    if ctx is not None:
        return ctx
    pid = os.getpid()
    if pid not in _process:
        _process.clear()
        _process[pid] = from_settings(Settings.from_env())
    return _process[pid]


class InlineDispatcher:
    """No Redis (the demo, tests of the web layer): run the job now, in this process.

    A failing job is logged, not raised: the change that asked for it is already committed, and
    the sweep runs the job again.
    """

    def __init__(self, context_factory: Callable[[], Any]) -> None:
        self.context_factory = context_factory

    def enqueue(self, func: Callable[..., Any], *args: Any, queue: str) -> None:
        with use(self.context_factory()):
            try:
                func(*args)
            except Exception:
                log.exception(
                    "inline job %s%r failed; the sweep will retry it", func.__name__, args
                )


def dispatcher_for(settings: Settings) -> Dispatcher:
    """RQ when REDIS_URL is set, else inline with this process's own context."""
    if settings.redis_url:
        return RQDispatcher(settings.redis_url)
    return InlineDispatcher(current)
