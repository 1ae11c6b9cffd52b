"""Page: scheduling many posts at once from a CSV file, all of them or none."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from govsocial.errors import GovsocialError
from govsocial.timezones import render_local, zone_named
from publishing import selectors, services
from publishing.forms import ScheduleImportForm
from publishing.services.bulk import (
    IMPORT_COLUMNS,
    MAX_ROWS,
    ScheduleFileRefused,
    schedule_file_read,
)
from publishing.views.calendar import may_compose


@require_http_methods(["GET", "POST"])
def schedule_import(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show how to write the file; check an uploaded one row by row and, when every
    row is right, write and schedule all of its posts."""
    agency = request.agency  # type: ignore[attr-defined]
    form = ScheduleImportForm(request.POST or None, request.FILES or None)
    context = {
        "form": form,
        "columns": IMPORT_COLUMNS,
        "max_rows": MAX_ROWS,
        "can_write": may_compose(request),
        "agency_zone": agency.time_zone,
    }
    if request.method == "GET" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render_local(request, "publishing/schedule_import.html", context, status=status)
    try:
        rows = schedule_file_read(
            data=form.cleaned_data["file"].read(),
            accounts=list(selectors.social_account_list()),
            zone=zone_named(agency.time_zone),
            actor=request.user,  # type: ignore[arg-type]
        )
        posts = services.posts_import(agency=agency, actor=request.user, rows=rows)  # type: ignore[arg-type]
    except ScheduleFileRefused as refused:
        context |= {"refusal": refused.message, "row_errors": refused.errors}
        return render_local(request, "publishing/schedule_import.html", context, status=400)
    except GovsocialError as error:
        form.add_error(None, error.message)
        return render_local(request, "publishing/schedule_import.html", context, status=400)
    imported = selectors.post_list().filter(pk__in=[post.pk for post in posts])
    context["imported"] = imported.order_by("scheduled_at", "pk")
    return render_local(request, "publishing/schedule_import.html", context)
