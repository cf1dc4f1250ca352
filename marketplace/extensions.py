"""Flask extensions and the per-request database session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from models.engine import make_engine, writer_engine

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Database:
    """One engine per app; one session per request, opened lazily, closed at teardown.

    The engine and session factories live in `app.extensions["database"]`, so several apps
    (e.g. one per test database) can coexist in one process.
    """

    def init_app(self, app: Flask, url: str) -> None:
        self.configure(app, make_engine(url))
        app.teardown_appcontext(self._close)

    @staticmethod
    def configure(app: Flask, bind: Engine | Connection, **session_kwargs: Any) -> None:
        """Point the app's sessions at an engine, or a connection (tests bind a transaction)."""
        writer_bind = writer_engine(bind) if isinstance(bind, Engine) else bind
        app.extensions["database"] = _State(
            engine=bind if isinstance(bind, Engine) else bind.engine,
            reader=sessionmaker(bind=bind, expire_on_commit=False, **session_kwargs),
            writer=sessionmaker(bind=writer_bind, expire_on_commit=False, **session_kwargs),
        )

    @staticmethod
    def state(app: Flask | None = None) -> _State:
        return (app or current_app).extensions["database"]

    @property
    def engine(self) -> Engine:
        return self.state().engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            # State-changing requests start SQLite transactions with BEGIN IMMEDIATE.
            safe = has_request_context() and request.method in SAFE_METHODS
            state = self.state()
            g.db_session = (state.reader if safe else state.writer)()
        return g.db_session

    def write_session(self) -> Session:
        """A writer session outside a request (CLI commands)."""
        return self.state().writer()

    @staticmethod
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


@dataclass(frozen=True)
class _State:
    engine: Engine
    reader: sessionmaker[Session]
    writer: sessionmaker[Session]


db = Database()
