"""The records officers' forms: the search of the archive, records requests, the
searches saved on them, redactions, and the agency's holidays."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from archive.errors import ArchiveError
from archive.models import (
    ArchiveEvent,
    RecordSeries,
    RecordsRequest,
    RedactionReason,
    RequestKind,
    SavedSearch,
)
from archive.records import event_condition
from archive.redaction import Area
from archive.retention import LONGEST_DAYS


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
        help_text=_(
            "Who acted, what it is about, or the citizen who wrote: a name, an email or a"
            " handle, whole or in part."
        ),
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


def saved_search_found(
    name: str, criteria: Mapping[str, Any], zone: ZoneInfo
) -> QuerySet[ArchiveEvent]:
    """Return the bound agency's events the saved search ``name`` finds (its days as
    moments in ``zone``); raise ArchiveError when its criteria no longer parse."""
    return ArchiveEvent.objects.filter(saved_search_condition(name, criteria, zone)).order_by()


def saved_search_condition(name: str, criteria: Mapping[str, Any], zone: ZoneInfo) -> Q:
    """Return the condition of the events the saved search ``name`` finds, on their own
    columns (``archive.records.event_condition``); raise ArchiveError when its criteria
    no longer parse."""
    form = RecordSearchForm(criteria)
    if not form.is_valid():
        raise ArchiveError(_("The search “%(name)s” cannot be run again.") % {"name": name})
    return event_condition(**form.criteria(zone))


def saved_searches_found(searches: Iterable[tuple[str, Mapping[str, Any]]], zone: ZoneInfo) -> Q:
    """Return the condition of the bound agency's events one of ``searches`` (each its
    name and criteria) finds, as ``saved_search_found`` runs them, on the events' own
    columns: a query of the log reads each event once, whatever the tables' statistics
    (events found by an ``id IN`` of the search, itself an ``id IN``, were planned on
    a new agency's log as loops over all its events for each, nested). None without one."""
    conditions = [saved_search_condition(name, criteria, zone) for name, criteria in searches]
    if not all(conditions):
        # A search of nothing in particular finds every event.
        return Q()
    found = Q(pk__in=[])
    for condition in conditions:
        found |= condition
    return found


def _start_of(day: date | None, zone: ZoneInfo) -> datetime | None:
    return datetime.combine(day, time(0), tzinfo=zone) if day else None


class RecordsRequestForm(forms.Form):
    """A records request as it was received."""

    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices)
    requester = forms.CharField(
        label=_("Requester"),
        max_length=200,
        error_messages={"required": _("Say who asks.")},
    )
    requester_email = forms.EmailField(label=_("Requester's email (optional)"), required=False)
    subject = forms.CharField(
        label=_("What is asked"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what is asked.")},
    )
    received_on = forms.DateField(
        label=_("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Give the day it was received."),
            "invalid": _("Enter a date like 2027-03-31."),
        },
    )


class HolidayForm(forms.Form):
    """A day not counted in public-records deadlines."""

    day = forms.DateField(
        label=_("Day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Give the day."),
            "invalid": _("Enter a date like 2027-03-31."),
        },
    )
    name = forms.CharField(
        label=_("Holiday"), max_length=100, error_messages={"required": _("Name the holiday.")}
    )


class SaveSearchForm(forms.Form):
    """Keep the search shown on one of the open requests."""

    request = forms.TypedChoiceField(label=_("On the request"), coerce=int)
    name = forms.CharField(
        label=_("Name of the search"),
        max_length=200,
        error_messages={"required": _("Name the search.")},
    )

    def __init__(self, *args: Any, requests: Sequence[RecordsRequest], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request"].choices = [  # type: ignore[attr-defined]
            (request.pk, f"{request.number} — {request.requester}") for request in requests
        ]


class HoldForm(forms.Form):
    """A legal hold on one of a request's saved searches, and why."""

    search = forms.TypedChoiceField(label=_("Hold what this search finds"), coerce=int)
    reason = forms.CharField(
        label=_("Why (the matter, the order or the litigation)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the records are held: it is recorded.")},
    )

    def __init__(self, *args: Any, searches: Sequence[SavedSearch], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["search"].choices = [(search.pk, search.name) for search in searches]  # type: ignore[attr-defined]


class HoldLiftForm(forms.Form):
    """Why a legal hold is lifted."""

    reason = forms.CharField(
        label=_("Why it is lifted"),
        max_length=2000,
        error_messages={"required": _("Say why the hold is lifted: it is recorded.")},
    )


class ScheduleForm(forms.Form):
    """How long a series is kept: days after each record, or blank for good."""

    series = forms.ChoiceField(label=_("Series"), choices=RecordSeries.choices)
    keep_days = forms.IntegerField(
        label=_("Days kept (blank: for good)"),
        required=False,
        min_value=1,
        max_value=LONGEST_DAYS,
    )


class DispositionReviewForm(forms.Form):
    """A records officer's review of a proposed disposition."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("run", _("Run it")), ("cancel", _("Cancel it"))]
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class RedactionForm(forms.Form):
    """Words to keep out of a request's released copies, or an area of one of its images
    (in percent of the image's width and height), and why."""

    words = forms.CharField(
        label=_("Words to redact"),
        required=False,
        max_length=200,
        help_text=_("Wherever they appear, in any case: a name, a handle, an email, a number."),
    )
    image = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    left = forms.FloatField(label=_("Left (%)"), required=False, min_value=0, max_value=100)
    top = forms.FloatField(label=_("Top (%)"), required=False, min_value=0, max_value=100)
    width = forms.FloatField(label=_("Width (%)"), required=False, min_value=0, max_value=100)
    height = forms.FloatField(label=_("Height (%)"), required=False, min_value=0, max_value=100)
    reason = forms.ChoiceField(label=_("Reason"), choices=RedactionReason.choices)

    def area(self) -> Area | None:
        """Return the area given, as fractions of the image's size (None when one of
        its four numbers is missing)."""
        box = [self.cleaned_data[name] for name in ("left", "top", "width", "height")]
        return None if None in box else Area(*(value / 100 for value in box))
