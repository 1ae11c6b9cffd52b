"""The calendar through the API: posts in a time range with the calendar's filters, the
same as CSV, scheduling from a CSV file, queue times and "Add to queue", with the rules
and messages of the pages."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from govsocial.tenancy import agency_scope
from publishing.models import Post, PostStatus
from tests.conftest import Personas
from tests.factories import api_key_for
from tests.publishing.calendar_helpers import (
    NEXT_YEAR,
    SPRING_FORWARD,
    mastodon_account,
    scheduled,
    utc,
    x_account,
)

pytestmark = pytest.mark.django_db


def key_client(personas: Personas, role: str = Role.ADMIN) -> Client:
    _key, token = api_key_for(personas.agency_a, role=role)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def in_range(start: str, end: str, **filters: Any) -> dict[str, Any]:
    return {"start": start, "end": end} | filters


def test_the_calendar_lists_posts_in_a_range_with_filters_in_the_agencys_zone(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x, mastodon = x_account(personas.agency_a), mastodon_account(personas.agency_a)
    monday = SPRING_FORWARD + timedelta(days=1)
    on_x = scheduled(personas.agency_a, admin, [x], utc(monday, 13), campaign="Spring")
    scheduled(personas.agency_a, admin, [mastodon], utc(monday, 14))
    scheduled(personas.agency_a, admin, [x], utc(monday + timedelta(days=30), 13))
    client = key_client(personas)
    url = reverse("calendar-list", args=["alpha"])
    week = in_range(
        f"{SPRING_FORWARD}T00:00:00-05:00", f"{SPRING_FORWARD + timedelta(7)}T00:00:00-04:00"
    )

    listed = client.get(url, week)
    assert listed.status_code == 200, listed.content
    body = listed.json()
    assert body["time_zone"] == "America/Toronto"
    assert len(body["posts"]) == 2
    first = body["posts"][0]
    assert first["id"] == on_x.pk
    assert first["scheduled_at"] == f"{monday}T09:00:00-04:00"
    assert first["scheduled_at_utc"] == f"{monday}T13:00:00Z"
    assert first["accounts"] == [{"id": x.pk, "network": "x", "handle": "alpha_city"}]
    assert first["url"] == settings.SITE_URL + reverse("post_detail", args=["alpha", on_x.pk])
    narrowed = client.get(url, week | {"account": x.pk, "campaign": "Spring"}).json()
    assert [p["id"] for p in narrowed["posts"]] == [on_x.pk]

    as_csv = client.get(reverse("calendar-csv", args=["alpha"]), week)
    assert as_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert [row["id"] for row in rows] == [str(p["id"]) for p in body["posts"]]


def test_a_range_without_offsets_or_too_long_is_refused_with_a_message(
    personas: Personas,
) -> None:
    client = key_client(personas)
    url = reverse("calendar-list", args=["alpha"])
    naive = client.get(url, in_range("2030-01-01T00:00:00", "2030-02-01T00:00:00+00:00"))
    assert naive.status_code == 400
    assert naive.json()["errors"][0]["parameter"] == "start"
    assert "UTC offset" in naive.json()["detail"]
    too_long = client.get(url, in_range("2030-01-01T00:00:00Z", "2032-01-01T00:00:00Z"))
    assert too_long.status_code == 400
    assert "at most 366 days" in too_long.json()["detail"]


def test_a_csv_import_schedules_all_rows_or_answers_every_problem(personas: Personas) -> None:
    x_account(personas.agency_a)
    client = key_client(personas)
    url = reverse("calendar-import", args=["alpha"])
    bad = (
        "accounts,text,scheduled_at\n"
        f"x:alpha_city,Fine,{NEXT_YEAR}-01-12 09:00\n"
        f"x:nobody,Who?,{NEXT_YEAR}-01-12 10:00\n"
        "x:alpha_city,Late,2001-01-01 09:00\n"
    )
    refused = client.post(url, {"file": SimpleUploadedFile("s.csv", bad.encode())})
    assert refused.status_code == 400
    problems = refused.json()["errors"]
    assert [(p["row"], p["column"]) for p in problems] == [(3, "accounts"), (4, "scheduled_at")]
    with agency_scope(personas.agency_a.pk):
        assert not Post.objects.exists()

    good = "accounts,text,scheduled_at\n" + f"x:alpha_city,Fine,{NEXT_YEAR}-01-12 09:00\n"
    created = client.post(url, {"file": SimpleUploadedFile("s.csv", good.encode())})
    assert created.status_code == 201, created.content
    [post] = created.json()
    assert post["status"] == PostStatus.SCHEDULED
    assert post["scheduled_at"].startswith(f"{NEXT_YEAR}-01-12T14:00:00")


def test_queue_times_are_set_by_admins_and_add_to_queue_uses_them(personas: Personas) -> None:
    x = x_account(personas.agency_a)
    admin_client, author_client = key_client(personas), key_client(personas, Role.AUTHOR)
    url = reverse("socialaccount-queue", args=["alpha", x.pk])
    slots = {"slots": [{"weekday": 0, "time": "09:00"}, {"weekday": 3, "time": "14:30"}]}
    refused = author_client.put(url, slots, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only an agency admin can set queue times."
    saved = admin_client.put(url, slots, content_type="application/json")
    assert saved.status_code == 200
    assert saved.json() == {"time_zone": "America/Toronto"} | slots
    assert admin_client.get(url).json() == saved.json()

    draft = scheduled(personas.agency_a, personas.admin_a.user, [x], None)
    # From a Tuesday on, the next slot is Thursday 14:30 (EST in January: 19:30 UTC).
    tuesday = date(NEXT_YEAR, 1, 12)
    queued = admin_client.post(
        reverse("post-queue", args=["alpha", draft.pk]),
        {"not_before": f"{tuesday}T12:00:00-05:00"},
        content_type="application/json",
    )
    assert queued.status_code == 200, queued.content
    assert queued.json()["status"] == PostStatus.SCHEDULED
    assert queued.json()["scheduled_at"].startswith(f"{tuesday + timedelta(days=2)}T19:30:00")
    again = admin_client.post(
        reverse("post-queue", args=["alpha", draft.pk]), {}, content_type="application/json"
    )
    assert again.status_code == 409
    assert "Only a draft can be added to the queue" in again.json()["detail"]
