"""Records requests as cases: each has a number, a requester and what they ask, the day
it was received and the day it must be answered by, computed from the law it falls
under — 20 working days for a public-records (FOIA) request, the agency's holidays and
weekends not counted; one month for a person's request about their data (GDPR), which
may be extended by two with a recorded reason — its status, and the searches of the
archive saved on it. Every change is an archive event."""

from __future__ import annotations

import calendar
from collections.abc import Collection, Mapping
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from archive.models import (
    PERSONAL_KINDS,
    Holiday,
    RecordsRequest,
    RequestKind,
    RequestStatus,
    SavedSearch,
)
from archive.transitions import request_move
from govsocial.errors import Conflict, GovsocialError

# Working days a public body has to answer a public-records request (US FOIA).
PUBLIC_RECORDS_WORKING_DAYS = 20
# The key of the lock that numbers an agency's requests one at a time (with its id).
NUMBERING = 0x7265_6371
LONGEST_NAME = 200
# How long a monthly copy for an outside archiver has to be made.
ARCHIVER_COPY_DAYS = timedelta(days=7)


def due_on(kind: str, received_on: date, holidays: Collection[date]) -> date:
    """Return the day a request of ``kind`` received on ``received_on`` must be answered
    by: the 20th working day after it (weekends and ``holidays`` not counted) for
    public records; the same day of the next month (its last day when it has none) for
    a person's requests about their data (to see it, have it erased, have its processing
    restricted or object to it); a week later for an outside archiver's monthly copy."""
    if kind == RequestKind.ARCHIVER_COPY:
        return received_on + ARCHIVER_COPY_DAYS
    if kind in PERSONAL_KINDS:
        return months_after(received_on, 1)
    day, counted = received_on, 0
    while counted < PUBLIC_RECORDS_WORKING_DAYS:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            counted += 1
    return day


def months_after(day: date, months: int) -> date:
    """Return the same day ``months`` later (that month's last day when it has none)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def request_extend(*, request: RecordsRequest, actor: Any, reason: str) -> RecordsRequest:
    """Give an open request about a person's data two more months, for ``reason`` (the
    requests' number or complexity, GDPR Art. 12(3)), told to the person before the
    month is out; once. Recorded."""
    reason = reason.strip()
    if not reason:
        raise GovsocialError(_("Say why it needs longer: it is recorded."), field="reason")
    with transaction.atomic():
        request = RecordsRequest.objects.select_for_update().get(pk=request.pk)
        if request.kind not in PERSONAL_KINDS:
            raise Conflict(_("Only a person's request about their data is extended."))
        if request.status != RequestStatus.OPEN or request.extension_reason:
            raise Conflict(_("Only an open request not extended yet is extended."))
        if request.due_on < timezone.localdate():
            raise Conflict(_("The request is overdue: it is extended before its day."))
        before = request.due_on
        request.due_on = months_after(before, 2)
        request.extension_reason = reason[:2000]
        request.save(update_fields=["due_on", "extension_reason"])
        archive.record(
            agency=request.agency,
            actor=actor,
            verb="records.request_extended",
            obj=request,
            data={
                "number": request.number,
                "before": before.isoformat(),
                "due_on": request.due_on.isoformat(),
                "reason": request.extension_reason,
            },
        )
    return request


def holidays_of() -> set[date]:
    """Return the bound agency's holidays."""
    return set(Holiday.objects.values_list("day", flat=True))


def request_open(
    *,
    agency: models.Model,
    actor: Any,
    person: Any,
    kind: str,
    requester: str,
    subject: str,
    received_on: date,
    requester_email: str = "",
) -> RecordsRequest:
    """Open a records request of the bound agency, numbered in the year it was received
    (``2027-0001``…), due as the law of its ``kind`` says, credited to ``person`` (the
    actor, or the person behind its API key); recorded."""
    requester, subject = requester.strip(), subject.strip()
    if kind not in RequestKind.values:
        raise GovsocialError(_("Choose the kind of request."), field="kind")
    if not requester:
        raise GovsocialError(_("Say who asks."), field="requester")
    if not subject:
        raise GovsocialError(_("Say what is asked."), field="subject")
    if received_on > timezone.localdate():
        raise GovsocialError(_("A request is received today or before."), field="received_on")
    due = due_on(kind, received_on, holidays_of())
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NUMBERING, agency.pk])
        year = f"{received_on.year}-"
        count = RecordsRequest.objects.filter(number__startswith=year).count()
        request: RecordsRequest = RecordsRequest.objects.create(
            agency=agency,
            number=f"{year}{count + 1:04d}",
            kind=kind,
            requester=requester[:LONGEST_NAME],
            requester_email=requester_email.strip(),
            subject=subject,
            received_on=received_on,
            due_on=due,
            opened_by=person,
        )
        archive.record(
            agency=agency,
            actor=actor,
            verb="records.request_opened",
            obj=request,
            data={
                "number": request.number,
                "kind": kind,
                "requester": request.requester,
                "requester_email": request.requester_email,
                "subject": subject,
                "received_on": received_on.isoformat(),
                "due_on": due.isoformat(),
            },
        )
    return request


def request_status_set(*, request: RecordsRequest, actor: Any, status: str) -> RecordsRequest:
    """Mark the request answered or withdrawn, or open it again; recorded."""
    if status not in RequestStatus.values:
        raise GovsocialError(_("Choose open, answered or withdrawn."), field="status")
    with transaction.atomic():
        request = RecordsRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == status:
            raise Conflict(_("The request is already so."))
        before = request.status
        request_move(request_id=request.pk, status=status)
        request.refresh_from_db(fields=["status", "closed_at"])
        archive.record(
            agency=request.agency,
            actor=actor,
            verb="records.request_status_set",
            obj=request,
            data={"number": request.number, "before": before, "after": status},
        )
    return request


def search_save(
    *, request: RecordsRequest, actor: Any, person: Any, name: str, criteria: Mapping[str, str]
) -> SavedSearch:
    """Keep a search of the archive (its criteria as the search form gives them, empty
    ones left out) on an open request; recorded."""
    name = name.strip()
    if not name:
        raise GovsocialError(_("Name the search."), field="name")
    kept = {key: value for key, value in criteria.items() if value}
    if not kept:
        raise GovsocialError(_("Search for something before saving the search."))
    if kept.get("since") and kept.get("until") and kept["until"] < kept["since"]:
        raise GovsocialError(_("The last day comes after the first."), field="criteria")
    with transaction.atomic():
        request = RecordsRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != RequestStatus.OPEN:
            raise Conflict(_("Searches are saved on open requests only."))
        saved: SavedSearch = SavedSearch.objects.create(
            agency=request.agency,
            request=request,
            name=name[:LONGEST_NAME],
            criteria=kept,
            saved_by=person,
        )
        archive.record(
            agency=request.agency,
            actor=actor,
            verb="records.search_saved",
            obj=request,
            data={"number": request.number, "name": saved.name, "criteria": kept},
        )
    return saved


def holiday_add(*, agency: models.Model, actor: Any, day: date, name: str) -> Holiday:
    """Add a day the agency does not count in public-records deadlines (requests opened
    from now on); recorded."""
    name = name.strip()
    if not name:
        raise GovsocialError(_("Name the holiday."), field="name")
    try:
        with transaction.atomic():
            holiday: Holiday = Holiday.objects.create(agency=agency, day=day, name=name[:100])
            archive.record(
                agency=agency,
                actor=actor,
                verb="records.holiday_added",
                obj=holiday,
                data={"day": day.isoformat(), "name": holiday.name},
            )
    except IntegrityError:
        raise GovsocialError(_("That day is a holiday already."), field="day") from None
    return holiday


def holiday_remove(*, holiday: Holiday, actor: Any) -> None:
    """Count the day as a working day again (requests opened from now on); recorded."""
    with transaction.atomic():
        archive.record(
            agency=holiday.agency,
            actor=actor,
            verb="records.holiday_removed",
            obj=holiday,
            data={"day": holiday.day.isoformat(), "name": holiday.name},
        )
        Holiday.objects.filter(pk=holiday.pk).delete()
