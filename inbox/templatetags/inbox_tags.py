"""How the inbox's pages write what they measure."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def wait(span: timedelta | None) -> str:
    """Write how long something waited, to the minute ("4 h 6 min", "2 d 3 h"); a dash
    when nothing was measured."""
    if span is None:
        return "—"
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return _("under a minute")
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    day = pgettext("duration", "d")
    parts = [f"{days} {day}"] if days else []
    parts += [f"{hours} h"] if hours else []
    # Minutes matter only within the day.
    parts += [f"{minutes} min"] if minutes and not days else []
    return " ".join(parts)
