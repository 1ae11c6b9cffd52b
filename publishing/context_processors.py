"""What every page of an agency shows about publishing: a banner while it is paused."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from publishing.selectors import pause_notices


def publishing_pauses(request: HttpRequest) -> dict[str, Any]:
    """Return the pauses in force in the agency being viewed (its members only)."""
    agency = getattr(request, "agency", None)
    if agency is None or getattr(request, "membership", None) is None:
        return {}
    return {"active_pauses": pause_notices(agency=agency)}
