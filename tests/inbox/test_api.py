"""The inbox through the API: members read the items, filtered; those who work the
inbox change an item's status and assignee and reply, with the same rules and events as
the pages; a key with the Viewer role reads only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from accounts.models import Role
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem, ReplyState
from inbox.services import items_receive
from tests.conftest import Personas
from tests.factories import api_key_for, social_account_for
from tests.inbox.conftest import citizen

pytestmark = pytest.mark.django_db

BASE = "/api/agencies/alpha/inbox/items/"
NOON = datetime(2026, 12, 4, 12, tzinfo=UTC)


@pytest.fixture
def received(personas: Personas) -> list[InboxItem]:
    account = social_account_for(personas.agency_a, handle="riverton")
    with agency_scope(personas.agency_a.pk):
        return items_receive(
            account=account,
            items=[
                citizen("c1", "When does the pool reopen?", created_at=NOON),
                citizen(
                    "m1",
                    "Bonjour, la piscine est-elle ouverte aujourd'hui ?",
                    kind="message",
                    created_at=NOON + timedelta(minutes=1),
                ),
            ],
        )


def api(personas: Personas, role: str = Role.AUTHOR) -> Client:
    _key, token = api_key_for(personas.agency_a, role)
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_members_read_the_items_newest_first_and_filtered(
    personas: Personas, received: list[InboxItem]
) -> None:
    client = api(personas, Role.VIEWER)

    listed = client.get(BASE).json()
    french = client.get(BASE, {"language": "fr"}).json()
    searched = client.get(BASE, {"q": "POOL"}).json()
    wrong = client.get(BASE, {"kind": "shout"})

    assert [item["remote_id"] for item in listed["results"]] == ["m1", "c1"]
    first = listed["results"][1]
    assert (first["kind"], first["status"], first["assignee"], first["network"]) == (
        "comment",
        "open",
        None,
        "x",
    )
    assert [item["remote_id"] for item in french["results"]] == ["m1"]
    assert [item["remote_id"] for item in searched["results"]] == ["c1"]
    assert wrong.status_code == 400
    assert wrong["Content-Type"] == "application/problem+json"


def test_a_worker_changes_an_items_status_and_assignee_on_the_record(
    personas: Personas, received: list[InboxItem]
) -> None:
    url = f"{BASE}{received[0].pk}/"
    changed = api(personas).patch(
        url,
        {"status": "waiting", "assignee": personas.author_a.user.email},
        content_type="application/json",
    )
    unknown = api(personas).patch(
        url, {"assignee": "nobody@example.gov"}, content_type="application/json"
    )

    assert changed.status_code == 200, changed.content
    assert (changed.json()["status"], changed.json()["assignee"]) == (
        "waiting",
        personas.author_a.user.email,
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["pointer"] == "/assignee"
    with agency_scope(personas.agency_a.pk):
        verbs = set(
            ArchiveEvent.objects.filter(object_id=str(received[0].pk)).values_list(
                "verb", flat=True
            )
        )
    assert {"inbox.item_status_changed", "inbox.item_assigned"} <= verbs


def test_a_viewer_key_reads_but_changes_nothing(
    personas: Personas, received: list[InboxItem]
) -> None:
    client = api(personas, Role.VIEWER)
    url = f"{BASE}{received[0].pk}/"

    refused = client.patch(url, {"status": "closed"}, content_type="application/json")
    reply = client.post(f"{url}replies/", {"text": "Hello"}, content_type="application/json")

    assert refused.status_code == 403 and reply.status_code == 403
    assert client.get(url).json()["status"] == "open"


def test_a_reply_is_queued_through_the_api_and_listed(
    personas: Personas, received: list[InboxItem]
) -> None:
    client = api(personas)
    url = f"{BASE}{received[0].pk}/replies/"

    written = client.post(url, {"text": "Monday at 9."}, content_type="application/json")
    empty = client.post(url, {"text": "   "}, content_type="application/json")
    too_long = client.post(url, {"text": "x" * 281}, content_type="application/json")
    listed: list[dict[str, Any]] = client.get(url).json()

    assert written.status_code == 201, written.content
    assert (written.json()["state"], written.json()["text"]) == (ReplyState.QUEUED, "Monday at 9.")
    assert empty.status_code == 400 and too_long.status_code == 400
    assert [reply["id"] for reply in listed] == [written.json()["id"]]


def test_notes_and_tags_through_the_api(personas: Personas, received: list[InboxItem]) -> None:
    client = api(personas)
    url = f"{BASE}{received[0].pk}/"

    tagged = client.patch(
        url, {"tags": ["pools", "pools", " complaint "]}, content_type="application/json"
    )
    noted = client.post(
        f"{url}notes/", {"text": "Ask the pools team."}, content_type="application/json"
    )
    found = client.get(BASE, {"tag": "complaint"}).json()
    notes = client.get(f"{url}notes/").json()

    assert tagged.status_code == 200 and tagged.json()["tags"] == ["pools", "complaint"]
    assert noted.status_code == 201
    assert [item["remote_id"] for item in found["results"]] == ["c1"]
    assert [note["text"] for note in notes] == ["Ask the pools team."]


def test_admins_keep_routing_rules_and_coverage_through_the_api(personas: Personas) -> None:
    admin, author = api(personas, Role.ADMIN), api(personas, Role.AUTHOR)
    rules = "/api/agencies/alpha/inbox/routing-rules/"
    coverage = "/api/agencies/alpha/inbox/coverage/"
    account = social_account_for(personas.agency_a, handle="riverton")

    made = admin.post(
        rules,
        {
            "name": "Water",
            "words": ["flood", "inondation"],
            "account": account.pk,
            "assignee": personas.author_a.user.email,
            "priority": "high",
        },
        content_type="application/json",
    )
    refused = author.post(
        rules, {"name": "Mine", "words": ["x"], "tag": "y"}, content_type="application/json"
    )
    stranger = admin.post(
        rules,
        {"name": "Who", "words": ["x"], "assignee": "nobody@example.gov"},
        content_type="application/json",
    )
    retired = admin.post(f"{rules}{made.json()['id']}/retire/")
    before = author.get(coverage).json()
    hours = {
        "weekdays": [0, 1, 2],
        "opens_at": "08:00",
        "closes_at": "16:30",
        "after_hours": [personas.author_a.user.email],
        "urgent_words": ["help", "aide"],
        "replies_need_approval": True,
    }
    set_by_author = author.put(coverage, hours, content_type="application/json")
    saved = admin.put(coverage, hours, content_type="application/json")

    assert made.status_code == 201, made.content
    assert made.json() | {"id": 0} == {
        "id": 0,
        "name": "Water",
        "words": ["flood", "inondation"],
        "account": account.pk,
        "assignee": personas.author_a.user.email,
        "tag": "",
        "priority": "high",
        "retired_at": None,
    }
    assert refused.status_code == 403
    assert stranger.status_code == 400
    assert stranger.json()["errors"] == [
        {"pointer": "/assignee", "detail": "No member has this email."}
    ]
    assert retired.json()["retired_at"] is not None
    assert [rule["name"] for rule in author.get(rules).json()["results"]] == ["Water"]
    assert before["weekdays"] == [0, 1, 2, 3, 4] and "urgence" in before["urgent_words"]
    assert before["replies_need_approval"] is False
    assert set_by_author.status_code == 403
    assert saved.status_code == 200 and saved.json() == hours
    assert (
        admin.put(coverage, hours | {"opens_at": "8h"}, content_type="application/json").status_code
        == 400
    )


def test_items_are_filtered_by_priority(personas: Personas) -> None:
    account = social_account_for(personas.agency_a, handle="riverton")
    with agency_scope(personas.agency_a.pk):
        items_receive(
            account=account,
            items=[citizen("u1", "Emergency: water on the road"), citizen("c2", "Thanks")],
        )

    urgent = api(personas, Role.VIEWER).get(BASE, {"priority": "urgent"}).json()["results"]

    assert [(item["remote_id"], item["priority"]) for item in urgent] == [("u1", "urgent")]
