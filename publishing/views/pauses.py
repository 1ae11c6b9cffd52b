"""Pages: pausing the agency's publishing in a crisis, and resuming it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role
from govsocial.errors import GovsocialError
from govsocial.timezones import local_to_utc
from publishing import selectors, services
from publishing.forms import PauseForm, ResumeForm


@require_http_methods(["GET", "POST"])
def pause_page(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the pauses in force; admins pause publishing for the agency or some accounts."""
    agency = request.agency  # type: ignore[attr-defined]
    is_admin = request.membership.has_role(Role.ADMIN)  # type: ignore[attr-defined]
    accounts = list(selectors.social_account_list(connected_only=True))
    data = request.POST if request.method == "POST" else None
    form = PauseForm(data, accounts=accounts)
    status = 200
    if request.method == "POST":
        if not is_admin:
            messages.error(request, _("Only an agency admin can pause or resume publishing."))
            return redirect("pause_page", agency_slug=agency.slug)
        if form.is_valid():
            until = form.cleaned_data["until"]
            try:
                services.pause_start(
                    agency=agency,
                    actor=request.user,  # type: ignore[arg-type]
                    reason=form.cleaned_data["reason"],
                    accounts=form.chosen(),
                    until=local_to_utc(until, agency.time_zone, field="until") if until else None,
                )
            except GovsocialError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.warning(request, _("Publishing is paused."))
                return redirect("pause_page", agency_slug=agency.slug)
        status = 400
    context = {
        "form": form,
        "resume_form": ResumeForm(),
        "is_admin": is_admin,
        "pauses": selectors.pause_list_active(agency=agency).select_related("started_by"),
    }
    return render(request, "publishing/publishingpause_list.html", context, status=status)


@require_POST
def pause_resume(request: HttpRequest, agency_slug: str, pause_id: int) -> HttpResponse:
    """End a pause, putting held posts back on the schedule."""
    agency = request.agency  # type: ignore[attr-defined]
    pause = selectors.pause_list_active(agency=agency).filter(pk=pause_id).first()
    if pause is None:
        raise Http404
    form = ResumeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what happens to posts whose time passed."))
        return redirect("pause_page", agency_slug=agency.slug)
    try:
        services.pause_end(
            pause=pause,
            actor=request.user,  # type: ignore[arg-type]
            overdue_now=form.cleaned_data["overdue"] == "now",
        )
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Publishing is resumed."))
    return redirect("pause_page", agency_slug=agency.slug)
