"""Integrators send a POST again with the same ``Idempotency-Key`` (a timeout, a retry)
and get the first answer back: nothing is done twice."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.client import encode_multipart
from django.urls import reverse
from django.utils import timezone
from rest_framework.exceptions import APIException

from accounts.models import Agency, IdempotencyKey, Role
from accounts.tasks import agency_idempotency_keys_purge
from govsocial.api import idempotency
from govsocial.tenancy import agency_scope
from publishing import services as publishing_services
from publishing.models import MediaAsset, Post
from tests.conftest import Personas
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    api_key_for,
    idempotency_key_for,
    social_account_for,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 100


def new_key() -> str:
    return str(uuid.uuid4())


def write_post(client: Client, agency: Agency, body: dict[str, Any], key: str | None) -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    url = reverse("post-list", args=[agency.slug])
    return client.post(url, body, content_type="application/json", headers=headers)


def a_post(agency: Agency, text: str = "Road closures this weekend.") -> dict[str, Any]:
    """Return the body of a post for a new account of ``agency``."""
    return {"text": text, "accounts": [social_account_for(agency).pk]}


def posts_saying(agency: Agency, text: str) -> int:
    with agency_scope(agency.pk):
        return Post.objects.filter(text=text).count()


def api_client(agency: Agency) -> Client:
    _key, token = api_key_for(agency, role=Role.ADMIN)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.django_db
def test_a_post_sent_again_with_its_key_gets_the_first_answer_and_is_written_once(
    personas: Personas,
) -> None:
    client = personas.client_for(personas.admin_a)
    body, key = a_post(personas.agency_a), new_key()
    first = write_post(client, personas.agency_a, body, key)
    assert first.status_code == 201, first.json()
    # The post changes meanwhile; the answer given again is still the first one.
    changed = client.patch(
        reverse("post-detail", args=["alpha", first.json()["id"]]),
        {"campaign": "Roads"},
        content_type="application/json",
    )
    assert changed.status_code == 200

    again = write_post(client, personas.agency_a, body, key)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert posts_saying(personas.agency_a, body["text"]) == 1


@pytest.mark.django_db
def test_without_a_key_the_same_post_sent_twice_is_written_twice(personas: Personas) -> None:
    client = personas.client_for(personas.admin_a)
    body = a_post(personas.agency_a)
    assert write_post(client, personas.agency_a, body, None).status_code == 201
    assert write_post(client, personas.agency_a, body, None).status_code == 201
    assert posts_saying(personas.agency_a, body["text"]) == 2


@pytest.mark.django_db
def test_an_action_sent_again_is_answered_as_the_first_time_not_refused(
    personas: Personas,
) -> None:
    invitation = InvitationFactory(agency=personas.agency_a, invited_by=personas.admin_a.user)
    client = personas.client_for(personas.admin_a)
    url = reverse("invitation-revoke", args=["alpha", invitation.pk])
    key = {"Idempotency-Key": new_key()}
    first = client.post(url, headers=key)
    assert first.status_code == 204
    again = client.post(url, headers=key)
    assert (again.status_code, again.content) == (204, b"")
    assert again.headers.get("Content-Type") == first.headers.get("Content-Type")
    # Sent again without its key, the revocation finds nothing left to revoke.
    assert client.post(url).status_code == 404


@pytest.mark.django_db
def test_a_refusal_is_kept_as_the_answer_too(personas: Personas) -> None:
    client = personas.client_for(personas.admin_a)
    body, key = {"text": "No account.", "accounts": [999999]}, new_key()
    first = write_post(client, personas.agency_a, body, key)
    assert 400 <= first.status_code < 500
    again = write_post(client, personas.agency_a, body, key)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_the_key_sent_with_another_request_is_refused_and_nothing_is_done(
    personas: Personas,
) -> None:
    client = personas.client_for(personas.admin_a)
    body, key = a_post(personas.agency_a), new_key()
    created = write_post(client, personas.agency_a, body, key)
    assert created.status_code == 201

    other_body = write_post(client, personas.agency_a, body | {"text": "Other text."}, key)
    other_path = client.post(
        reverse("post-unschedule", args=["alpha", created.json()["id"]]),
        headers={"Idempotency-Key": key},
    )

    for refused in (other_body, other_path):
        assert refused.status_code == 422
        assert "already used for a different request" in refused.json()["detail"]
    assert posts_saying(personas.agency_a, "Other text.") == 0


@pytest.mark.django_db
def test_the_same_upload_sent_again_is_one_file_whatever_its_multipart_boundary(
    personas: Personas,
) -> None:
    client = personas.client_for(personas.author_a)
    url = reverse("mediaasset-list", args=["alpha"])
    key = {"Idempotency-Key": new_key()}

    def upload(boundary: str, data: bytes) -> Any:
        file = SimpleUploadedFile("map.png", data, content_type="image/png")
        body = encode_multipart(boundary, {"file": file, "alt_text": "A map."})
        content_type = f"multipart/form-data; boundary={boundary}"
        return client.post(url, body, content_type=content_type, headers=key)

    first = upload("first-boundary", PNG)
    again = upload("second-boundary", PNG)
    other_file = upload("third-boundary", PNG + b"\x03")

    assert first.status_code == 201, first.json()
    assert (again.status_code, again.json()) == (201, first.json())
    assert other_file.status_code == 422
    with agency_scope(personas.agency_a.pk):
        assert MediaAsset.objects.count() == 1


@pytest.mark.django_db
def test_each_caller_and_each_agency_has_keys_of_its_own(personas: Personas) -> None:
    key = new_key()
    body_a, body_b = a_post(personas.agency_a), a_post(personas.agency_b)
    callers_in_a = [
        personas.client_for(personas.admin_a),
        api_client(personas.agency_a),
        api_client(personas.agency_a),
    ]
    answers = [write_post(client, personas.agency_a, body_a, key) for client in callers_in_a]
    in_b = write_post(personas.client_for(personas.admin_b), personas.agency_b, body_b, key)

    assert [a.status_code for a in [*answers, in_b]] == [201, 201, 201, 201]
    assert len({a.json()["id"] for a in [*answers, in_b]}) == 4
    assert posts_saying(personas.agency_a, body_a["text"]) == 3
    # Each caller's key still answers its own first request.
    again = write_post(callers_in_a[1], personas.agency_a, body_a, key)
    assert again.json()["id"] == answers[1].json()["id"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "problem"), [("", "is empty"), ("   ", "is empty"), ("k" * 256, "longer than 255")]
)
def test_an_empty_or_overlong_key_is_refused(personas: Personas, key: str, problem: str) -> None:
    client = personas.client_for(personas.admin_a)
    body = a_post(personas.agency_a)
    refused = write_post(client, personas.agency_a, body, key)
    assert refused.status_code == 400
    assert problem in refused.json()["detail"]
    assert posts_saying(personas.agency_a, body["text"]) == 0


@pytest.mark.django_db
def test_a_key_of_255_characters_is_taken(personas: Personas) -> None:
    client = personas.client_for(personas.admin_a)
    body, key = a_post(personas.agency_a), "k" * 255
    assert write_post(client, personas.agency_a, body, key).status_code == 201
    assert write_post(client, personas.agency_a, body, key).headers["Idempotent-Replayed"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "failure",
    [RuntimeError("the database went away"), APIException()],
    ids=["an unexpected error", "a server error answer"],
)
def test_a_server_error_is_not_kept_and_the_request_may_be_sent_again(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    write = publishing_services.post_create
    calls: list[dict[str, Any]] = []

    def failing_the_first_time(**kwargs: Any) -> Post:
        calls.append(kwargs)
        if len(calls) == 1:
            raise failure
        return write(**kwargs)

    monkeypatch.setattr(publishing_services, "post_create", failing_the_first_time)
    client = personas.client_for(personas.admin_a)
    client.raise_request_exception = False
    body, key = a_post(personas.agency_a), new_key()

    assert write_post(client, personas.agency_a, body, key).status_code == 500
    again = write_post(client, personas.agency_a, body, key)

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert posts_saying(personas.agency_a, body["text"]) == 1


@pytest.mark.django_db
def test_a_key_held_by_a_request_that_died_is_taken_again_after_a_minute(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = personas.client_for(personas.admin_a)
    client.raise_request_exception = False
    body, key = a_post(personas.agency_a), new_key()
    # The process is killed while it acts: it neither writes the post nor lets the key go.
    with monkeypatch.context() as dying:
        dying.setattr(idempotency, "answer", lambda claim, response: None)
        dying.setattr(publishing_services, "post_create", _killed)
        assert write_post(client, personas.agency_a, body, key).status_code == 500

    still_held = write_post(client, personas.agency_a, body, key)
    assert still_held.status_code == 409
    assert "still being carried out" in still_held.json()["detail"]

    with agency_scope(personas.agency_a.pk):
        IdempotencyKey.objects.update(claimed_at=F("claimed_at") - timedelta(minutes=1))
    taken_again = write_post(client, personas.agency_a, body, key)
    assert taken_again.status_code == 201
    assert posts_saying(personas.agency_a, body["text"]) == 1


def _killed(**kwargs: Any) -> Post:
    raise RuntimeError("killed")


@pytest.mark.django_db
def test_a_key_past_its_day_acts_again(personas: Personas) -> None:
    client = personas.client_for(personas.admin_a)
    body, key = a_post(personas.agency_a), new_key()
    assert write_post(client, personas.agency_a, body, key).status_code == 201
    with agency_scope(personas.agency_a.pk):
        IdempotencyKey.objects.update(expires_at=timezone.now())
    again = write_post(client, personas.agency_a, body, key)
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert posts_saying(personas.agency_a, body["text"]) == 2


@pytest.mark.django_db
def test_keys_past_their_day_are_purged_agency_by_agency(personas: Personas) -> None:
    kept, expired = idempotency_key_for(personas.agency_a), idempotency_key_for(personas.agency_a)
    of_b = idempotency_key_for(personas.agency_b)
    past = timezone.now() - timedelta(seconds=1)
    for row in (expired, of_b):
        with agency_scope(row.agency_id):
            IdempotencyKey.objects.filter(pk=row.pk).update(expires_at=past)

    agency_idempotency_keys_purge(agency_id=personas.agency_a.pk)

    with agency_scope(personas.agency_a.pk):
        assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [kept.pk]
    with agency_scope(personas.agency_b.pk):
        assert IdempotencyKey.objects.filter(pk=of_b.pk).exists()


def in_a_thread(call: Callable[[], Any], answers: list[Any]) -> threading.Thread:
    """Start ``call`` in a thread with a database connection of its own; its result is
    added to ``answers``."""

    def run() -> None:
        try:
            answers.append(call())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def sessions_of_one_person(agency: Agency, count: int) -> list[Client]:
    """Return ``count`` clients signed in as one new admin of ``agency``."""
    person = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
    clients = [Client() for _ in range(count)]
    for client in clients:
        client.force_login(person)
    return clients


def test_requests_racing_with_one_key_write_one_post(live_agency: Agency) -> None:
    body, key = a_post(live_agency, "Racing notice."), new_key()
    clients = sessions_of_one_person(live_agency, 3)
    start = threading.Barrier(len(clients))

    def send(client: Client) -> Any:
        start.wait(timeout=30)
        return write_post(client, live_agency, body, key)

    answers: list[Any] = []
    racing = [in_a_thread(lambda client=client: send(client), answers) for client in clients]
    for thread in racing:
        thread.join(timeout=120)

    assert len(answers) == len(clients)
    assert {a.status_code for a in answers} <= {201, 409}, [a.content for a in answers]
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    assert posts_saying(live_agency, "Racing notice.") == 1


def test_a_request_sent_again_while_the_first_runs_is_told_so(
    live_agency: Agency, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, key = a_post(live_agency, "Slow notice."), new_key()
    first_client, second_client = sessions_of_one_person(live_agency, 2)
    write = publishing_services.post_create
    acting, go_on = threading.Event(), threading.Event()

    def slow(**kwargs: Any) -> Post:
        acting.set()
        go_on.wait(timeout=60)
        return write(**kwargs)

    monkeypatch.setattr(publishing_services, "post_create", slow)
    first: list[Any] = []
    running = in_a_thread(lambda: write_post(first_client, live_agency, body, key), first)
    assert acting.wait(timeout=60)

    meanwhile = write_post(second_client, live_agency, body, key)
    go_on.set()
    running.join(timeout=120)
    afterwards = write_post(second_client, live_agency, body, key)

    assert meanwhile.status_code == 409
    assert "still being carried out" in meanwhile.json()["detail"]
    assert first[0].status_code == 201
    assert (afterwards.status_code, afterwards.json()) == (201, first[0].json())
    assert posts_saying(live_agency, "Slow notice.") == 1


@pytest.mark.django_db
def test_the_schema_offers_the_key_on_every_agency_post_and_nowhere_else(
    personas: Personas,
) -> None:
    schema = personas.client_for(personas.admin_a).get(reverse("api-schema"), {"format": "json"})
    offered = set()
    for path, operations in schema.json()["paths"].items():
        for method, operation in operations.items():
            names = {(p["in"], p["name"]): p for p in operation.get("parameters", []) if "in" in p}
            header = names.get(("header", "Idempotency-Key"))
            if method == "post" and path.startswith("/api/agencies/{agency_slug}/"):
                assert header is not None, path
                assert not header.get("required", False)
                assert header["schema"]["maxLength"] == 255
                offered.add(path)
            else:
                assert header is None, (method, path)
    assert {
        "/api/agencies/{agency_slug}/posts/",
        "/api/agencies/{agency_slug}/posts/{id}/schedule/",
        "/api/agencies/{agency_slug}/media/",
        "/api/agencies/{agency_slug}/members/{id}/deactivate/",
    } <= offered


@pytest.mark.django_db
def test_the_refusals_speak_french_to_a_french_caller(personas: Personas) -> None:
    client = personas.client_for(personas.admin_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    body, key = a_post(personas.agency_a), new_key()
    assert write_post(client, personas.agency_a, body, key).status_code == 201

    other = write_post(client, personas.agency_a, body | {"text": "Autre texte."}, key)
    empty = write_post(client, personas.agency_a, body, "")

    assert "a déjà servi pour une autre requête" in other.json()["detail"]
    assert "est vide" in empty.json()["detail"]
