"""The calendar's periods: a month, a week or a list of days, in local days of the
viewer's zone, and the UTC moments that bound them (DESIGN.md, invariant 8).

Days are calendar dates, so moving a week or a month never drifts across a
daylight-saving change; only the bounds are converted, each at its own offset.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.formats import get_format

MONTH, WEEK, LIST = "month", "week", "list"
VIEWS = (MONTH, WEEK, LIST)
# The hours a week's time grid always shows (7:00 to 20:59, local): the hours a
# communications team works and posts in. An hour outside them is shown too when a
# post of the week goes out in it; the others are left out (the "Move to…" form
# reaches every minute of the day).
WORKING_HOURS = range(7, 21)


def hours_shown(post_hours: Iterable[int]) -> list[int]:
    """Return the hours of the week's time grid, in order: the working hours, widened
    to take in every hour a post goes out in."""
    hours = set(post_hours)
    return list(range(min(hours | {WORKING_HOURS[0]}), max(hours | {WORKING_HOURS[-1]}) + 1))


def first_weekday() -> int:
    """Return the day weeks start on in the active language, Monday 0 (Django counts
    from Sunday)."""
    return (int(get_format("FIRST_DAY_OF_WEEK")) - 1) % 7


def week_start(day: date, first: int) -> date:
    """Return the first day of the week that holds ``day``."""
    return day - timedelta(days=(day.weekday() - first) % 7)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC moment ``day`` starts in ``zone``."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class CalendarPeriod:
    """What one calendar page shows: ``view``, and the days from ``first`` to
    ``last`` (a month view shows the whole weeks around its month)."""

    view: str
    anchor: date
    first: date
    last: date
    week_first: int

    @classmethod
    def of(cls, view: str, anchor: date, week_first: int = 0) -> CalendarPeriod:
        """Return the period of ``view`` that holds ``anchor``."""
        if view == WEEK:
            first = week_start(anchor, week_first)
            return cls(view, anchor, first, first + timedelta(days=6), week_first)
        month_first = anchor.replace(day=1)
        month_last = anchor.replace(day=calendar.monthrange(anchor.year, anchor.month)[1])
        if view == LIST:
            return cls(view, anchor, month_first, month_last, week_first)
        first = week_start(month_first, week_first)
        last = week_start(month_last, week_first) + timedelta(days=6)
        return cls(MONTH, anchor, first, last, week_first)

    @property
    def month(self) -> date:
        """Return the first day of the anchor's month."""
        return self.anchor.replace(day=1)

    def previous(self) -> date:
        """Return a day of the period before this one."""
        if self.view == WEEK:
            return self.first - timedelta(days=7)
        return (self.month - timedelta(days=1)).replace(day=1)

    def next(self) -> date:
        """Return a day of the period after this one."""
        if self.view == WEEK:
            return self.first + timedelta(days=7)
        return (self.month + timedelta(days=32)).replace(day=1)

    def days(self) -> list[date]:
        """Return every day shown, in order."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def weeks(self) -> list[list[date]]:
        """Return the days shown, a week per row."""
        days = self.days()
        return [days[n : n + 7] for n in range(0, len(days), 7)]

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """Return the UTC moments the first day starts and the last day ends in
        ``zone``."""
        return local_midnight(self.first, zone), local_midnight(self.last + timedelta(days=1), zone)
