"""Times as people enter and read them: a date and a clock time in a named time zone,
turned into one UTC moment, with daylight-saving changes said plainly.

Inside, every moment is UTC (DESIGN.md, invariant 8). A wall-clock time can fail to name
one moment: when clocks go forward it does not exist, when they go back it happens twice.
Both are refused with a message that says what happened and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import formats
from django.utils.translation import gettext as _

from govsocial.errors import GovsocialError


class LocalTimeError(GovsocialError):
    """A date and time that name no moment, or two, in the viewer's time zone.

    ``choices`` holds the two moments of an ambiguous time (earlier first), so a form
    can ask which one was meant.
    """

    def __init__(
        self, message: str, *, field: str | None = None, choices: tuple[Moment, ...] = ()
    ) -> None:
        super().__init__(message, field=field)
        self.choices = choices


@dataclass(frozen=True)
class Moment:
    """One reading of a wall-clock time: its fold (0 the first, 1 the second), its
    UTC offset as people write it, and the zone's abbreviation then."""

    fold: int
    offset: str
    abbreviation: str


def zone_named(name: str) -> ZoneInfo:
    """Return the IANA time zone ``name``; UTC when it is empty or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def viewer_zone(*, user_zone: str, agency_zone: str) -> ZoneInfo:
    """Return the zone a person sees times in: their own if they chose one, else the
    agency's."""
    return zone_named(user_zone or agency_zone)


def utc_offset(moment: datetime) -> str:
    """Return ``moment``'s offset from UTC as ``UTC-04:00``, the minus a true minus sign
    (U+2212), which screen readers say as "minus"."""
    offset = moment.utcoffset() or timedelta(0)
    sign = "+" if offset >= timedelta(0) else "\u2212"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _moment(local: datetime) -> Moment:
    return Moment(fold=local.fold, offset=utc_offset(local), abbreviation=local.tzname() or "")


def local_to_utc(day: date, clock: time, zone: ZoneInfo, *, fold: int | None = None) -> datetime:
    """Return the UTC moment that ``day`` at ``clock`` names in ``zone``.

    Refuse a time that does not exist there (clocks went forward over it), and a time
    that happens twice (clocks went back over it) unless ``fold`` says which: 0 for the
    first, 1 for the second.
    """
    first = datetime.combine(day, clock, tzinfo=zone).replace(fold=0)
    second = first.replace(fold=1)
    when = {
        "day": formats.date_format(day, "DATE_FORMAT"),
        "time": formats.time_format(clock, "TIME_FORMAT"),
        "zone": zone.key,
    }
    # A time that does not exist comes back from UTC as another wall-clock time.
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != first.replace(tzinfo=None):
        later = first.astimezone(UTC).astimezone(zone)
        raise LocalTimeError(
            _(
                "%(time)s on %(day)s does not exist in %(zone)s: the clocks go forward that "
                "night. Choose another time, such as %(later)s."
            )
            % (when | {"later": formats.time_format(later.time(), "TIME_FORMAT")}),
            field="time",
        )
    if first.utcoffset() != second.utcoffset():
        if fold in (0, 1):
            return first.replace(fold=fold).astimezone(UTC)
        raise LocalTimeError(
            _(
                "%(time)s on %(day)s happens twice in %(zone)s: the clocks go back that "
                "night. Say which one you mean: the first (%(first)s) or the second "
                "(%(second)s)."
            )
            % (
                when
                | {
                    "first": f"{utc_offset(first)} {first.tzname()}".strip(),
                    "second": f"{utc_offset(second)} {second.tzname()}".strip(),
                }
            ),
            field="time",
            choices=(_moment(first), _moment(second)),
        )
    return first.astimezone(UTC)
