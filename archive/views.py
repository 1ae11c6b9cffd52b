"""The archive's pages: the public keys its heads are signed with; and, for the
agency's records officers and admins, the *Records* section, where they search the
agency's archive, read one record with its proof, handle records requests and export
and download their packages."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archive import exports, holds, records, redaction, requests, retention, signing, subjects
from archive.archiver import archiver_of, archiver_set
from archive.forms import (
    DispositionReviewForm,
    HoldForm,
    HoldLiftForm,
    HolidayForm,
    RecordSearchForm,
    RecordsRequestForm,
    RedactionForm,
    SaveSearchForm,
    ScheduleForm,
)
from archive.models import (
    PERSONAL_KINDS,
    Disposition,
    DispositionState,
    ExportPackage,
    Holiday,
    LegalHold,
    PackageStatus,
    RecordsRequest,
    RedactionReason,
    RequestKind,
    RequestStatus,
)
from archive.responses import content_response, package_response
from govsocial.errors import GovsocialError, form_problems
from govsocial.timezones import render_local, zone_of

PAGE_SIZE = 50
# The most dispositions the retention page lists, newest first.
DISPOSITIONS_SHOWN = 50


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
    action, person and days. The page shows the first events found at once and counts
    them after: asked again with ``count``, the count alone (the page's script) or the
    page with it (without script)."""
    _require_reader(request)
    form = RecordSearchForm(request.GET or None)
    criteria: dict[str, Any] | None = {}
    if form.is_bound:
        criteria = form.criteria(zone_of(request)) if form.is_valid() else None
    pages = records.FoundPages(criteria, PAGE_SIZE)
    counting = "count" in request.GET
    context: dict[str, Any] = {
        "counted_at_most": number_format(records.COUNTED_AT_MOST, force_grouping=True)
    }
    if counting and request.headers.get("HX-Request"):
        response = render_local(request, "archive/record_count.html", context | {"pages": pages})
    else:
        query, counted = request.GET.copy(), request.GET.copy()
        query.pop("page", None)
        query.pop("count", None)
        counted["count"] = "1"
        open_requests = list(RecordsRequest.objects.filter(status=RequestStatus.OPEN))
        context |= {
            "form": form,
            "page": pages.get_page(request.GET.get("page")),
            "counting": counting,
            "query": query.urlencode(),
            "count_query": counted.urlencode(),
            "save_form": SaveSearchForm(requests=open_requests) if open_requests else None,
        }
        status = 200 if not form.errors else 400
        response = render_local(request, "archive/record_search.html", context, status=status)
    # With ``count``, one address gives the count alone or the page with it.
    patch_vary_headers(response, ["HX-Request"])
    return response


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
        "kept": records.kept_of(event.data),
        **records.event_context(event=event),
        "recorded": json.dumps(event.data, indent=2, ensure_ascii=False, sort_keys=True),
    }
    return render_local(request, "archive/record_detail.html", context)


@require_GET
def record_content(request: HttpRequest, agency_slug: str, sha256: str) -> FileResponse:
    """Download content the agency's archive keeps, as it was kept."""
    _require_reader(request)
    return content_response(sha256=sha256, filename=sha256)


def _criteria(data: Any) -> dict[str, str]:
    """Return the search criteria a form sent (the search form's fields)."""
    return {name: str(data.get(name, "")).strip()[:200] for name in RecordSearchForm.base_fields}


@require_POST
def record_search_save(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Keep the search shown on an open request; go to the request."""
    _require_reader(request)
    open_requests = list(RecordsRequest.objects.filter(status=RequestStatus.OPEN))
    form = SaveSearchForm(request.POST, requests=open_requests)
    search_url = reverse("record_search", args=[agency_slug])
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect(search_url)
    chosen = next(one for one in open_requests if one.pk == form.cleaned_data["request"])
    try:
        requests.search_save(
            request=chosen,
            actor=request.user,
            person=request.user,
            name=form.cleaned_data["name"],
            criteria=_criteria(request.POST),
        )
    except GovsocialError as error:
        messages.error(request, error.message)
        return redirect(search_url)
    messages.success(request, _("The search is saved on the request."))
    return redirect("records_request", agency_slug=agency_slug, request_id=chosen.pk)


@require_http_methods(["GET", "POST"])
def records_requests(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """List the agency's records requests, those due first, the overdue said so; open
    a new one; keep the holidays its deadlines leave out."""
    _require_reader(request)
    opening = RecordsRequestForm(request.POST if "requester" in request.POST else None)
    holiday = HolidayForm(request.POST if "day" in request.POST else None)
    code = 200
    if request.method == "POST":
        done = _kept(request, opening, holiday)
        if done is not None:
            return done
        code = 400
    context = {
        "requests": RecordsRequest.objects.select_related("opened_by").order_by(
            "-status", "due_on", "id"
        ),
        "holidays": Holiday.objects.order_by("day"),
        "form": opening,
        "holiday_form": holiday,
        "today": timezone.localdate(),
    }
    return render_local(request, "archive/records_requests.html", context, status=code)


def _kept(request: HttpRequest, opening: Form, holiday: Form) -> HttpResponse | None:
    """Apply the form sent (a new request, a holiday added or removed); return where
    to go next, or None to show the forms' errors."""
    agency, actor = request.agency, request.user  # type: ignore[attr-defined]
    form = opening if opening.is_bound else holiday
    try:
        if "remove" in request.POST:
            asked = request.POST.get("remove", "")
            found = Holiday.objects.filter(pk=int(asked)).first() if asked.isdigit() else None
            if found is None:
                raise Http404
            requests.holiday_remove(holiday=found, actor=actor)
            messages.success(request, _("The holiday is removed."))
            return redirect(request.path)
        if not form.is_bound or not form.is_valid():
            return None
        if form is opening:
            made = requests.request_open(
                agency=agency, actor=actor, person=actor, **form.cleaned_data
            )
            messages.success(
                request,
                _("Request %(number)s is opened.") % {"number": made.number},
            )
            return redirect("records_request", agency_slug=agency.slug, request_id=made.pk)
        requests.holiday_add(agency=agency, actor=actor, **form.cleaned_data)
        messages.success(request, _("The holiday is added."))
        return redirect(request.path)
    except GovsocialError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return None


def _request_of(request: HttpRequest, request_id: int) -> RecordsRequest:
    _require_reader(request)
    found = RecordsRequest.objects.select_related("opened_by").filter(pk=request_id).first()
    if found is None:
        raise Http404
    return found


@require_http_methods(["GET", "POST"])
def records_request(request: HttpRequest, agency_slug: str, request_id: int) -> HttpResponse:
    """Show one records request with the searches saved on it, its packages, the legal
    holds on its searches and, for an erasure request, what erasing would do or did (for
    a restriction request, whether its restriction stands);
    mark it answered or withdrawn, or open it again; ask for a package of what its
    searches find; hold what one of them finds; carry out the erasure; restrict the
    processing of what the searches find, or lift that restriction."""
    found = _request_of(request, request_id)
    saved = list(found.searches.select_related("saved_by").order_by("saved_at", "id"))
    hold_form = HoldForm(request.POST if "hold" in request.POST else None, searches=saved)
    if request.method == "POST" and (not hold_form.is_bound or hold_form.is_valid()):
        try:
            done = _request_changed(request, found, hold_form)
        except GovsocialError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
        return redirect(request.path)
    context = {
        "found": found,
        "searches": [(search, _search_query(search.criteria)) for search in saved],
        "holds": holds.holds_shown(LegalHold.objects.filter(search__request=found)),
        "hold_form": hold_form,
        "erasure": subjects.erasure_shown(request=found),
        "restriction": subjects.restriction_standing(request=found),
        "objection_refused": subjects.objection_refused(request=found),
        "extendable": (
            found.kind in PERSONAL_KINDS
            and found.status == RequestStatus.OPEN
            and not found.extension_reason
            and found.due_on >= timezone.localdate()
        ),
        "today": timezone.localdate(),
        **_packages_context(found),
    }
    return render_local(
        request, "archive/records_request.html", context, status=400 if hold_form.errors else 200
    )


def _request_changed(request: HttpRequest, found: RecordsRequest, hold_form: Form) -> str:
    """Apply what was sent about a request; return what to tell."""
    if hold_form.is_bound:
        holds.hold_place(
            search=found.searches.get(pk=hold_form.cleaned_data["search"]),
            actor=request.user,
            person=request.user,
            reason=hold_form.cleaned_data["reason"],
        )
        return _("What the search finds is held: none of it can be erased or disposed of "
                 "until the hold is lifted.")  # fmt: skip
    if "erase" in request.POST:
        outcome = subjects.erasure_carry_out(request=found, actor=request.user)  # type: ignore[arg-type]
        return _("The erasure is carried out: %(erased)s records erased; the request is "
                 "answered.") % {"erased": sum(row.erased for row in outcome)}  # fmt: skip
    if "restrict" in request.POST:
        count = subjects.restriction_apply(request=found, actor=request.user)  # type: ignore[arg-type]
        return _("The processing is restricted (%(count)s items); the request is "
                 "answered.") % {"count": count}  # fmt: skip
    if "lift_restriction" in request.POST:
        subjects.restriction_lift(
            request=found,
            actor=request.user,  # type: ignore[arg-type]
            reason=request.POST.get("reason", "")[:2000],
        )
        return _("The restriction is lifted.")
    if "extend" in request.POST:
        requests.request_extend(
            request=found, actor=request.user, reason=request.POST.get("reason", "")
        )
        return _("The request is due two months later: tell the person why, before the "
                 "month is out.")  # fmt: skip
    if "refuse_objection" in request.POST:
        subjects.objection_refuse(
            request=found,
            actor=request.user,  # type: ignore[arg-type]
            grounds=request.POST.get("grounds", ""),
        )
        return _("The objection is refused for the grounds given; the request is answered.")
    if "export" in request.POST:
        exports.package_start(
            request=found,
            actor=request.user,  # type: ignore[arg-type]
            person=request.user,
            time_zone=zone_of(request).key,
            language=get_language(),
        )
        return _("The package is being built: this page shows its progress, and you"
                 " will be emailed when it is ready.")  # fmt: skip
    requests.request_status_set(
        request=found, actor=request.user, status=request.POST.get("status", "")
    )
    return _("The request's status is changed.")


@require_GET
def records_holds(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """List the agency's legal holds, standing ones first: what each holds, who placed
    it and why, and who lifted it and why."""
    _require_reader(request)
    shown = holds.holds_shown(LegalHold.objects.all())
    return render_local(request, "archive/records_holds.html", {"holds": shown})


@require_POST
def records_hold_lift(request: HttpRequest, agency_slug: str, hold_id: int) -> HttpResponse:
    """Lift a standing legal hold, with the reason."""
    _require_reader(request)
    hold = LegalHold.objects.select_related("search__request").filter(pk=hold_id).first()
    if hold is None:
        raise Http404
    form = HoldLiftForm(request.POST)
    try:
        if not form.is_valid():
            # Missing or too long: the form says which.
            raise GovsocialError(str(form.errors["reason"][0]))
        holds.hold_lift(
            hold=hold, actor=request.user, person=request.user, reason=form.cleaned_data["reason"]
        )
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The hold is lifted."))
    return redirect("records_holds", agency_slug=agency_slug)


@require_http_methods(["GET", "POST"])
def records_redaction(request: HttpRequest, agency_slug: str, request_id: int) -> HttpResponse:
    """The redaction workbench of a request: what its released copies keep out and why,
    suggestions of personal data in what its searches find (for a person's access
    request, every third party redacted at once), the images they show to mark areas
    of; redact, take a redaction back, or ask for a released copy."""
    found = _request_of(request, request_id)
    form = RedactionForm(request.POST if "mark" in request.POST else None)
    if request.method == "POST" and (not form.is_bound or form.is_valid()):
        try:
            done = _redaction_changed(request, found, form)
        except GovsocialError as error:
            if not form.is_bound:
                messages.error(request, error.message)
                return redirect(request.path)
            # An area's problems are the form's: its four numbers say it together.
            shown_on = error.field if error.field in ("words", "reason") else None
            form.add_error(shown_on, error.message)
        else:
            messages.success(request, done)
            return redirect(request.path)
    shown = redaction.review(found, read=redaction.SUGGESTIONS_READ)
    context = {
        "found": found,
        "form": form,
        "redactions": found.redactions.select_related("marked_by"),
        "suggestions": shown.suggestions,
        "images": shown.images,
        "access": found.kind == RequestKind.PERSONAL_DATA,
        "reasons": RedactionReason.choices,
        "suggested_reason": (
            RedactionReason.OTHERS_DATA
            if found.kind == RequestKind.PERSONAL_DATA
            else RedactionReason.FOIA_PRIVACY
        ),
        "read": redaction.SUGGESTIONS_READ,
    }
    return render_local(
        request, "archive/records_redaction.html", context, status=400 if form.errors else 200
    )


def _redaction_changed(request: HttpRequest, found: RecordsRequest, form: RedactionForm) -> str:
    """Apply what was sent on the workbench; return what to tell."""
    actor: Any = request.user
    if form.is_bound:
        redaction.redaction_mark(
            request=found,
            actor=actor,
            person=actor,
            reason=form.cleaned_data["reason"],
            words=form.cleaned_data["words"],
            image=form.cleaned_data["image"],
            area=form.area(),
        )
        return _("Redacted in the released copies asked for from now on.")
    if "remove" in request.POST:
        marked = found.redactions.filter(pk=request.POST["remove"]).first()
        if marked is None:
            raise GovsocialError(_("That redaction is gone already."))
        redaction.redaction_remove(redaction=marked, actor=actor)
        return _("The redaction is taken back.")
    if "third_parties" in request.POST:
        count = redaction.third_parties_mark(request=found, actor=actor, person=actor)
        return ngettext(
            "%(count)d third party is redacted.", "%(count)d third parties are redacted.", count
        ) % {"count": count}
    exports.package_start(
        request=found,
        actor=actor,
        person=actor,
        time_zone=zone_of(request).key,
        language=get_language(),
        released=True,
    )
    return _("The released copy is being built: the request's page shows its progress, and"
             " you will be emailed when it is ready.")  # fmt: skip


def _packages_context(found: RecordsRequest) -> dict[str, Any]:
    packages = exports.packages_of(found)
    building = any(progress is not None or package.status == PackageStatus.QUEUED
                   for package, progress in packages)  # fmt: skip
    return {"found": found, "packages": packages, "building": building}


@require_GET
def records_request_packages(
    request: HttpRequest, agency_slug: str, request_id: int
) -> HttpResponse:
    """Show a request's packages and the progress of the one being built (the request's
    page asks for it again every few seconds while one is)."""
    found = _request_of(request, request_id)
    return render_local(request, "archive/records_packages.html", _packages_context(found))


@require_GET
def records_package_download(
    request: HttpRequest, agency_slug: str, package_id: int
) -> HttpResponseBase:
    """Download a ready package, recorded; refuse one past its time."""
    _require_reader(request)
    package = ExportPackage.objects.select_related("request").filter(pk=package_id).first()
    if package is None:
        raise Http404
    try:
        return package_response(package=package, actor=request.user)  # type: ignore[arg-type]
    except GovsocialError as error:
        messages.error(request, error.message)
        return redirect("records_request", agency_slug=agency_slug, request_id=package.request_id)


def _search_query(criteria: dict[str, str]) -> str:
    """Return the query string that runs a saved search again."""
    query = QueryDict(mutable=True)
    query.update(criteria)
    return query.urlencode()


def _dispositions_context() -> dict[str, Any]:
    shown = list(
        Disposition.objects.select_related("reviewed_by").order_by("-proposed_at", "-id")[
            :DISPOSITIONS_SHOWN
        ]
    )
    return {
        "dispositions": shown,
        "running": any(d.state == DispositionState.RUNNING for d in shown),
    }


@require_GET
def records_retention(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show how long each series of records is kept (its admins change it), the outside
    archiver and the dispositions, for the records officers to review and run."""
    _require_reader(request)
    context = {
        "archiver": archiver_of(),
        "schedules": retention.schedules(),
        "is_admin": request.membership.has_role("admin"),  # type: ignore[attr-defined]
        "longest_days": retention.LONGEST_DAYS,
        **_dispositions_context(),
    }
    return render_local(request, "archive/records_retention.html", context)


@require_GET
def records_dispositions(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the dispositions and how far a running one is (the retention page asks for
    it again every few seconds while one runs)."""
    _require_reader(request)
    return render_local(request, "archive/records_dispositions.html", _dispositions_context())


@require_POST
def records_schedule_set(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Change how long a series is kept (blank: for good); admins only."""
    _require_reader(request)
    if not request.membership.has_role("admin"):  # type: ignore[attr-defined]
        raise PermissionDenied(_("Only the agency's admins change how long records are kept."))
    form = ScheduleForm(request.POST)
    try:
        if not form.is_valid():
            raise GovsocialError(form_problems(form))
        retention.schedule_set(
            agency=request.agency,  # type: ignore[attr-defined]
            actor=request.user,  # type: ignore[arg-type]
            person=request.user,
            series=form.cleaned_data["series"],
            keep_days=form.cleaned_data["keep_days"],
        )
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The schedule is changed."))
    return redirect("records_retention", agency_slug=agency_slug)


@require_POST
def records_disposition_review(
    request: HttpRequest, agency_slug: str, disposition_id: int
) -> HttpResponse:
    """Run a proposed disposition after review, or cancel it with the reason."""
    _require_reader(request)
    disposition = Disposition.objects.filter(pk=disposition_id).first()
    if disposition is None:
        raise Http404
    form = DispositionReviewForm(request.POST)
    try:
        if not form.is_valid():
            raise GovsocialError(form_problems(form))
        review, done = (
            (retention.disposition_approve, _("The disposition runs: this page shows how far."))
            if form.cleaned_data["decision"] == "run"
            else (retention.disposition_cancel, _("The disposition is cancelled."))
        )
        review(
            disposition=disposition,
            actor=request.user,  # type: ignore[arg-type]
            person=request.user,
            note=form.cleaned_data["note"],
        )
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("records_retention", agency_slug=agency_slug)


@require_POST
def records_archiver_set(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Name the agency's outside archiving service and turn its monthly copies on or
    off; admins only."""
    _require_reader(request)
    if not request.membership.has_role("admin"):  # type: ignore[attr-defined]
        raise PermissionDenied(_("Only the agency's admins choose an outside archiver."))
    try:
        archiver_set(
            agency=request.agency,  # type: ignore[attr-defined]
            actor=request.user,  # type: ignore[arg-type]
            person=request.user,
            name=request.POST.get("name", "")[:200],
            active=bool(request.POST.get("active")),
        )
    except GovsocialError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The outside archiver is saved."))
    return redirect("records_retention", agency_slug=agency_slug)
