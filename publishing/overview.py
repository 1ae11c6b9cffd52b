"""What the overview shows of publishing: deliveries that failed or wait to be
confirmed and accounts that cannot publish, to those who write and run the accounts;
to everyone, what goes out today and this week and what went out last."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from itertools import groupby

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from govsocial.overview import Part, ahead, listing, needs
from publishing.models import AccountHealth, PostTarget, SocialAccount, TargetState
from publishing.selectors import calendar_schedule

# Who is shown what keeps posts from going out: those who write them and run the
# accounts.
_POSTERS = frozenset({Role.AUTHOR, Role.ADMIN})
# How far back a failed delivery is still news.
_FAILED_WITHIN = timedelta(days=7)
# How many of the week's posts the overview lists; the calendar has them all.
_WEEK_SHOWN = 20


def _posts_to_the_viewer(request: HttpRequest) -> bool:
    return bool(_POSTERS & set(request.membership.roles))  # type: ignore[attr-defined]


@needs(50)
def deliveries_in_trouble(request: HttpRequest) -> Part | None:
    """The deliveries that failed in the past week, and those the network has not
    confirmed yet, the latest first."""
    if not _posts_to_the_viewer(request):
        return None
    recent = timezone.now() - _FAILED_WITHIN
    targets = (
        PostTarget.objects.select_related("post", "account")
        .filter(
            Q(state=TargetState.FAILED, post__scheduled_at__gte=recent)
            | Q(state=TargetState.UNCONFIRMED)
        )
        .order_by("-post__scheduled_at", "-pk")
    )
    slug = request.agency.slug  # type: ignore[attr-defined]
    return listing(
        "overview/publishing_deliveries.html",
        "deliveries",
        targets,
        all_url=reverse("post_list", args=[slug]) + "?status=failed",
    )


@needs(60)
def accounts_in_trouble(request: HttpRequest) -> Part | None:
    """The accounts that need re-authorisation or are rate-limited."""
    if not _posts_to_the_viewer(request):
        return None
    troubled = [AccountHealth.NEEDS_REAUTHORISATION, AccountHealth.RATE_LIMITED]
    accounts = SocialAccount.objects.defer("access_token", "refresh_token").filter(
        health__in=troubled
    )
    return listing(
        "overview/publishing_accounts.html",
        "accounts",
        accounts.order_by("network", "handle"),
        all_url=reverse("account_list", args=[request.agency.slug]),  # type: ignore[attr-defined]
        admin=request.membership.has_role(Role.ADMIN),  # type: ignore[attr-defined]
    )


@ahead(10)
def this_week(request: HttpRequest) -> Part:
    """The posts scheduled from the start of today through the next six days, by day,
    each with its accounts and state."""
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time.min))
    posts = calendar_schedule(start=start, end=start + timedelta(days=7))
    days = [
        (day, list(posts_of_day))
        for day, posts_of_day in groupby(
            posts[:_WEEK_SHOWN], key=lambda post: timezone.localdate(post.scheduled_at)
        )
    ]
    calendar = reverse("calendar", args=[request.agency.slug])  # type: ignore[attr-defined]
    return Part(
        "overview/publishing_week.html",
        {
            "days": days,
            "today": today,
            "more": max(0, len(posts) - _WEEK_SHOWN),
            "week_url": f"{calendar}?view=week&date={today.isoformat()}",
        },
    )


@ahead(20)
def last_published(request: HttpRequest) -> Part | None:
    """The last deliveries that went out, with their addresses on the networks."""
    targets = (
        PostTarget.objects.select_related("post", "account")
        .filter(state=TargetState.PUBLISHED)
        .order_by("-published_at", "-pk")
    )
    return listing(
        "overview/publishing_published.html",
        "published",
        targets,
        all_url=reverse("post_list", args=[request.agency.slug]) + "?status=published",  # type: ignore[attr-defined]
        waiting=0,
    )
