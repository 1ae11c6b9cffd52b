"""Where the current action comes from: the request's address, user agent and id.

The actor is always passed to ``archive.record`` explicitly; the origin is request
metadata that services have no business carrying around, so the request middleware
and the task runner bind it here.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    """The network origin of an action."""

    ip_address: str | None = None
    user_agent: str = ""
    request_id: str = ""


_origin: contextvars.ContextVar[Origin] = contextvars.ContextVar(
    "govsocial_origin", default=Origin()
)


def current_origin() -> Origin:
    """Return the origin bound to the running request or task."""
    return _origin.get()


@contextmanager
def origin_bound(origin: Origin) -> Iterator[Origin]:
    """Bind ``origin`` for the enclosed block."""
    token = _origin.set(origin)
    try:
        yield origin
    finally:
        _origin.reset(token)
