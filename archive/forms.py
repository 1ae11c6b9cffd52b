"""The records officers' search of the archive."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _


class RecordSearchForm(forms.Form):
    """Find events by words, action, person and the days they happened on (in the
    viewer's zone)."""

    q = forms.CharField(
        label=_("Words"),
        required=False,
        max_length=200,
        help_text=_(
            "In English or French, accents aside; “quoted words” together, -word left out."
        ),
    )
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=80,
        help_text=_("The action, or how it starts: inbox.item_hidden, inbox., post."),
    )
    person = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=200,
        help_text=_("Who acted, or the citizen who wrote: a name, an email or a handle."),
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date like 2027-03-31.")},
    )
    until = forms.DateField(
        label=_("To (included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date like 2027-03-31.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The last day comes after the first."))
        return data

    def criteria(self, zone: ZoneInfo) -> dict[str, Any]:
        """Return the search's criteria for ``archive.records.event_search`` (the days
        as moments in ``zone``)."""
        data = self.cleaned_data
        return {
            "words": data["q"],
            "action": data["action"],
            "person": data["person"],
            "since": _start_of(data["since"], zone),
            "until": _start_of(data["until"] + timedelta(days=1), zone) if data["until"] else None,
        }


def _start_of(day: date | None, zone: ZoneInfo) -> datetime | None:
    return datetime.combine(day, time(0), tzinfo=zone) if day else None
