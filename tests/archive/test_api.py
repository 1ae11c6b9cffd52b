"""The archive through the API and its public page: anyone reads the deployment's keys;
an agency's records officers and admins sign heads and fetch proofs that hold offline;
other members are refused."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings

import archive
from accounts.models import Agency, Role
from archive.models import ArchiveEvent
from archive.proofs import consistency_problem, inclusion_problem
from archive.services import SYSTEM
from archive.signing import public_key_text, signing_key
from govsocial.tenancy import agency_scope
from tests.factories import api_key_for


@pytest.fixture
def agency(
    committed_agency: Callable[[int], Agency], django_db_blocker: pytest.FixtureRequest
) -> Iterator[Agency]:
    """An agency of four placed events, and tests that may use the database."""
    made = committed_agency(4)
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        yield made


def api(agency: Agency, role: str) -> Client:
    """Return a client that calls the API with a key of ``agency`` with ``role``."""
    _key, token = api_key_for(agency, role)
    return Client(headers={"Authorization": f"Bearer {token}"})


def base(agency: Agency) -> str:
    return f"/api/agencies/{agency.slug}/archive"


def first_event(agency: Agency) -> ArchiveEvent:
    with agency_scope(agency.pk):
        return ArchiveEvent.objects.filter(verb="test.step").order_by("id")[0]


PUBLIC_KEY = base64.b64decode(public_key_text(signing_key().public_key()))


def test_anyone_reads_the_keys_current_and_retired_in_the_api_and_on_the_page(
    django_db_blocker: pytest.FixtureRequest,
) -> None:
    current = public_key_text(signing_key().public_key())
    retired = base64.b64encode(os.urandom(32)).decode()
    with override_settings(ARCHIVE_RETIRED_PUBLIC_KEYS=[retired]):
        keys = Client().get("/api/archive/keys/").json()
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            page = Client().get("/archive/keys/").content.decode()
            french = Client(headers={"Accept-Language": "fr"}).get("/archive/keys/")

    assert [(key["public_key"], key["current"]) for key in keys] == [
        (current, True),
        (retired, False),
    ]
    assert current in page and retired in page
    assert "Retired: its heads still verify" in page
    assert "Clés de signature des archives" in french.content.decode()


def test_a_records_officer_signs_a_head_and_proves_an_event_in_it(agency: Agency) -> None:
    client = api(agency, Role.RECORDS_OFFICER)

    signed = client.post(f"{base(agency)}/heads/")
    event = first_event(agency)
    proof = client.get(f"{base(agency)}/events/{event.pk}/proof/")

    assert signed.status_code == 201, signed.content
    # The four events, and the key's creation, placed before the signing.
    assert signed.json()["size"] == 5
    assert proof.status_code == 200, proof.content
    document = proof.json()
    assert document["head"] == {key: signed.json()[key] for key in document["head"]}
    assert document["entry"]["verb"] == "test.step"
    assert document["event_content"]["data"] == {"n": 0}
    assert inclusion_problem(document, PUBLIC_KEY) == ""
    listed = client.get(f"{base(agency)}/heads/").json()
    assert [head["id"] for head in listed["results"]] == [signed.json()["id"]]


def test_a_later_head_is_proven_to_extend_an_earlier_one(agency: Agency) -> None:
    client = api(agency, Role.ADMIN)
    earlier = client.post(f"{base(agency)}/heads/").json()
    with agency_scope(agency.pk), transaction.atomic():
        archive.record(agency=agency, actor=SYSTEM, verb="test.later")
    later = client.post(f"{base(agency)}/heads/").json()

    proof = client.get(f"{base(agency)}/heads/{earlier['id']}/consistency/?to={later['id']}")
    backwards = client.get(f"{base(agency)}/heads/{later['id']}/consistency/?to={earlier['id']}")
    missing = client.get(f"{base(agency)}/heads/{earlier['id']}/consistency/")

    assert later["size"] == earlier["size"] + 1
    assert proof.status_code == 200, proof.content
    assert consistency_problem(proof.json(), PUBLIC_KEY) == ""
    assert backwards.status_code == 400
    assert problem_parameter(backwards.json()) == "to"
    assert missing.status_code == 400
    assert problem_parameter(missing.json()) == "to"


def test_an_event_in_no_signed_head_yet_is_explained(agency: Agency) -> None:
    client = api(agency, Role.RECORDS_OFFICER)
    event = first_event(agency)

    unsigned = client.get(f"{base(agency)}/events/{event.pk}/proof/")
    unknown_head = client.get(f"{base(agency)}/events/{event.pk}/proof/?head=999999")

    assert unsigned.status_code == 400
    assert "in no signed head yet" in unsigned.json()["detail"]
    assert unknown_head.status_code == 400
    assert problem_parameter(unknown_head.json()) == "head"


def test_members_of_other_roles_read_nothing_of_the_archive(agency: Agency) -> None:
    client = api(agency, Role.AUTHOR)
    event = first_event(agency)

    for answer in (
        client.get(f"{base(agency)}/heads/"),
        client.post(f"{base(agency)}/heads/"),
        client.get(f"{base(agency)}/events/{event.pk}/proof/"),
    ):
        assert answer.status_code == 403
        assert "records officers and admins" in answer.json()["detail"]


def problem_parameter(problem: dict[str, Any]) -> str:
    (error,) = problem["errors"]
    return str(error["parameter"])
