"""Times people type are in their own zone (or their agency's); govsocial keeps them in
UTC (DESIGN.md, invariant 8).

A wall-clock time can fail to name one moment: when the clocks go forward it does not
exist, when they go back it happens twice. Both are refused rather than guessed; a form
that asks which of the two moments was meant passes the answer as ``fold``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import dateformat, timezone
from django.utils.formats import date_format, get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from govsocial.errors import GovsocialError


@dataclass(frozen=True)
class Moment:
    """One reading of a wall-clock time that happens twice: its fold (0 the first, 1 the
    second), its UTC offset as people write it, and the zone's abbreviation then."""

    fold: int
    offset: str
    abbreviation: str


class LocalTimeError(GovsocialError):
    """A local time that names no moment, or two; ``choices`` holds the two moments of
    one that happens twice (the first first), so a form can ask which was meant."""

    def __init__(
        self, message: str, *, field: str | None = None, choices: tuple[Moment, ...] = ()
    ) -> None:
        super().__init__(message, field=field)
        self.choices = choices


class MomentOutOfRange(GovsocialError):
    """A moment in ISO 8601 that falls outside the years 1 to 9999 once in UTC."""

    def __init__(self) -> None:
        super().__init__(_("Give a moment between the years 1 and 9999."))


def moment_read(text: str) -> datetime | None:
    """Return the moment ``text`` names in ISO 8601 with its UTC offset, in UTC (the
    offsets ISO 8601 allows go beyond PostgreSQL's 15:59); None when it names none
    (unreadable, or without an offset). Raise ``MomentOutOfRange`` for one outside the
    years a date can have."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:
        raise MomentOutOfRange() from error


def zone_named(name: str) -> ZoneInfo:
    """Return the IANA time zone ``name``; UTC when it is empty or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def viewer_zone(*, user_zone: str, agency_zone: str) -> ZoneInfo:
    """Return the zone a person reads and enters times in: their own if they chose
    one, else the agency's."""
    return zone_named(user_zone or agency_zone)


def zone_of(request: HttpRequest) -> ZoneInfo:
    """Return the time zone the page's viewer reads and enters times in."""
    return viewer_zone(
        user_zone=request.user.time_zone,  # type: ignore[union-attr]
        agency_zone=request.agency.time_zone,  # type: ignore[attr-defined]
    )


def utc_offset(moment: datetime) -> str:
    """Return ``moment``'s offset from UTC as ``UTC-04:00``, the minus a true minus sign
    (U+2212), which screen readers say as "minus"."""
    offset = moment.utcoffset() or timedelta(0)
    sign = "+" if offset >= timedelta(0) else "\u2212"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _moment(local: datetime) -> Moment:
    return Moment(fold=local.fold, offset=utc_offset(local), abbreviation=local.tzname() or "")


def local_to_utc(
    value: datetime, zone: str | ZoneInfo, *, field: str | None = None, fold: int | None = None
) -> datetime:
    """Return the UTC moment of the wall-clock time ``value`` (naive) in ``zone``.

    Refuse a time the clocks skip when they go forward, and one they show twice when
    they go back unless ``fold`` says which (0 the first, 1 the second), rather than
    guess which moment was meant.
    """
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    earlier, later = value.replace(tzinfo=tz, fold=0), value.replace(tzinfo=tz, fold=1)
    shown = date_format(value, "DATETIME_FORMAT")
    if earlier.utcoffset() == later.utcoffset():
        return earlier.astimezone(UTC)
    if earlier.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != value:
        raise LocalTimeError(
            _(
                "%(time)s does not exist in %(zone)s: the clocks go forward then. Choose "
                "another time."
            )
            % {"time": shown, "zone": tz.key},
            field=field,
        )
    if fold in (0, 1):
        return (later if fold else earlier).astimezone(UTC)
    raise LocalTimeError(
        _(
            "%(time)s happens twice in %(zone)s: the clocks go back then. Choose a time "
            "outside that hour."
        )
        % {"time": shown, "zone": tz.key},
        field=field,
        choices=(_moment(earlier), _moment(later)),
    )


def render_local(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render ``template`` with every time shown in the viewer's zone (DESIGN.md,
    invariant 8), which the page names as ``viewer_zone``."""
    zone = zone_of(request)
    with timezone.override(zone):
        return render(request, template, context | {"viewer_zone": zone.key}, status=status)


def clock_labels() -> Callable[[datetime | time], str]:
    """Return what writes a time of day as the active language writes one (its
    ``TIME_FORMAT``), as ``formats.time_format`` does. A calendar writes a hundred or
    more a page, each costing more than the rest of its post's entry, so each label is
    written once a process: the languages govsocial speaks write a time of day with its
    hour and minute only (a test holds them to it)."""
    language, written = get_language(), get_format("TIME_FORMAT")
    return lambda local: _clock_label(language, written, local.hour, local.minute)


@lru_cache(maxsize=4096)
def _clock_label(language: str, written: str, hour: int, minute: int) -> str:
    # ``language`` is the active one: the key of the words the label may hold (a.m.).
    return dateformat.time_format(time(hour, minute), written)
