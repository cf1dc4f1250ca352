"""Domain errors carrying a translatable message and, where it applies, the form field."""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a message for translation; the web layer translates it when shown."""
    return message


class DomainError(Exception):
    """A business rule said no; `message` is an English msgid, `params` fill its %(name)s."""

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        self.params = params


class AccessError(Exception):
    """The actor may not reach the object; not a rule violation, so never shown on a form."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(AccessError):
    """The object does not exist or is not visible to the actor (shown as 404)."""

    def __init__(self, message: str = N_("Not found.")) -> None:
        super().__init__(message)


class Forbidden(AccessError):
    """The actor may see the object but not do this to it (shown as 403)."""

    def __init__(self, message: str = N_("You are not allowed to do that.")) -> None:
        super().__init__(message)
