"""Domain errors carrying a translatable message and, where it applies, the form field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


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
        self.errors: list[DomainError] = [self]  # every rule one submission broke, in order


class Problems:
    """Collects every rule one submission breaks, so a form shows them all at once.

    `run` calls a check and keeps its DomainError instead of stopping; `raise_if_any` raises
    the first, carrying all of them in `errors`.
    """

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def run(self, check: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return check(*args, **kwargs)
        except DomainError as error:
            self.errors.extend(error.errors)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            first = self.errors[0]
            first.errors = list(self.errors)
            raise first


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
