"""What the overview shows of the inbox to those who work it: the items assigned to
them and the urgent ones, still open or waiting, the longest waiting first, each with
how long it has waited."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse

from govsocial.overview import Part, listing, needs
from inbox.models import InboxItem, ItemStatus, Priority
from inbox.selectors import shown
from inbox.services import WORKER_ROLES


@needs(40)
def items_for_me(request: HttpRequest) -> Part | None:
    """The open and waiting items assigned to the viewer, and the open urgent ones."""
    if not WORKER_ROLES & set(request.membership.roles):  # type: ignore[attr-defined]
        return None
    viewer = request.user.pk
    items = shown(InboxItem.objects.select_related("account", "assignee"), restricted=False)
    mine = Q(assignee_id=viewer, status__in=[ItemStatus.OPEN, ItemStatus.WAITING])
    urgent = Q(priority=Priority.URGENT, status=ItemStatus.OPEN)
    return listing(
        "overview/inbox_items.html",
        "inbox",
        items.filter(mine | urgent).order_by("received_at", "id"),
        all_url=reverse("inbox_list", args=[request.agency.slug]) + f"?assignee={viewer}",  # type: ignore[attr-defined]
        viewer=viewer,
    )
