"""What every page's layout needs: the person's agencies and the current one, and whether
the demo's mailbox is there to link to."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def agency_navigation(request: HttpRequest) -> dict[str, Any]:
    """Return the agency switcher's choices and the agency being viewed."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_agency": getattr(request, "agency", None),
        "current_membership": getattr(request, "membership", None),
        # Read by SessionLimitMiddleware, which every signed-in request passes.
        "user_memberships": getattr(request, "user_memberships", []),
    }


def demo_mailbox(request: HttpRequest) -> dict[str, Any]:
    """Return whether the demo's mailbox page exists (``make run`` only)."""
    return {"demo_mailbox": bool(settings.DEMO_MAILBOX)}
