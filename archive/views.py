"""The archive's pages: the public keys its heads are signed with; and, for the
agency's records officers and admins, the *Records* section, where they search the
agency's archive and read one record with its proof."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from archive import records, signing
from archive.forms import RecordSearchForm
from archive.selectors import content_open
from govsocial.timezones import render_local, zone_of

PAGE_SIZE = 50


def key_list(request: HttpRequest) -> HttpResponse:
    """Show anyone the public keys the deployment's archive heads are signed with, and
    how to check a proof with them."""
    return render(request, "archive/key_list.html", {"keys": signing.published_keys()})


def _require_reader(request: HttpRequest) -> None:
    membership = request.membership  # type: ignore[attr-defined]
    if not (membership.is_active and records.READERS & set(membership.roles)):
        raise PermissionDenied(_("Only the agency's records officers and admins read its archive."))


@require_GET
def record_search(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Search the agency's archive: every event, newest first, narrowed by words,
    action, person and days."""
    _require_reader(request)
    form = RecordSearchForm(request.GET or None)
    events = records.event_search()
    if form.is_bound:
        events = (
            records.event_search(**form.criteria(zone_of(request)))
            if form.is_valid()
            else events.none()
        )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render_local(
        request, "archive/record_search.html", context, status=200 if not form.errors else 400
    )


@require_GET
def record_detail(request: HttpRequest, agency_slug: str, event_id: int) -> HttpResponse:
    """Show one event as it was recorded, the content it kept, and where it stands in
    the signed log; with ``?check=1``, check its proof on the server."""
    _require_reader(request)
    event = records.event_get(event_id=event_id)
    if event is None:
        raise Http404
    head = records.head_with(event)
    checked = (
        records.event_check(event=event, head=head) if head and request.GET.get("check") else None
    )
    context: dict[str, Any] = {
        "event": event,
        "head": head,
        "checked": checked,
        "kept": _kept_hashes(event.data),
        "recorded": json.dumps(event.data, indent=2, ensure_ascii=False, sort_keys=True),
    }
    return render_local(request, "archive/record_detail.html", context)


def _kept_hashes(data: Any) -> list[str]:
    """Return the hashes of kept content the event's data names (``content``,
    ``sha256``), in order, each once."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("content", "sha256") and isinstance(value, str) and len(value) == 64:
                found.append(value)
            else:
                found.extend(_kept_hashes(value))
    elif isinstance(data, list):
        for value in data:
            found.extend(_kept_hashes(value))
    return list(dict.fromkeys(found))


@require_GET
def record_content(request: HttpRequest, agency_slug: str, sha256: str) -> FileResponse:
    """Download content the agency's archive keeps, as it was kept."""
    _require_reader(request)
    opened = content_open(sha256=sha256)
    if opened is None:
        raise Http404
    file, row = opened
    answer = FileResponse(file, content_type=row.media_type, as_attachment=True, filename=sha256)
    answer["X-Content-Type-Options"] = "nosniff"
    return answer
