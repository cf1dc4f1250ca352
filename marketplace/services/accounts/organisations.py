"""Firm details and membership listings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.services.errors import N_, Forbidden
from models.accounts import OrgRole, User
from models.organisations import Organisation


def update_organisation(
    session: Session,
    *,
    actor: User,
    name: str,
    sni_code: str | None,
    website: str | None,
    contact_email: str | None,
    contact_phone: str | None,
) -> Organisation:
    """Owners edit their firm's public details; the organisation number stays fixed."""
    organisation = actor.organisation
    if organisation is None or actor.org_role != OrgRole.OWNER:
        raise Forbidden(N_("Only the firm's owners can edit its details."))
    organisation.name = name.strip()
    organisation.sni_code = (sni_code or "").strip() or None
    organisation.website = website or None
    organisation.contact_email = contact_email or None
    organisation.contact_phone = contact_phone or None
    return organisation


def members(session: Session, organisation_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.organisation_id == organisation_id)
            .order_by(User.org_role.desc(), User.name)
        )
    )
