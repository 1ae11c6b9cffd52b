"""Notifications through the API: a person signed in reads their own notifications in
an agency (unread ones alone if asked), marks one or all read, and reads and changes
how they are told of each kind; an API key has none, and another person's or another
agency's are not there."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from govsocial.tenancy import agency_scope
from notifications.models import Delivery, Kind, Notification
from notifications.services import notify
from tests.conftest import Personas
from tests.factories import api_key_for, notification_for
from tests.notifications.test_notifications import restrict, urgent_item_told

LIST = reverse("notification-list", args=["alpha"])
CHOICES = reverse("notification-choices")


def test_a_person_reads_their_notifications_and_marks_them_read(personas: Personas) -> None:
    me = personas.author_a.user
    first, second = notification_for(personas.agency_a, me), notification_for(personas.agency_a, me)
    notification_for(personas.agency_a)  # someone else's
    notification_for(personas.agency_b, me)  # mine, in another agency
    client = personas.client_for(personas.author_a)

    listed = client.get(LIST).json()

    assert [n["id"] for n in listed["results"]] == [second.pk, first.pk]
    assert listed["results"][0] == {
        "id": second.pk,
        "kind": "post_commented",
        "subject": "A new message about a post",
        "body": "Someone wrote about your post.",
        "link": "https://govsocial.example/agencies/",
        "created_at": listed["results"][0]["created_at"],
        "read_at": None,
        "restricted": False,
    }
    read = client.post(reverse("notification-read", args=["alpha", first.pk])).json()
    assert read["id"] == first.pk and read["read_at"] is not None
    assert [n["id"] for n in client.get(LIST, {"unread": "true"}).json()["results"]] == [second.pk]
    assert [n["id"] for n in client.get(LIST, {"unread": "false"}).json()["results"]] == [first.pk]
    assert client.post(reverse("notification-read-all", args=["alpha"])).json() == {"read": 1}
    assert client.get(LIST, {"unread": "true"}).json()["results"] == []
    refused = client.get(LIST, {"unread": "maybe"})
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    # Another person's, or another agency's, is not there.
    others = reverse("notification-detail", args=["alpha", notification_for(personas.agency_a).pk])
    assert client.get(others).status_code == 404
    assert client.get(reverse("notification-list", args=["beta"])).status_code == 404


def test_an_api_key_has_no_notifications(personas: Personas) -> None:
    _key, token = api_key_for(personas.agency_a)
    refused = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(LIST)
    assert refused.status_code == 403
    assert "an API key has none" in refused.json()["detail"]
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(CHOICES).status_code == 403


def test_one_about_a_restricted_item_says_only_that(personas: Personas) -> None:
    restrict(urgent_item_told(personas))
    (shown,) = personas.client_for(personas.admin_a).get(LIST).json()["results"]
    assert shown["restricted"] is True
    assert "Okafor" not in str(shown)
    assert shown["subject"] == "About an item whose processing is restricted"


def test_a_person_reads_and_changes_how_they_are_told_of_each_kind(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    assert client.get(CHOICES).json() == {kind: Delivery.EMAIL for kind in Kind.values}

    changed = client.patch(CHOICES, {"inbox": "digest"}, content_type="application/json")

    assert changed.status_code == 200
    assert changed.json()["inbox"] == "digest" and changed.json()["records"] == "email"
    with agency_scope(personas.agency_a.pk):
        notify(
            user=personas.author_a.user,
            kind=Kind.INBOX,
            subject="A reply waits",
            body="…",
            link="https://govsocial.example/",
        )
        assert Notification.objects.get(subject="A reply waits").digest is True
    wrong = client.patch(CHOICES, {"inbox": "pigeon"}, content_type="application/json")
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["pointer"] == "/inbox"
    assert Client().get(CHOICES).status_code in (401, 403)
