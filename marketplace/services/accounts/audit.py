"""The audit log: who did what, for the actions a security review asks about.

Entries carry ids and values only (never a name or an email address), so an account deletion
leaves nothing personal in the log; the pages resolve ids to names when they are shown. Entries
are written in the same transaction as the change they record.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from marketplace.services.errors import N_
from models.accounts import AuditEntry, User

# action -> English label (translated where shown).
ACTIONS: dict[str, str] = {
    "roles_changed": N_("Platform roles changed"),
    "member_role_changed": N_("Firm role changed"),
    "member_removed": N_("Member removed from firm"),
    "user_deactivated": N_("User deactivated"),
    "user_reactivated": N_("User reactivated"),
    "verification_sent": N_("Verification email sent by an administrator"),
    "reset_sent": N_("Password reset email sent by an administrator"),
    "signed_out_everywhere": N_("Signed out everywhere"),
    "password_changed": N_("Password changed"),
    "listing_unpublished": N_("Listing unpublished by staff"),
    "factor_set_published": N_("Factor set published"),
    "firm_notes_viewed": N_("Firm notes viewed"),
    "firm_note_written": N_("Firm note written"),
    "export_downloaded": N_("Export downloaded"),
    "data_exported": N_("Personal data exported"),
    "account_deleted": N_("Account deleted"),
    "firm_closed": N_("Firm closed"),
}


def record(
    session: Session,
    action: str,
    *,
    actor: User | None,
    subject: User | None = None,
    organisation_id: int | None = None,
    target: str = "",
    **details: Any,
) -> AuditEntry:
    """Add one entry (actor None: the command line or the system)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        action=action,
        actor_id=actor.id if actor is not None else None,
        subject_user_id=subject.id if subject is not None else None,
        organisation_id=organisation_id,
        target=target[:60],
        details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
    )
    session.add(entry)
    return entry


def details_of(entry: AuditEntry) -> dict[str, Any]:
    value = json.loads(entry.details or "{}")
    return value if isinstance(value, dict) else {}


def entries(
    session: Session,
    *,
    action: str | None = None,
    user_id: int | None = None,
    before: datetime | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first; `user_id` selects entries the user did or was the subject of."""
    stmt = (
        select(AuditEntry)
        .options(selectinload(AuditEntry.actor), selectinload(AuditEntry.subject_user))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if user_id is not None:
        stmt = stmt.where(
            or_(AuditEntry.actor_id == user_id, AuditEntry.subject_user_id == user_id)
        )
    if before is not None:
        stmt = stmt.where(AuditEntry.at < before)
    return list(session.scalars(stmt))
