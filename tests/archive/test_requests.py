"""Records requests as cases: numbered per year, due 20 working days after receipt for
public records (weekends and the agency's holidays not counted) or one month for
personal data, overdue said so; searches saved on them run again; every change is an
archive event; only records officers and admins handle them."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from archive.models import ArchiveEvent, RecordsRequest, RequestKind, SavedSearch
from archive.requests import due_on, months_after, request_extend, request_open
from govsocial.errors import Conflict
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import MembershipFactory, api_key_for, records_request_for

pytestmark = pytest.mark.django_db


def test_the_deadline_follows_the_law_of_the_request() -> None:
    # Monday 2 March 2026: 20 working days later is Monday 30 March; a holiday on a
    # working day pushes it one day; one on a Sunday changes nothing.
    received = date(2026, 3, 2)
    assert due_on(RequestKind.PUBLIC_RECORDS, received, set()) == date(2026, 3, 30)
    assert due_on(RequestKind.PUBLIC_RECORDS, received, {date(2026, 3, 17)}) == date(2026, 3, 31)
    assert due_on(RequestKind.PUBLIC_RECORDS, received, {date(2026, 3, 8)}) == date(2026, 3, 30)
    # Received on a Saturday, the count starts on the Monday.
    assert due_on(RequestKind.PUBLIC_RECORDS, date(2026, 3, 7), set()) == date(2026, 4, 3)
    assert due_on(RequestKind.PERSONAL_DATA, date(2026, 1, 31), set()) == date(2026, 2, 28)
    assert due_on(RequestKind.PERSONAL_DATA, date(2026, 12, 15), set()) == date(2027, 1, 15)
    assert due_on(RequestKind.OBJECTION, date(2026, 1, 31), set()) == date(2026, 2, 28)
    assert months_after(date(2026, 11, 30), 2) == date(2027, 1, 30)
    assert months_after(date(2026, 12, 31), 2) == date(2027, 2, 28)


def test_a_persons_request_is_extended_once_by_two_months_with_its_reason(
    personas: Personas,
) -> None:
    agency = personas.agency_a
    officer = MembershipFactory(agency=agency, roles=[Role.RECORDS_OFFICER]).user
    today = timezone.localdate()
    with agency_scope(agency.pk):
        public = records_request_for(agency)
        access = request_open(
            agency=agency, actor=officer, person=officer, kind=RequestKind.PERSONAL_DATA,
            requester="Amara Okafor", subject="What you hold about me", received_on=today,
        )  # fmt: skip
    client = Client()
    client.force_login(officer)
    page = reverse("records_request", args=[agency.slug, access.pk])
    assert "Extend by two months" in client.get(page).content.decode()
    refused = client.post(page, {"extend": "1", "reason": " "}, follow=True).content.decode()
    assert "Say why it needs longer" in refused

    done = client.post(page, {"extend": "1", "reason": "Forty requests this week"}, follow=True)

    shown = done.content.decode()
    assert "The request is due two months later" in shown and "Forty requests this week" in shown
    assert "Extend by two months" not in shown
    with agency_scope(agency.pk):
        access.refresh_from_db()
        assert access.due_on == months_after(today, 3)
        (recorded,) = ArchiveEvent.objects.filter(verb="records.request_extended").values_list(
            "data", flat=True
        )
        assert recorded["reason"] == "Forty requests this week"
        for again in (access, public):
            with pytest.raises(Conflict):
                request_extend(request=again, actor=officer, reason="More")
    _key, secret = api_key_for(agency, Role.RECORDS_OFFICER)
    url = f"/api/agencies/{agency.slug}/archive/requests/{public.pk}/extend/"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert (
        Client().post(url, {"reason": "More"}, content_type="application/json", **auth).status_code
        == 409
    )


def test_a_records_officer_opens_a_request_saves_a_search_on_it_and_answers_it(
    personas: Personas,
) -> None:
    officer = MembershipFactory(agency=personas.agency_a, roles=[Role.RECORDS_OFFICER])
    client = personas.client_for(officer)
    requests_page = reverse("records_requests", args=["alpha"])

    client.post(requests_page, {"day": "2026-03-17", "name": "St Patrick's Day"})
    opened = client.post(
        requests_page,
        {
            "kind": "public_records",
            "requester": "Dana Reporter",
            "requester_email": "dana@news.example",
            "subject": "Every comment hidden in March",
            "received_on": "2026-03-02",
        },
        follow=True,
    )
    with agency_scope(personas.agency_a.pk):
        request = RecordsRequest.objects.get()
    assert "Request 2026-0001 is opened." in opened.content.decode()
    assert (request.number, request.due_on) == ("2026-0001", date(2026, 3, 31))
    listed = client.get(requests_page).content.decode()
    assert "2026-0001" in listed and "Overdue" in listed

    search = reverse("record_search", args=["alpha"])
    shown = client.get(search, {"action": "records."}).content.decode()
    assert "Save this search on a request" in shown
    saved = client.post(
        reverse("record_search_save", args=["alpha"]),
        {"request": request.pk, "name": "Requests opened", "action": "records.", "q": ""},
        follow=True,
    )
    assert "The search is saved on the request." in saved.content.decode()
    with agency_scope(personas.agency_a.pk):
        kept = SavedSearch.objects.get()
    assert kept.criteria == {"action": "records."}
    assert f"{search}?action=records." in saved.content.decode()

    page = reverse("records_request", args=["alpha", request.pk])
    client.post(page, {"status": "answered"})
    with agency_scope(personas.agency_a.pk):
        request.refresh_from_db()
        verbs = list(
            ArchiveEvent.objects.filter(verb__startswith="records.")
            .order_by("id")
            .values_list("verb", flat=True)
        )
    assert request.status == "answered" and request.closed_at is not None
    assert "Overdue" not in client.get(page).content.decode()
    assert verbs == [
        "records.holiday_added",
        "records.request_opened",
        "records.search_saved",
        "records.request_status_set",
    ]


def test_a_request_needs_who_asks_what_and_a_day_past(personas: Personas) -> None:
    client = personas.client_for(personas.admin_a)
    refused = client.post(
        reverse("records_requests", args=["alpha"]),
        {"kind": "public_records", "requester": " ", "subject": "x", "received_on": "2999-01-01"},
    )
    assert refused.status_code == 400
    shown = refused.content.decode()
    assert "Say who asks." in shown


def test_only_records_officers_and_admins_handle_requests(personas: Personas) -> None:
    author = personas.client_for(personas.author_a)
    assert author.get(reverse("records_requests", args=["alpha"])).status_code == 403


def test_overdue_requests_show_on_the_overview_of_those_who_handle_them(
    personas: Personas,
) -> None:
    request = records_request_for(personas.agency_a)
    home = reverse("agency_home", args=["alpha"])

    admin = personas.client_for(personas.admin_a).get(home).content.decode()
    author = personas.client_for(personas.author_a).get(home).content.decode()

    assert "Records requests near their deadline" in admin and request.number in admin
    assert "Past its deadline" in admin
    assert "Records requests near their deadline" not in author


def test_records_officer_keys_handle_requests_through_the_api(personas: Personas) -> None:
    _key, token = api_key_for(personas.agency_a, Role.RECORDS_OFFICER)
    officer = Client(headers={"Authorization": f"Bearer {token}"})
    base = "/api/agencies/alpha/archive"

    holiday = officer.post(
        f"{base}/holidays/",
        {"day": "2026-03-17", "name": "St Patrick's Day"},
        content_type="application/json",
    )
    opened = officer.post(
        f"{base}/requests/",
        {
            "kind": "public_records",
            "requester": "Dana Reporter",
            "subject": "Every comment hidden in March",
            "received_on": "2026-03-02",
        },
        content_type="application/json",
    )
    made = opened.json()
    saved = officer.post(
        f"{base}/requests/{made['id']}/searches/",
        {"name": "Hidden", "criteria": {"action": "inbox.item_hidden", "since": "2026-03-01"}},
        content_type="application/json",
    )
    status = f"{base}/requests/{made['id']}/status/"
    backwards = officer.post(
        f"{base}/requests/{made['id']}/searches/",
        {"name": "Odd", "criteria": {"since": "2026-03-02", "until": "2026-03-01"}},
        content_type="application/json",
    )
    answered = officer.post(status, {"status": "answered"}, content_type="application/json").json()
    again = officer.post(status, {"status": "answered"}, content_type="application/json")
    removed = officer.delete(f"{base}/holidays/{holiday.json()['id']}/")
    _key, author_token = api_key_for(personas.agency_a, Role.AUTHOR)
    author = Client(headers={"Authorization": f"Bearer {author_token}"})

    assert holiday.status_code == 201 and opened.status_code == 201, opened.content
    assert (made["number"], made["due_on"], made["overdue"]) == ("2026-0001", "2026-03-31", True)
    assert saved.status_code == 201, saved.content
    assert saved.json()["criteria"] == {"action": "inbox.item_hidden", "since": "2026-03-01"}
    assert backwards.status_code == 400
    assert "The last day comes after the first." in backwards.content.decode()
    assert answered["status"] == "answered" and answered["overdue"] is False
    assert [search["name"] for search in answered["searches"]] == ["Hidden"]
    assert again.status_code == 409
    assert removed.status_code == 204
    assert author.get(f"{base}/requests/").status_code == 403
