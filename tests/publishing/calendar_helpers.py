"""What the calendar's tests share: accounts, posts scheduled through the services, the
daylight-saving dates of next year in Toronto, and reading a day's cell of a page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import Agency, User
from govsocial.tenancy import agency_scope
from publishing import services
from publishing.models import Post, SocialAccount
from publishing.networks.base import Network
from tests.factories import social_account_for


def sunday(year: int, month: int, nth: int) -> date:
    """Return the ``nth`` Sunday of the month."""
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))


NEXT_YEAR = timezone.now().year + 1
# Toronto's clocks go forward at 2:00 on the second Sunday of March.
SPRING_FORWARD = sunday(NEXT_YEAR, 3, 2)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    """Return ``hour``:``minute`` UTC on ``day``."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def x_account(agency: Agency, handle: str = "alpha_city") -> SocialAccount:
    return social_account_for(agency, handle=handle)


def mastodon_account(agency: Agency, handle: str = "alpha@social") -> SocialAccount:
    return social_account_for(agency, network=Network.MASTODON, remote_id=handle, handle=handle)


def scheduled(
    agency: Agency,
    actor: User,
    accounts: list[SocialAccount],
    at: datetime | None,
    **fields: Any,
) -> Post:
    """Write a post through the services and schedule it at ``at`` (None: a draft)."""
    with agency_scope(agency.pk):
        post = services.post_create(
            agency=agency,
            actor=actor,
            account_ids=[a.pk for a in accounts],
            **({"text": "Road closures this weekend."} | fields),
        )
        if at is not None:
            post = services.post_schedule(post=post, actor=actor, at=at)
        return post


def reload(post: Post) -> Post:
    with agency_scope(post.agency_id):
        return Post.objects.get(pk=post.pk)


def exists(post: Post) -> bool:
    """Return whether ``post`` is still stored."""
    with agency_scope(post.agency_id):
        return Post.objects.filter(pk=post.pk).exists()


def page_text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def day_cell(response: Any, day: date) -> str:
    """Return what the calendar shows in the cells of ``day`` (its cell in the month,
    its hours' cells in the week, one after the other; empty when none)."""
    return "".join(
        re.findall(rf'<td[^>]*data-date="{day.isoformat()}"[^>]*>(.*?)</td>', page_text(response))
    )


def hour_cell(response: Any, day: date, hour: int) -> str:
    """Return what the week's time grid shows in the cell of ``day`` at ``hour``
    (local; empty when the grid has none)."""
    found = re.search(
        rf'<td[^>]*data-date="{day.isoformat()}" data-hour="{hour}"[^>]*>(.*?)</td>',
        page_text(response),
    )
    return found[1] if found else ""
