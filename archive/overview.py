"""What the overview shows of records requests, to their readers: the open ones past
their deadline or due within the coming days, soonest due first."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from archive.models import RecordsRequest, RequestStatus
from archive.records import READERS
from govsocial.overview import Part, listing, needs

# How many days ahead a deadline shows on the overview.
DUE_WITHIN = timedelta(days=5)


@needs(70)
def requests_due(request: HttpRequest) -> Part | None:
    """The open records requests past their deadline or due within ``DUE_WITHIN``."""
    if not READERS & set(request.membership.roles):  # type: ignore[attr-defined]
        return None
    today = timezone.localdate()
    due = RecordsRequest.objects.filter(status=RequestStatus.OPEN, due_on__lte=today + DUE_WITHIN)
    return listing(
        "overview/records_due.html",
        "records",
        due.order_by("due_on", "id"),
        all_url=reverse("records_requests", args=[request.agency.slug]),  # type: ignore[attr-defined]
        today=today,
    )
