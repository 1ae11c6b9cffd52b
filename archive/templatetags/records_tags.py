"""What the overview shows of records requests: those overdue, to their readers."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from archive.models import RecordsRequest, RequestStatus
from archive.records import READERS

register = template.Library()


@register.inclusion_tag("archive/overview_overdue.html", takes_context=True)
def overdue_records_requests(context: template.Context) -> dict[str, Any]:
    """Return the bound agency's open records requests past their due day, soonest
    due first, for its records officers and admins; none for anyone else."""
    membership = context.get("current_membership")
    readers = membership is not None and READERS & set(membership.roles)
    overdue = (
        RecordsRequest.objects.filter(status=RequestStatus.OPEN, due_on__lt=timezone.localdate())
        if readers
        else RecordsRequest.objects.none()
    )
    return {
        "overdue": list(overdue.order_by("due_on", "id")),
        "current_agency": context.get("current_agency"),
    }
