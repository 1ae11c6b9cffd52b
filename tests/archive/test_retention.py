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
from django.test import Client
from django.urls import reverse
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
from tests.factories import MembershipFactory, api_key_for, inbox_item_for, records_request_for


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
    """Whether every record of what the citizen said is erased, and the document the
    archive kept of it."""
    with agency_scope(item.agency_id):
        kept = [content_open(sha256=version.content) for version in item.versions.all()]
    records = records_of(item)
    if all(event.salt == "" and event.data == {} for event in records):
        assert kept and all(found is None for found in kept)
        return True
    assert all(found is not None for found in kept)
    return False


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
    new_agency: Agency, clock: Any, mailoutbox: list[Any]
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
    # Its records officers are told it waits for their review.
    (told,) = mailoutbox
    assert told.to == [officer.email] and "due for disposal" in told.subject
    assert "1 of them are under a legal hold" in told.body and "/records/retention/" in told.body
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


def test_officers_run_dispositions_and_admins_change_schedules_on_the_pages(
    new_agency: Agency, clock: Any, eager: None
) -> None:
    routine = received(new_agency, clock, "Is the library open on Sunday?", days_ago=40)
    admin, officer, author = (
        Client(), Client(), Client()
    )  # fmt: skip
    for client, role in (
        (admin, Role.ADMIN),
        (officer, Role.RECORDS_OFFICER),
        (author, Role.AUTHOR),
    ):
        client.force_login(MembershipFactory(agency=new_agency, roles=[role]).user)
    slug = new_agency.slug
    page = reverse("records_retention", args=[slug])
    change = reverse("records_schedule_set", args=[slug])

    assert author.get(page).status_code == 403
    assert (
        officer.post(change, {"series": "citizens_routine", "keep_days": "30"}).status_code == 403
    )
    refused = admin.post(change, {"series": "citizens_routine", "keep_days": "0"}, follow=True)
    assert "greater than or equal to 1" in refused.content.decode()
    changed = admin.post(change, {"series": "citizens_routine", "keep_days": "30"}, follow=True)
    assert "The schedule is changed." in changed.content.decode()
    assert "30 days after each record" in changed.content.decode()

    proposed(new_agency)
    shown = officer.get(page).content.decode()
    assert "Waiting for review" in shown and "1 from before" in shown
    with agency_scope(new_agency.pk):
        disposition = Disposition.objects.get()
    review = reverse("records_disposition_review", args=[slug, disposition.pk])
    ran = officer.post(review, {"decision": "run", "note": ""}, follow=True).content.decode()

    assert "The disposition runs" in ran and "Certificate of disposition" in ran
    assert erased(routine)
    with agency_scope(new_agency.pk):
        done = Disposition.objects.get()
    certificate = officer.get(reverse("record_content", args=[slug, done.certificate]))
    assert certificate_check(json.loads(b"".join(certificate.streaming_content)))  # type: ignore[attr-defined]
    again = officer.post(review, {"decision": "cancel", "note": "Too late"}, follow=True)
    assert "reviewed already" in again.content.decode()


def test_integrators_read_schedules_and_run_dispositions_through_the_api(
    new_agency: Agency, clock: Any, eager: None
) -> None:
    routine = received(new_agency, clock, "Who fixes potholes?", days_ago=95)
    _key, admin = api_key_for(new_agency, Role.ADMIN)
    _key, officer = api_key_for(new_agency, Role.RECORDS_OFFICER)
    base = f"/api/agencies/{new_agency.slug}/archive"

    def call(method: str, key: str, url: str, body: dict[str, Any] | None = None) -> Any:
        return getattr(Client(), method)(
            url,
            json.dumps(body) if body is not None else None,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )

    listed = call("get", officer, f"{base}/retention/").json()
    assert [s["series"] for s in listed][:2] == ["published", "citizens_routine"]
    assert listed[1]["keep_days"] == 90 and listed[1]["changed_by"] is None
    assert (
        call("put", officer, f"{base}/retention/activity/", {"keep_days": 2190}).status_code == 403
    )
    assert call("put", admin, f"{base}/retention/nothing/", {"keep_days": 5}).status_code == 404
    assert call("put", admin, f"{base}/retention/activity/", {"keep_days": 0}).status_code == 400
    set_ = call("put", admin, f"{base}/retention/activity/", {"keep_days": 2190}).json()
    assert set_["keep_days"] == 2190 and set_["follows"] is None

    proposed(new_agency)
    (listed_disposition,) = call("get", officer, f"{base}/dispositions/").json()["results"]
    assert listed_disposition["state"] == "proposed" and listed_disposition["found"] >= 1
    assert listed_disposition["certificate_download"] is None
    url = f"{base}/dispositions/{listed_disposition['id']}"
    refused = call("post", officer, f"{url}/cancel/", {"note": ""})
    assert refused.status_code == 400 and "Say why" in refused.json()["detail"]
    done = call("post", officer, f"{url}/run/", {}).json()

    assert done["state"] == "done" and done["disposed"] == len(records_of(routine))
    certificate = call("get", officer, done["certificate_download"])
    assert certificate.status_code == 200
    assert certificate_check(json.loads(b"".join(certificate.streaming_content)))
    assert erased(routine)
