"""Pages: a person's notifications in an agency (read or not, each linking to what it
is about), and how they choose to be told of each kind."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govsocial.errors import GovsocialError
from govsocial.timezones import render_local
from notifications import selectors, services
from notifications.forms import ChoicesForm

PAGE_SIZE = 50


@require_GET
def notification_list(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """List the viewer's notifications in the agency, newest first, unread marked."""
    notifications = selectors.notification_list(user_id=request.user.pk)  # type: ignore[arg-type]
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_local(request, "notifications/notification_list.html", {"page": page})


@require_GET
def notification_open(request: HttpRequest, agency_slug: str, notification_id: int) -> HttpResponse:
    """Mark one of the viewer's notifications read and go to what it is about."""
    notification = selectors.notification_get(
        user_id=request.user.pk,  # type: ignore[arg-type]
        notification_id=notification_id,
    )
    if notification is None:
        raise Http404
    services.notification_read(notification=notification)
    # Links name govsocial's own pages under SITE_URL; the page is reached on the host
    # the person uses, and a link to elsewhere is not followed.
    path = notification.link.removeprefix(settings.SITE_URL)
    if not path.startswith("/") or not url_has_allowed_host_and_scheme(path, allowed_hosts=None):
        return redirect("notification_list", agency_slug=agency_slug)
    return redirect(path)


@require_POST
def notifications_read(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Mark all of the viewer's notifications in the agency read."""
    count = services.notifications_read_all(user_id=request.user.pk)  # type: ignore[arg-type]
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked read.", "%(count)d notifications marked read.", count
        )
        % {"count": count},
    )
    return redirect("notification_list", agency_slug=agency_slug)


@login_required
@require_http_methods(["GET", "POST"])
def notification_choices(request: HttpRequest) -> HttpResponse:
    """Show, and change, how the viewer is told of each kind of notification."""
    current = selectors.choices_of(user_id=request.user.pk)  # type: ignore[arg-type]
    form = ChoicesForm(request.POST or None, initial=current)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.choices_set(user_id=request.user.pk, chosen=form.cleaned_data)  # type: ignore[arg-type]
            except GovsocialError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(request, _("Your choices are saved."))
                return redirect("notification_choices")
        status = 400
    return render(request, "notifications/notification_choices.html", {"form": form}, status=status)
