"""The archive's one error."""

from __future__ import annotations

from govsocial.errors import GovsocialError


class ArchiveError(GovsocialError):
    """An archive write that would break an invariant, or a log found damaged."""
