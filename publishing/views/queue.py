"""Pages: each account's queue times (admins set them), and "Add to queue", which
schedules a draft at the next time free on all of its accounts."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from govsocial.errors import GovsocialError
from govsocial.timezones import render_local, zone_of
from publishing import selectors, services
from publishing.forms import QueueSlotsForm
from publishing.models import QueueSlot


def _is_admin(request: HttpRequest) -> bool:
    return bool(request.membership.has_role(Role.ADMIN))  # type: ignore[attr-defined]


@require_GET
def queue_slot_list(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show every connected account's queue times, in the agency's time zone."""
    accounts = list(selectors.social_account_list(connected_only=True))
    slots: dict[int, list[QueueSlot]] = {}
    for slot in selectors.queue_slot_list(account_ids=[a.pk for a in accounts]):
        slots.setdefault(slot.account_id, []).append(slot)
    context = {
        "rows": [(account, slots.get(account.pk, [])) for account in accounts],
        "is_admin": _is_admin(request),
    }
    return render_local(request, "publishing/queueslot_list.html", context)


@require_http_methods(["GET", "POST"])
def queue_slot_edit(request: HttpRequest, agency_slug: str, account_id: int) -> HttpResponse:
    """Set one account's queue times, day by day (admins only)."""
    account = selectors.social_account_get(account_id=account_id)
    if account is None:
        raise Http404
    current = list(selectors.queue_slot_list(account_ids=[account.pk]))
    data = request.POST if request.method == "POST" else None
    form = QueueSlotsForm(data, initial=QueueSlotsForm.initial_for(current))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.queue_slots_set(
                    account=account,
                    actor=request.user,  # type: ignore[arg-type]
                    slots=form.slots(),
                )
            except GovsocialError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, _("Queue times saved for %(account)s.") % {"account": account}
                )
                return redirect("queue_slot_list", agency_slug=agency_slug)
        status = 400
    context = {"account": account, "form": form, "is_admin": _is_admin(request)}
    return render_local(request, "publishing/queueslot_form.html", context, status=status)


@require_POST
def post_add_to_queue(request: HttpRequest, agency_slug: str, post_id: int) -> HttpResponse:
    """Schedule a draft at the next queue time free on all of its accounts."""
    post = selectors.post_get(post_id=post_id)
    if post is None:
        raise Http404
    try:
        post = services.post_add_to_queue(post=post, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        zone = zone_of(request)
        when = timezone.localtime(post.scheduled_at, zone)
        messages.success(
            request,
            _("Added to the queue: scheduled for %(when)s (%(zone)s).")
            % {"when": formats.date_format(when, "DATETIME_FORMAT"), "zone": zone.key},
        )
    return redirect(reverse("post_detail", kwargs={"agency_slug": agency_slug, "post_id": post.pk}))
