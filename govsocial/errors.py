"""The one base of every domain error; the API and the pages turn them into messages."""

from __future__ import annotations

from typing import Any


class GovsocialError(Exception):
    """A domain rule refused an action; ``message`` is shown to the person."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(GovsocialError):
    """The object does not exist, or belongs to another agency (which looks the same)."""

    status_code = 404


class Conflict(GovsocialError):
    """The action clashes with the current state (a duplicate, a stale change)."""

    status_code = 409


class PermissionDenied(GovsocialError):
    """The person's role in the agency does not allow the action."""

    status_code = 403


class Unprocessable(GovsocialError):
    """The request is well formed but cannot be carried out as it stands (the same
    idempotency key sent again with a different request)."""

    status_code = 422


def form_problems(form: Any) -> str:
    """Return every error of a bound Django form, as one message to show."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)
