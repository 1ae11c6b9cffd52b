"""Pages: the calendar of the agency's posts (month, week, list) with its filters, moving
a post to another day or time (dragged, or with a form), and the schedule's export."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from html import escape
from typing import Any, NamedTuple
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.cache import caches
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import conditional_escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from govsocial.errors import GovsocialError, form_problems
from govsocial.timezones import LocalTimeError, clock_labels, local_to_utc, render_local, zone_of
from publishing import selectors, services
from publishing.calendar import (
    LIST,
    MONTH,
    VIEWS,
    WEEK,
    CalendarPeriod,
    first_weekday,
    hours_shown,
)
from publishing.forms import MoveForm, PostFilterForm, PostsActionForm
from publishing.models import (
    NETWORK_CHOICES,
    Post,
    PostStatus,
    is_overdue,
    overdue_or_status_label,
)
from publishing.schedule_export import post_urls, schedule_csv, schedule_entries
from publishing.selectors import ScheduledPost
from publishing.services.posts import COMPOSER_ROLES

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
        choices=selectors.post_filter_choices(),
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


# The longest summary of a post's text a card shows, and of the text its preview shows.
SUMMARY_LENGTH = 60
PREVIEW_LENGTH = 500
NETWORK_NAMES = dict(NETWORK_CHOICES)
# The states a card makes stand out, by the class that marks them: the post will not
# go out as planned unless someone acts.
ATTENTION = {PostStatus.FAILED: "failed", PostStatus.HELD: "held"}


class CalendarEntry(NamedTuple):
    """A post as the calendar page shows it, with what the page says of it worked out
    once here: a month shows a hundred posts or more, and the template language cost
    several times more per post than the rest of the page (a tuple: a frozen dataclass
    took nearly three times as long to make)."""

    id: int
    # When it goes out in the viewer's zone: ISO 8601, and as the viewer's language
    # writes a time; the local hour places it in the week's time grid.
    time_iso: str
    time_label: str
    hour: int
    summary: str
    # The text as the card's preview shows it (cut when very long).
    preview: str
    status: str
    status_label: str
    # Waiting for approval, or approved, past its time: it will not go out by itself.
    overdue: bool
    # "overdue", "failed", "held" or "": what makes the card stand out.
    attention: str
    # The networks it goes to, each once (its value and its name), for their marks.
    networks: tuple[tuple[str, str], ...]
    accounts: str
    author: str
    url: str
    # Where dragging or the "Move to…" link moves it; "" when the viewer may not.
    move_url: str


def summary(text: str, length: int = SUMMARY_LENGTH) -> str:
    """Return the start of a post's text, cut with an ellipsis when longer than
    ``length``."""
    if not text:
        return _("(no text)")
    return text if len(text) <= length else text[: length - 1] + "…"


@dataclass(frozen=True)
class _Words:
    """What every entry of a page says alike, translated once for the page: the
    networks' names, "by …", each state's label (past its time or not), and times of
    day."""

    networks: dict[str, str]
    by: str
    labels: dict[tuple[str, bool], str]
    clock: Callable[[datetime | time], str]

    @classmethod
    def now(cls) -> _Words:
        networks = {network: str(name) for network, name in NETWORK_NAMES.items()}
        return cls(networks=networks, by=_("by %(name)s"), labels={}, clock=clock_labels())

    def label(self, status: str, overdue: bool) -> str:
        if (status, overdue) not in self.labels:
            self.labels[status, overdue] = overdue_or_status_label(status, overdue)
        return self.labels[status, overdue]


def _entry(
    post: ScheduledPost, zone: ZoneInfo, words: _Words, detail_url: str, move_url: str
) -> tuple[date, CalendarEntry]:
    """Return the local day ``post`` goes out on and the post as the page shows it."""
    local = timezone.localtime(post.scheduled_at, zone)
    overdue = is_overdue(post.status, post.scheduled_at)
    networks = dict.fromkeys(network for _, network, _ in post.accounts)
    return local.date(), CalendarEntry(
        id=post.id,
        time_iso=local.isoformat(),
        time_label=words.clock(local),
        hour=local.hour,
        summary=summary(post.text),
        preview=summary(post.text, PREVIEW_LENGTH),
        status=post.status,
        status_label=words.label(post.status, overdue),
        overdue=overdue,
        attention="overdue" if overdue else ATTENTION.get(PostStatus(post.status), ""),
        networks=tuple((network, words.networks[network]) for network in networks),
        accounts=", ".join(
            f"{handle} ({words.networks[network]})" for _, network, handle in post.accounts
        ),
        author=words.by % {"name": post.author_name},
        url=detail_url,
        move_url=move_url,
    )


def _entries_by_day(
    request: HttpRequest, posts: list[ScheduledPost], movable: bool
) -> dict[date, list[CalendarEntry]]:
    """Return the posts as the page shows them, by the local day they go out on in
    the viewer's zone."""
    zone, words = zone_of(request), _Words.now()
    slug = request.agency.slug  # type: ignore[attr-defined]
    detail_url, move_url = post_urls("post_detail", slug), post_urls("post_move", slug)
    days: dict[date, list[CalendarEntry]] = {}
    for post in posts:
        may_move = movable and post.status in MOVABLE
        day, entry = _entry(
            post, zone, words, detail_url(post.id), move_url(post.id) if may_move else ""
        )
        days.setdefault(day, []).append(entry)
    return days


class _Escaped(dict[str, str]):
    """Each value escaped once for the page: cards say the same states, networks,
    accounts and authors again and again."""

    def __missing__(self, value: str) -> str:
        self[value] = escape(value)
        return self[value]


def _card(
    entry: CalendarEntry, *, back: str, move_label: str, tick: str, escaped: _Escaped
) -> SafeString:
    """Return ``entry``'s card as the page shows it: its time, its networks' marks, its
    summary linking to the post, its state, its "Move to…" link (back to ``back``, the
    page's address, quoted) when it may be moved, ``tick`` (its box in the list, "" in
    the month and week) and its preview.

    Written here rather than in a template, and escaped with the standard library's
    ``html.escape`` (every value, as the template language would; those the page repeats
    through ``escaped``) rather than through ``format_html``: a month holds a hundred
    cards or more, and the template language, then ``format_html``'s escaping of each
    value, cost most of the page's time."""
    marks = "".join(
        f'<span class="govsocial-network govsocial-network--{escaped[network]}" role="img"'
        f' aria-label="{escaped[name]}"></span>'
        for network, name in entry.networks
    )
    summary_html = escape(entry.summary)
    classes = f" govsocial-calendar__post--{escaped[entry.attention]}" if entry.attention else ""
    dragging = moving = ""
    if entry.move_url:
        move_url = escape(entry.move_url)
        dragging = f' draggable="true" data-move-url="{move_url}"'
        moving = (
            f'<a class="usa-link govsocial-calendar__move" href="{move_url}?next={escaped[back]}">'
            f'{escaped[move_label]}<span class="usa-sr-only"> {summary_html}</span></a>'
        )
    # The preview says the summary again only to the eye.
    same = (
        ' govsocial-calendar__text--same" aria-hidden="true'
        if entry.preview == entry.summary
        else ""
    )
    overdue = " govsocial-status--overdue" if entry.overdue else ""
    card = (
        f'<li class="govsocial-calendar__post{classes}" id="calendar-post-{entry.id}"{dragging}>'
        f"{conditional_escape(tick)}"
        f'<time datetime="{escape(entry.time_iso)}">{escaped[entry.time_label]}</time>'
        f'<span class="govsocial-calendar__networks">{marks}</span>'
        f'<a class="usa-link govsocial-calendar__summary" href="{escape(entry.url)}">'
        f"{summary_html}</a>"
        f'<span class="usa-tag govsocial-status'
        f' govsocial-status--{escaped[entry.status]}{overdue}">'
        f"{escaped[entry.status_label]}</span>{moving}"
        f'<div class="govsocial-calendar__preview">'
        f'<p class="govsocial-calendar__text{same}">{escape(entry.preview)}</p>'
        f'<p class="govsocial-calendar__accounts">{escaped[entry.accounts]}</p>'
        f'<p class="govsocial-calendar__author">{escaped[entry.author]}</p></div></li>'
    )
    # Every value in it is escaped above.
    return mark_safe(card)  # noqa: S308  # nosec B308 B703


def _cards(
    request: HttpRequest, days: dict[date, list[CalendarEntry]], choosing: bool
) -> dict[int, SafeString]:
    """Return each entry's card by its id (``_card``); in the list, with its box to
    tick it."""
    back = quote(request.get_full_path(), safe="/")
    move_label = _("Move to…")
    escaped = _Escaped()
    cards = {}
    for entries in days.values():
        for entry in entries:
            tick = ""
            if choosing:
                tick = render_to_string(
                    "publishing/post_tick.html", {"id": entry.id, "summary": entry.summary}
                )
            cards[entry.id] = _card(
                entry, back=back, move_label=move_label, tick=tick, escaped=escaped
            )
    return cards


def _month_weeks(
    period: CalendarPeriod,
    days: dict[date, list[CalendarEntry]],
    cards: dict[int, SafeString],
    today: date,
) -> SafeString:
    """Return the month's weeks as the table's rows: a cell per day with its date (the
    month's name said to screen readers, today's marked, days of the months around it
    set apart) and the cards of the posts that go out on it. Written here for the reason
    the cards are (``_card``): the template language cost a millisecond or more a page
    for the grid's six weeks alone."""
    today_word = escape(_("Today"))
    today_tag = f' <span class="usa-tag">{today_word}</span>'
    month_names: dict[int, str] = {}
    rows = []
    for week in period.weeks():
        cells = []
        for day in week:
            if day.month not in month_names:
                month_names[day.month] = escape(formats.date_format(day, "F"))
            classes = "govsocial-calendar__day"
            if day.month != period.month.month:
                classes += " govsocial-calendar__day--outside"
            if day == today:
                classes += " govsocial-calendar__day--today"
            iso = day.isoformat()
            posts = "".join(cards[entry.id] for entry in days.get(day, []))
            cells.append(
                f'<td class="{classes}" data-date="{iso}"><div class="govsocial-calendar__date">'
                f'<time datetime="{iso}">{day.day}<span class="usa-sr-only">'
                f" {month_names[day.month]}</span></time>{today_tag if day == today else ''}"
                '</div><ul class="usa-list usa-list--unstyled govsocial-calendar__posts">'
                f"{posts}</ul></td>"
            )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    # Every value in it is escaped above, or a card (escaped by ``_card``).
    return mark_safe("\n".join(rows))  # noqa: S308  # nosec B308 B703


def _time_grid(
    period: CalendarPeriod,
    days: dict[date, list[CalendarEntry]],
    cards: dict[int, SafeString],
    today: date,
) -> list[dict[str, Any]]:
    """Return the week's time grid: a row per local hour shown, with the hour's label
    and, for each day of the week, its date (today's marked) and the cards of the posts
    that go out in that hour."""
    shown = period.days()
    hours = hours_shown(entry.hour for day in shown for entry in days.get(day, []))
    label = clock_labels()
    return [
        {
            "hour": hour,
            "label": label(time(hour)),
            "cells": [
                {
                    "iso": day.isoformat(),
                    "today": day == today,
                    "posts": [cards[e.id] for e in days.get(day, []) if e.hour == hour],
                }
                for day in shown
            ],
        }
        for hour in hours
    ]


class _Shown(NamedTuple):
    """What a calendar page shows of its posts: their count, whether they are ticked
    to act on several at once (in the list), and the month's weeks, the list's days or
    the week's time grid (the one of its view)."""

    post_count: int
    choosing: bool
    weeks: str
    list_days: list[dict[str, Any]]
    hours: list[dict[str, Any]]
    # What all of it depends on (``_shown_key``): the page keeps what it writes around
    # the posts under it too.
    key: str


def _shown_key(
    request: HttpRequest, period: CalendarPeriod, version: str, movable: bool, today: date
) -> str:
    """Return what tells apart two showings of posts whose version is ``version``: the
    posts themselves and which of them are overdue (``selectors.calendar_version``), the
    period, the viewer's zone, language and right to move posts, the page's address
    (the cards link back to it) and the day it is."""
    parts = (
        version,
        period,
        zone_of(request).key,
        get_language(),
        movable,
        request.get_full_path(),
        today,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _shown(
    request: HttpRequest,
    period: CalendarPeriod,
    posts: list[ScheduledPost],
    movable: bool,
    today: date,
    key: str,
) -> _Shown:
    """Return what the page shows of ``posts``, which ``key`` tells apart."""
    days = _entries_by_day(request, posts, movable)
    # The list's posts are ticked to act on several at once.
    choosing = movable and period.view == LIST and bool(posts)
    cards = _cards(request, days, choosing)
    return _Shown(
        post_count=len(posts),
        choosing=choosing,
        weeks=_month_weeks(period, days, cards, today) if period.view == MONTH else "",
        list_days=[
            {
                "day": day,
                "iso": day.isoformat(),
                "today": day == today,
                "posts": [cards[entry.id] for entry in days[day]],
            }
            for day in period.days()
            if day in days and period.view == LIST
        ],
        hours=_time_grid(period, days, cards, today) if period.view == WEEK else [],
        key=key,
    )


def _shown_again(
    request: HttpRequest,
    period: CalendarPeriod,
    query: dict[str, Any],
    movable: bool,
    today: date,
) -> _Shown:
    """Return what the page shows of the posts ``query`` reads, as this process last
    wrote it when nothing it depends on has changed since (``_shown_key``), the posts'
    version read without them. Reading and writing a month's posts cost more than the
    rest of the page; most views of a month show what the last one did."""
    now = timezone.now()
    calendars = caches["calendars"]
    key = _shown_key(request, period, selectors.calendar_version(**query, now=now), movable, today)
    shown = calendars.get(key)
    if shown is None:
        posts, version = selectors.calendar_schedule_versioned(**query, now=now)
        key = _shown_key(request, period, version, movable, today)
        shown = _shown(request, period, posts, movable, today, key)
        calendars.set(key, shown)
    return shown


@require_GET
def calendar_page(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the agency's posts in a month, a week or a list, each at its time in the
    viewer's zone, filtered by words in their text, account, status, author and
    campaign; in the list, authors tick posts to act on several at once."""
    period = _period(request)
    filters = _filters(request)
    query = _calendar_query(request, period, filters)
    movable = may_compose(request)
    today = timezone.localtime(timezone.now(), zone_of(request)).date()
    if query is None:
        # No post matches: a version no reading of posts has.
        key = _shown_key(request, period, "", movable, today)
        shown = _shown(request, period, [], movable, today, key)
    else:
        shown = _shown_again(request, period, query, movable, today)
    context = {
        "period": period,
        "views": [(MONTH, _("Month")), (WEEK, _("Week")), (LIST, _("List"))],
        "weekdays": period.days()[:7],
        "weeks": shown.weeks,
        "list_days": shown.list_days,
        "hours": shown.hours,
        "filters": filters,
        "filter_query": _filter_query(request),
        "keep": [("view", period.view), ("date", period.anchor.isoformat())],
        "today": today,
        "movable": movable,
        "choosing": shown.choosing,
        "action_form": PostsActionForm() if shown.choosing else None,
        "post_count": shown.post_count,
        "shown_key": shown.key,
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
        agency_slug=agency_slug,
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


def back_to(request: HttpRequest, default: str) -> str:
    """Return where to go after acting from a page: the page the form came from, if it
    is ours, else ``default``."""
    back = request.POST.get("next") or request.GET.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return back
    return default


def move(request: HttpRequest, post: Post, form: MoveForm) -> tuple[datetime | None, str, list]:
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
    """Move a post to another day or time through the scheduling rules. A drag in the
    month sends only the day (the post keeps its time of day), a drag in the week's
    time grid the day and the time (the hour dropped on, the post's own minutes), both
    in the viewer's zone, and reads the answer as JSON; the form does the same without
    a mouse or script."""
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
    detail = reverse("post_detail", kwargs={"agency_slug": agency_slug, "post_id": post.pk})
    context: dict[str, Any] = {"post": post, "form": form, "next": back_to(request, detail)}
    if request.method == "GET":
        return render_local(request, "publishing/post_move.html", context)
    if not form.is_valid():
        message = form_problems(form)
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": message}, status=400)
        return render_local(request, "publishing/post_move.html", context, status=400)
    at, refusal, problems = move(request, post, form)
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
                "time": clock_labels()(moved),
            }
        )
    messages.success(request, message)
    return redirect(context["next"])
