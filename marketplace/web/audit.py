"""Audit entries for security-relevant *reads* (exports downloaded, firm notes viewed, a
person's data exported): written in a session of their own, so a GET request's own session
stays read-only."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from marketplace.extensions import db
from marketplace.services.accounts import audit


def record_read(action: str, **fields: Any) -> None:
    # End the request's read transaction first: SQLite must not hold a read lock in this
    # request while another of its sessions writes (and tests nest both in one connection).
    db.session.commit()
    with db.write_session() as session:
        audit.record(session, action, actor=current_user, **fields)
        session.commit()
