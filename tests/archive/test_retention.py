"""Retention schedules and disposition: each series of records is kept as its schedule
says; what is due is proposed for review, disposed of once a records officer approves
(content erased, leaves and proofs kept), never what a legal hold finds, and each run
ends with a signed certificate kept in the archive."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

import archive
from accounts.models import Agency, Role, User
from archive import services
from archive.holds import hold_lift, hold_place
from archive.models import ArchiveEvent, Disposition, DispositionState, RecordSeries
from archive.requests import search_save
from archive.retention import (
    certificate_check,
    disposition_approve,
    disposition_cancel,
    disposition_run,
    dispositions_propose,
    schedule_set,
    schedules,
)
from archive.selectors import content_open
from archive.services import SYSTEM, head_sign
from archive.verification import log_verify
from govsocial.errors import Conflict, GovsocialError
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem
from tests.archive.conftest import all_placed
from tests.factories import MembershipFactory, inbox_item_for, records_request_for


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Record the archive's events as if at another moment: ``with clock(moment): …``
    (records are due after months, which a test cannot wait)."""

    @contextmanager
    def recording_at(moment: datetime) -> Iterator[None]:
        with monkeypatch.context() as patched:
            patched.setattr(services, "timezone", SimpleNamespace(now=lambda: moment))
            yield

    return recording_at


def received(agency: Agency, clock: Any, text: str, *, days_ago: int) -> InboxItem:
    """Receive a citizen's comment ``days_ago`` days ago, as polling did then."""
    with clock(timezone.now() - timedelta(days=days_ago)):
        return inbox_item_for(agency, text)


def records_of(item: InboxItem) -> list[ArchiveEvent]:
    with agency_scope(item.agency_id):
        return list(
            ArchiveEvent.objects.filter(object_type="inbox.inboxitem", object_id=str(item.pk))
        )


def erased(item: InboxItem) -> bool:
    """Whether every record of what the citizen said is erased."""
    return all(event.salt == "" and event.data == {} for event in records_of(item))


def run(disposition: Disposition, officer: User) -> Disposition:
    with agency_scope(disposition.agency_id):
        disposition_approve(
            disposition=disposition, actor=officer, person=officer, note="Checked the list"
        )
        ran = disposition_run(disposition_id=disposition.pk)
    assert ran is not None
    return ran


def proposed(agency: Agency) -> list[Disposition]:
    all_placed(agency)
    with agency_scope(agency.pk):
        return dispositions_propose(agency_id=agency.pk)


def certificate_of(disposition: Disposition) -> dict[str, Any]:
    with agency_scope(disposition.agency_id):
        opened = content_open(sha256=disposition.certificate)
        assert opened is not None
        with opened[0] as file:
            return dict(json.loads(file.read()))


def log_holds(agency: Agency) -> bool:
    all_placed(agency)
    with agency_scope(agency.pk), transaction.atomic():
        head_sign(agency_id=agency.pk)
        report = log_verify(agency_id=agency.pk)
    assert report.intact, report.problem
    return True


def test_each_series_keeps_its_default_until_the_admin_changes_it(new_agency: Agency) -> None:
    admin = MembershipFactory(agency=new_agency, roles=[Role.ADMIN]).user
    with agency_scope(new_agency.pk):
        defaults = {schedule.code: schedule.keep_days for schedule in schedules()}
        assert defaults == {
            "published": None,
            "citizens_routine": 90,
            "citizens_answered": None,
            "inbox_work": None,
            "activity": None,
        }
        schedule_set(
            agency=new_agency, actor=admin, person=admin, series="inbox_work", keep_days=1095
        )
        # Answered messages are kept as long as the answers.
        kept = {schedule.code: schedule.keep_days for schedule in schedules()}
        assert kept["inbox_work"] == kept["citizens_answered"] == 1095
        with pytest.raises(GovsocialError, match="the series it follows"):
            schedule_set(
                agency=new_agency, actor=admin, person=admin, series="citizens_answered",
                keep_days=30,
            )  # fmt: skip
        with pytest.raises(GovsocialError, match="from 1 to 36500 days"):
            schedule_set(
                agency=new_agency, actor=admin, person=admin, series="activity", keep_days=0
            )
        schedule_set(
            agency=new_agency, actor=admin, person=admin, series="inbox_work", keep_days=None
        )
        changes = list(
            ArchiveEvent.objects.filter(verb="records.schedule_changed")
            .order_by("id")
            .values_list("data__from_days", "data__to_days")
        )
    assert changes == [(None, 1095), (1095, None)]


def test_a_legal_hold_stops_a_disposition_and_a_later_one_runs_once_it_is_lifted(
    new_agency: Agency, clock: Any
) -> None:
    routine = received(new_agency, clock, "What time does the pool open?", days_ago=100)
    held = received(new_agency, clock, "Snow still blocks Elm Street", days_ago=120)
    recent = received(new_agency, clock, "Thanks for the update", days_ago=10)
    answered = received(new_agency, clock, "Is the ferry running?", days_ago=100)
    with agency_scope(new_agency.pk), transaction.atomic():
        # A reply names the item it answers (``inbox.replies``).
        archive.record(
            agency=new_agency,
            actor=SYSTEM,
            verb="inbox.reply_written",
            data={"item": answered.pk, "text": "Yes, every hour."},
        )
    request = records_request_for(new_agency)
    officer = request.opened_by
    all_placed(new_agency)
    with agency_scope(new_agency.pk):
        search = search_save(
            request=request, actor=officer, person=officer, name="Snow", criteria={"q": "snow"}
        )
        hold = hold_place(search=search, actor=officer, person=officer, reason="Claim 2026-77")

    (first,) = proposed(new_agency)
    assert (first.series, first.found, first.held) == (RecordSeries.CITIZENS_ROUTINE, 2, 1)
    assert first.state == DispositionState.PROPOSED
    # Nothing goes before the review, and one open disposition per series.
    assert not erased(routine) and proposed(new_agency) == []

    done = run(first, officer)

    assert done.state == DispositionState.DONE and done.disposed == len(records_of(routine))
    assert erased(routine)
    assert not erased(held) and not erased(recent) and not erased(answered)
    certificate = certificate_of(done)
    assert certificate_check(certificate)
    assert certificate["series"] == "citizens_routine" and certificate["keep_days"] == 90
    assert certificate["records"] == done.disposed and certificate["kept_under_hold"] == 1
    assert sorted(certificate["events"]) == sorted(event.pk for event in records_of(routine))
    assert certificate["reviewed_by"] == officer.email
    assert not certificate_check(certificate | {"records": 0})
    assert log_holds(new_agency)

    with agency_scope(new_agency.pk):
        hold_lift(hold=hold, actor=officer, person=officer, reason="Claim settled")
    (later,) = proposed(new_agency)
    assert (later.found, later.held) == (1, 0)
    later = run(later, officer)

    assert erased(held) and not erased(recent) and not erased(answered)
    assert certificate_of(later)["kept_under_hold"] == 0
    assert log_holds(new_agency)
    with agency_scope(new_agency.pk):
        recorded = list(
            ArchiveEvent.objects.filter(verb__startswith="records.disposition")
            .order_by("id")
            .values_list("verb", "data__certificate")
        )
    assert recorded == [
        ("records.disposition_proposed", None),
        ("records.disposition_approved", None),
        ("records.disposition_done", done.certificate),
        ("records.disposition_proposed", None),
        ("records.disposition_approved", None),
        ("records.disposition_done", later.certificate),
    ]


def test_a_cancelled_disposition_erases_nothing_and_says_why(
    new_agency: Agency, clock: Any
) -> None:
    routine = received(new_agency, clock, "Where do I pay a parking fine?", days_ago=91)
    officer = MembershipFactory(agency=new_agency, roles=[Role.RECORDS_OFFICER]).user
    (disposition,) = proposed(new_agency)
    with agency_scope(new_agency.pk):
        with pytest.raises(GovsocialError, match="Say why"):
            disposition_cancel(disposition=disposition, actor=officer, person=officer, note=" ")
        disposition_cancel(
            disposition=disposition, actor=officer, person=officer, note="Audit under way"
        )
        with pytest.raises(Conflict):
            disposition_approve(disposition=disposition, actor=officer, person=officer, note="")
        assert Disposition.objects.get().state == DispositionState.CANCELLED
    assert not erased(routine)
