"""What a job needs to run: settings, database sessions, mail settings, a dispatcher.

A worker process builds one from the environment (`from_settings`); the web app in inline mode
hands jobs its own (same database sessions as the request), through `use`.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from marketplace.config import Settings
from marketplace.services.accounts.retention import RetentionPeriods
from marketplace.services.mail.compose import TIMEZONE
from marketplace.services.mail.context import MailContext
from marketplace.services.mail.outbox import LEASE
from marketplace.services.mail.transport import MailSettings, sender_domain
from models.base import utcnow
from models.engine import make_engine, writer_engine

if TYPE_CHECKING:
    from workers.queues import Dispatcher


def mail_settings(settings: Settings) -> MailSettings:
    return MailSettings(
        backend=settings.mail_backend,
        sender=settings.mail_default_sender,
        directory=settings.mail_dir,
        server=settings.mail_server,
        port=settings.mail_port,
        use_tls=settings.mail_use_tls,
        use_ssl=settings.mail_use_ssl,
        username=settings.mail_username,
        password=settings.mail_password,
    )


def mail_context(settings: Settings) -> MailContext:
    return MailContext(
        base_url=settings.base_url.rstrip("/"),
        secret=settings.resolved_secret_key(),
        domain=sender_domain(settings.mail_default_sender),
    )


def retention_periods(settings: Settings) -> RetentionPeriods:
    return RetentionPeriods(
        outbox_days=settings.outbox_retention_days,
        notification_days=settings.notification_retention_days,
        sign_in_days=settings.sign_in_retention_days,
    )


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
    from workers.queues import dispatcher_for

    engine = writer_engine(make_engine(settings.sqlalchemy_url))
    return JobContext(
        settings=settings,
        sessions=sessionmaker(bind=engine, expire_on_commit=False),
        mail=mail_settings(settings),
        notify=mail_context(settings),
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
