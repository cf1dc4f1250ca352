"""The one rule for firm-owned objects: only members of the owning firm may reach them."""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from marketplace.services.errors import NotFound
from models.accounts import User


class FirmOwned(Protocol):
    organisation_id: int


T = TypeVar("T", bound=FirmOwned)


def get_owned(session: Session, model: type[T], *, actor: User, object_id: int) -> T:
    """The actor's firm's object; anyone else's (or a missing one) is reported as not found."""
    obj = session.get(model, object_id)
    if obj is None or actor.organisation_id is None or obj.organisation_id != actor.organisation_id:
        raise NotFound()
    return obj
