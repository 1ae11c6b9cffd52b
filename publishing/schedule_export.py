"""Schedule exports: the calendar's posts as CSV or JSON, times in UTC and in the
reader's zone.

A cell that starts with ``=``, ``+``, ``-``, ``@`` or a tab is written with a leading
apostrophe, so that a spreadsheet shows it rather than running it as a formula; an
import takes the apostrophe off again (``cell_read``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from publishing.models import SocialAccount, is_overdue
from publishing.selectors import ScheduledPost

# What a spreadsheet would run as a formula at the start of a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The columns of an export: the import's first, so an exported file imports again.
EXPORT_COLUMNS = (
    "accounts",
    "text",
    "scheduled_at",
    "link",
    "campaign",
    "language",
    "id",
    "status",
    "scheduled_at_utc",
    "time_zone",
    "author",
    "url",
)


def cell_safe(value: str) -> str:
    """Return ``value`` as a spreadsheet shows it without running it."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cell_read(value: str) -> str:
    """Return a cell's value as written, without the apostrophe ``cell_safe`` added."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def account_label(account: SocialAccount) -> str:
    """Return how a file names an account: ``network:handle``."""
    return f"{account.network}:{account.handle}"


def post_urls(name: str, agency_slug: str) -> Callable[[int], str]:
    """Return what gives the address named ``name`` of each of the agency's posts by
    id: reversed once, with a stand-in id replaced for each post (a month holds a
    hundred posts or more, and reversing each cost more than its whole entry)."""
    stand_in = str(2**62)
    pattern = reverse(name, args=[agency_slug, stand_in])
    return lambda post_id: pattern.replace(stand_in, str(post_id))


def _local_iso(moment: datetime | None, zone: tzinfo) -> str:
    return timezone.localtime(moment, zone).isoformat() if moment else ""


def schedule_entries(
    posts: Iterable[ScheduledPost], *, zone: ZoneInfo, agency_slug: str
) -> list[dict[str, Any]]:
    """Return each post as an export gives it: its time in UTC and in ``zone``, its
    accounts, status, author, text and address (the agency's post page)."""
    post_url = post_urls("post_detail", agency_slug)
    return [
        {
            "id": post.id,
            "status": post.status,
            "overdue": is_overdue(post.status, post.scheduled_at),
            "scheduled_at": _local_iso(post.scheduled_at, zone),
            "scheduled_at_utc": _local_iso(post.scheduled_at, UTC).replace("+00:00", "Z"),
            "time_zone": zone.key,
            "accounts": [
                {"id": account_id, "network": network, "handle": handle}
                for account_id, network, handle in post.accounts
            ],
            "text": post.text,
            "link": post.link,
            "campaign": post.campaign,
            "language": post.language,
            "author": post.author_email,
            "url": settings.SITE_URL + post_url(post.id),
        }
        for post in posts
    ]


def schedule_csv(entries: Sequence[dict[str, Any]]) -> str:
    """Return export entries as CSV text, accounts as ``network:handle`` separated by
    ``;`` (the import reads the file back)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for entry in entries:
        accounts = ";".join(f"{a['network']}:{a['handle']}" for a in entry["accounts"])
        values = entry | {"accounts": accounts}
        writer.writerow(cell_safe(str(values[column])) for column in EXPORT_COLUMNS)
    return out.getvalue()
