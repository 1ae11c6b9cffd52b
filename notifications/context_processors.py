"""The header's count of the viewer's unread notifications in the agency shown."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from notifications.selectors import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """Return how many of the viewer's notifications in the bound agency are unread."""
    if getattr(request, "membership", None) is None:
        return {}
    return {"unread_notifications": unread_count(user_id=request.user.pk)}  # type: ignore[arg-type]
