"""Pages: the calendar of the agency's posts (month, week, list) with its filters, moving
a post to another day or time (dragged, or with a form), and the schedule's export."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from govsocial.errors import GovsocialError
from publishing import selectors, services
from publishing.calendar import LIST, MONTH, VIEWS, WEEK, CalendarPeriod, first_weekday
from publishing.forms import MoveForm, PostFilterForm
from publishing.models import Post, PostStatus
from publishing.schedule_export import schedule_csv, schedule_entries
from publishing.services.posts import COMPOSER_ROLES
from publishing.timezones import LocalTimeError, local_to_utc
from publishing.views.local import render_local, zone_of

# Posts the calendar lets their authors move: on the schedule, not on their way yet.
MOVABLE = frozenset({PostStatus.SCHEDULED, PostStatus.HELD})
# Query parameters that choose the period rather than filter the posts.
PERIOD_PARAMETERS = ("view", "date")


def may_compose(request: HttpRequest) -> bool:
    """Return whether the viewer writes and schedules posts (an author or an admin)."""
    membership = request.membership  # type: ignore[attr-defined]
    return bool(membership.is_active and set(membership.roles) & COMPOSER_ROLES)


def _period(request: HttpRequest) -> CalendarPeriod:
    """Return the period the query asks for (this month by default)."""
    view = request.GET.get("view", MONTH)
    try:
        anchor = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        anchor = timezone.localtime(timezone.now(), zone_of(request)).date()
    return CalendarPeriod.of(view if view in VIEWS else MONTH, anchor, first_weekday())


def _filters(request: HttpRequest) -> PostFilterForm:
    query = request.GET.copy()
    for name in PERIOD_PARAMETERS:
        query.pop(name, None)
    return PostFilterForm(
        query or None,
        accounts=list(selectors.social_account_list()),
        authors=selectors.post_authors(),
        campaigns=selectors.post_campaigns(),
    )


def _filter_query(request: HttpRequest) -> str:
    """Return the query's filters, kept when moving between periods and views."""
    query = request.GET.copy()
    for name in PERIOD_PARAMETERS:
        query.pop(name, None)
    return query.urlencode()


def _calendar_query(
    request: HttpRequest, period: CalendarPeriod, filters: PostFilterForm
) -> dict[str, Any] | None:
    """Return the period's bounds and the chosen filters as the calendar's selectors
    take them; None when a filter names nothing (no post matches it)."""
    chosen = filters.filters()
    if chosen is None:
        return None
    start, end = period.bounds(zone_of(request))
    return {"start": start, "end": end} | chosen


def _by_day(request: HttpRequest, posts: list[Post]) -> dict[date, list[Post]]:
    """Return the posts by the local day they go out on in the viewer's zone."""
    zone = zone_of(request)
    days: dict[date, list[Post]] = {}
    for post in posts:
        local_day = timezone.localtime(post.scheduled_at, zone).date()
        days.setdefault(local_day, []).append(post)
    return days


@require_GET
def calendar_page(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the agency's posts in a month, a week or a list, each at its time in the
    viewer's zone, filtered by account, status, author and campaign."""
    period = _period(request)
    filters = _filters(request)
    query = _calendar_query(request, period, filters)
    posts = [] if query is None else list(selectors.calendar_posts(**query))
    days = _by_day(request, posts)
    today = timezone.localtime(timezone.now(), zone_of(request)).date()
    movable = may_compose(request)

    def cell(day: date) -> dict[str, Any]:
        return {
            "day": day,
            "in_month": period.view != MONTH or day.month == period.month.month,
            "today": day == today,
            "posts": days.get(day, []),
        }

    context = {
        "period": period,
        "views": [(MONTH, _("Month")), (WEEK, _("Week")), (LIST, _("List"))],
        "weekdays": [cell["day"] for cell in map(cell, period.days()[:7])],
        "weeks": [[cell(day) for day in week] for week in period.weeks()],
        "list_days": [cell(day) for day in period.days() if day in days],
        "filters": filters,
        "filter_query": _filter_query(request),
        "keep": [("view", period.view), ("date", period.anchor.isoformat())],
        "today": today,
        "movable": MOVABLE if movable else frozenset(),
        "post_count": len(posts),
        "here": request.get_full_path(),
    }
    return render_local(request, "publishing/calendar.html", context)


@require_GET
def calendar_export(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Give the calendar's posts (its period and filters) as a CSV or JSON file, each
    time in UTC and in the viewer's zone."""
    period = _period(request)
    zone = zone_of(request)
    query = _calendar_query(request, period, _filters(request))
    entries = schedule_entries(
        [] if query is None else selectors.calendar_schedule(**query),
        zone=zone,
        post_url=lambda post_id: reverse(
            "post_detail", kwargs={"agency_slug": agency_slug, "post_id": post_id}
        ),
    )
    name = f"schedule-{agency_slug}-{period.first:%Y-%m-%d}-{period.last:%Y-%m-%d}"
    if request.GET.get("as") == "json":
        body = json.dumps(
            {
                "time_zone": zone.key,
                "from": period.first.isoformat(),
                "to": period.last.isoformat(),
                "posts": entries,
            },
            ensure_ascii=False,
            indent=2,
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    response = HttpResponse(schedule_csv(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# Moving a post ------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest, post: Post) -> str:
    """Return where to go after a move: the page the form came from, if it is ours."""
    back = request.POST.get("next") or request.GET.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return back
    return reverse("post_detail", kwargs={"agency_slug": post.agency.slug, "post_id": post.pk})


def _move(request: HttpRequest, post: Post, form: MoveForm) -> tuple[datetime | None, str, list]:
    """Move ``post`` to the form's local day and time (its own time of day when none
    is given); return the new time, or None with the refusal and the networks'
    problems."""
    zone = zone_of(request)
    day, at_time = form.cleaned_data["schedule_date"], form.cleaned_data["schedule_time"]
    if at_time is None:
        if post.scheduled_at is None:
            return None, _("Enter the time to publish at."), []
        # Dragged to another day: the same time of day there, whatever its UTC offset.
        at_time = timezone.localtime(post.scheduled_at, zone).time()
    try:
        at = local_to_utc(
            datetime.combine(day, at_time), zone, fold=form.cleaned_data["schedule_fold"]
        )
        services.post_schedule(post=post, actor=request.user, at=at)  # type: ignore[arg-type]
    except services.PostProblems as refused:
        return None, refused.message, refused.problems
    except LocalTimeError as error:
        form.fold_choices = error.choices  # type: ignore[attr-defined]
        return None, error.message, []
    except GovsocialError as error:
        return None, error.message, []
    return at, "", []


@require_http_methods(["GET", "POST"])
def post_move(request: HttpRequest, agency_slug: str, post_id: int) -> HttpResponse:
    """Move a post to another day or time through the scheduling rules. A calendar
    drag sends only the day (the post keeps its time of day) and reads the answer as
    JSON; the form does the same without a mouse or script."""
    post = selectors.post_get(post_id=post_id)
    if post is None:
        raise Http404
    zone = zone_of(request)
    local = timezone.localtime(post.scheduled_at, zone) if post.scheduled_at else None
    # As the browser's date and time inputs take them.
    initial = {}
    if local is not None:
        initial = {"schedule_date": local.date().isoformat(), "schedule_time": f"{local:%H:%M}"}
    form = MoveForm(request.POST if request.method == "POST" else None, initial=initial)
    context: dict[str, Any] = {"post": post, "form": form, "next": _back(request, post)}
    if request.method == "GET":
        return render_local(request, "publishing/post_move.html", context)
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": message}, status=400)
        return render_local(request, "publishing/post_move.html", context, status=400)
    at, refusal, problems = _move(request, post, form)
    if at is None:
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": refusal, "problems": problems}, status=400)
        form.add_error(None, refusal)
        context["fold_choices"] = getattr(form, "fold_choices", ())
        return render_local(request, "publishing/post_move.html", context, status=400)
    moved = timezone.localtime(at, zone)
    message = _("Moved to %(when)s (%(zone)s).") % {
        "when": formats.date_format(moved, "DATETIME_FORMAT"),
        "zone": zone.key,
    }
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message": message,
                "at": at.isoformat(),
                "local": moved.isoformat(),
                "date": moved.date().isoformat(),
                "time": formats.time_format(moved, "TIME_FORMAT"),
            }
        )
    messages.success(request, message)
    return redirect(_back(request, post))
