"""Times people type are in their agency's zone; govsocial keeps them in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from govsocial.errors import GovsocialError


def local_to_utc(value: datetime, zone: str, *, field: str | None = None) -> datetime:
    """Return the UTC moment of the wall-clock time ``value`` (naive) in ``zone``.

    Refuse a time the clocks skip when they go forward, and one they show twice when
    they go back, rather than guess which moment was meant.
    """
    tz = ZoneInfo(zone)
    earlier, later = value.replace(tzinfo=tz, fold=0), value.replace(tzinfo=tz, fold=1)
    shown = date_format(value, "DATETIME_FORMAT")
    if earlier.utcoffset() == later.utcoffset():
        return earlier.astimezone(UTC)
    if earlier.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != value:
        raise GovsocialError(
            _(
                "%(time)s does not exist in %(zone)s: the clocks go forward then. Choose "
                "another time."
            )
            % {"time": shown, "zone": zone},
            field=field,
        )
    raise GovsocialError(
        _(
            "%(time)s happens twice in %(zone)s: the clocks go back then. Choose a time "
            "outside that hour."
        )
        % {"time": shown, "zone": zone},
        field=field,
    )
