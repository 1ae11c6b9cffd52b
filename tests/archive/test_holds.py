"""Legal holds: while one stands, nothing its saved search finds — now or as it arrives —
can be erased; placing and lifting are recorded, each with its reason."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

import archive
from accounts.models import Agency, Role, User
from archive.errors import ArchiveError
from archive.holds import hold_lift, hold_place
from archive.models import ArchiveEvent, LegalHold, SavedSearch
from archive.requests import search_save
from archive.services import SYSTEM, event_content_erase
from govsocial.errors import Conflict, GovsocialError
from govsocial.tenancy import agency_scope
from tests.archive.conftest import all_placed
from tests.conftest import Personas
from tests.factories import MembershipFactory, api_key_for, records_request_for

REASON = "GDPR Art. 17, request 2026-014"
JSON = "application/json"


def said(agency: Agency, text: str) -> ArchiveEvent:
    """Record, in ``agency``'s archive, that a citizen said ``text``; placed in its log."""
    with agency_scope(agency.pk), transaction.atomic():
        event = archive.record(
            agency=agency, actor=SYSTEM, verb="inbox.item_received", data={"text": text}
        )
    all_placed(agency)
    return event


def erase(event: ArchiveEvent) -> None:
    with agency_scope(event.agency_id), transaction.atomic():
        event_content_erase(event=event, actor=SYSTEM, reason=REASON)


def ferry_search(agency: Agency) -> tuple[SavedSearch, User]:
    """Save a search for "ferry" on a new request of ``agency``; return it and its
    records officer."""
    request = records_request_for(agency)
    officer = request.opened_by
    with agency_scope(agency.pk):
        saved = search_save(
            request=request, actor=officer, person=officer, name="Ferry", criteria={"q": "ferry"}
        )
    return saved, officer


def test_a_hold_keeps_what_its_search_finds_until_it_is_lifted(new_agency: Agency) -> None:
    held_now = said(new_agency, "The ferry was late again")
    free = said(new_agency, "The library is closed")
    search, officer = ferry_search(new_agency)
    with agency_scope(new_agency.pk):
        hold = hold_place(search=search, actor=officer, person=officer, reason="Smith v. City")
    held_later = said(new_agency, "Is the ferry running tomorrow?")

    for event in (held_now, held_later):
        with pytest.raises(ArchiveError, match="under a legal hold"):
            erase(event)
    erase(free)
    with agency_scope(new_agency.pk):
        hold_lift(hold=hold, actor=officer, person=officer, reason="Case settled")
    erase(held_now)
    erase(held_later)

    with agency_scope(new_agency.pk):
        recorded = list(
            ArchiveEvent.objects.filter(verb__startswith="records.hold_")
            .order_by("id")
            .values_list("verb", "data__reason", "data__lift_reason")
        )
        erased = ArchiveEvent.objects.filter(pk__in=[held_now.pk, held_later.pk], salt="")
        assert erased.count() == 2
    assert recorded == [
        ("records.hold_placed", "Smith v. City", None),
        ("records.hold_lifted", "Smith v. City", "Case settled"),
    ]


def test_a_hold_needs_its_reason_and_stands_once(new_agency: Agency) -> None:
    search, officer = ferry_search(new_agency)
    with agency_scope(new_agency.pk):
        with pytest.raises(GovsocialError, match="Say why the records are held"):
            hold_place(search=search, actor=officer, person=officer, reason="  ")
        hold = hold_place(search=search, actor=officer, person=officer, reason="Audit")
        with pytest.raises(Conflict, match="held already"):
            hold_place(search=search, actor=officer, person=officer, reason="Audit again")
        with pytest.raises(GovsocialError, match="Say why the hold is lifted"):
            hold_lift(hold=hold, actor=officer, person=officer, reason="")
        hold_lift(hold=hold, actor=officer, person=officer, reason="Audit closed")
        with pytest.raises(Conflict, match="lifted already"):
            hold_lift(hold=hold, actor=officer, person=officer, reason="Again")
        assert hold_place(search=search, actor=officer, person=officer, reason="Reopened")


def test_an_event_is_erased_only_once_the_log_has_placed_it(new_agency: Agency) -> None:
    with agency_scope(new_agency.pk), transaction.atomic():
        event = archive.record(agency=new_agency, actor=SYSTEM, verb="test.said")
    with pytest.raises(ArchiveError, match="not in the log yet"):
        erase(event)
    all_placed(new_agency)
    erase(event)


def test_records_officers_place_and_lift_holds_on_the_pages(personas: Personas) -> None:
    request = records_request_for(personas.agency_a)
    with agency_scope(personas.agency_a.pk):
        saved = search_save(
            request=request,
            actor=request.opened_by,
            person=request.opened_by,
            name="Hidden comments",
            criteria={"action": "inbox.item_hidden"},
        )
    officer = MembershipFactory(agency=personas.agency_a, roles=[Role.RECORDS_OFFICER])
    client = personas.client_for(officer)
    page = reverse("records_request", args=["alpha", request.pk])
    holds = reverse("records_holds", args=["alpha"])

    missing = client.post(page, {"hold": "1", "search": saved.pk, "reason": ""})
    placed = client.post(page, {"hold": "1", "search": saved.pk, "reason": "Jones v. City"})
    listed = client.get(holds).content.decode()
    with agency_scope(personas.agency_a.pk):
        hold = LegalHold.objects.get()
    lift = reverse("records_hold_lift", args=["alpha", hold.pk])
    unexplained = client.post(lift, {"reason": ""}, follow=True).content.decode()
    client.post(lift, {"reason": "Dismissed"})
    lifted = client.get(holds).content.decode()
    author = personas.client_for(personas.author_a)

    assert missing.status_code == 400
    assert "Say why the records are held" in missing.content.decode()
    assert placed.status_code == 302
    assert "Jones v. City" in listed and "Lift the hold" in listed
    assert "Say why the hold is lifted" in unexplained
    assert "Dismissed" in lifted and "Lift the hold" not in lifted
    assert author.get(holds).status_code == 403
    assert author.post(lift, {"reason": "Nothing"}).status_code == 403


def test_integrators_place_and_lift_holds_through_the_api(new_agency: Agency) -> None:
    held = said(new_agency, "The ferry hit the dock")
    search, _officer = ferry_search(new_agency)
    _key, token = api_key_for(new_agency, Role.RECORDS_OFFICER)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    holds = f"/api/agencies/{new_agency.slug}/archive/holds/"

    unknown = api.post(holds, {"search": 999_999, "reason": "Audit"}, content_type=JSON)
    unexplained = api.post(holds, {"search": search.pk, "reason": ""}, content_type=JSON)
    placed = api.post(holds, {"search": search.pk, "reason": "Audit"}, content_type=JSON)
    again = api.post(holds, {"search": search.pk, "reason": "Audit"}, content_type=JSON)
    with pytest.raises(ArchiveError, match="under a legal hold"):
        erase(held)
    lift = f"{holds}{placed.json()['id']}/lift/"
    lifted = api.post(lift, {"reason": "Audit closed"}, content_type=JSON)
    listed = api.get(holds).json()["results"]

    assert unknown.status_code == 400 and unexplained.status_code == 400
    assert placed.status_code == 201
    assert placed.json()["search_name"] == "Ferry" and placed.json()["lifted_at"] is None
    assert again.status_code == 409
    assert lifted.status_code == 200 and lifted.json()["lift_reason"] == "Audit closed"
    assert [hold["reason"] for hold in listed] == ["Audit"]
    erase(held)
