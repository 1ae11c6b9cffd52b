"""The API: the person's agencies, an agency's members and invitations."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Invitation, Role
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_my_agencies_lists_each_agency_with_my_roles(personas: Personas) -> None:
    MembershipFactory(agency=personas.agency_b, user=personas.author_a.user, roles=[Role.VIEWER])
    response = personas.client_for(personas.author_a).get(reverse("my-agency-list"))
    assert response.status_code == 200
    assert [(a["slug"], a["roles"]) for a in response.json()["results"]] == [
        ("alpha", [Role.AUTHOR]),
        ("beta", [Role.VIEWER]),
    ]


def test_members_are_listed_in_pages(personas: Personas) -> None:
    for _ in range(3):
        MembershipFactory(agency=personas.agency_a)
    client = personas.client_for(personas.author_a)
    url = reverse("member-list", args=["alpha"])
    first = client.get(url, {"page_size": 2}).json()
    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["next"]
    assert {"id", "user", "roles", "is_active"} <= set(first["results"][0])


def test_an_admin_changes_roles_through_the_api(personas: Personas) -> None:
    url = reverse("member-detail", args=["alpha", personas.author_a.pk])
    response = personas.client_for(personas.admin_a).patch(
        url, {"roles": ["approver"]}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["roles"] == ["approver"]
    with agency_scope(personas.agency_a.pk):
        assert ArchiveEvent.objects.filter(verb="member.roles_changed").count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"roles": []}, 400, "roles"),
        ({"roles": ["emperor"]}, 400, "roles"),
        ({"roles": "admin"}, 400, "roles"),
    ],
)
def test_bad_roles_are_refused_with_a_message(
    personas: Personas, body: dict[str, object], status: int, field: str
) -> None:
    url = reverse("member-detail", args=["alpha", personas.author_a.pk])
    response = personas.client_for(personas.admin_a).patch(
        url, body, content_type="application/json"
    )
    assert response.status_code == status
    pointers = [error["pointer"] for error in response.json()["errors"]]
    assert pointers and all(pointer.startswith(f"/{field}") for pointer in pointers)


def test_an_author_cannot_change_roles(personas: Personas) -> None:
    url = reverse("member-detail", args=["alpha", personas.admin_a.pk])
    response = personas.client_for(personas.author_a).patch(
        url, {"roles": ["author"]}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Only an agency admin can manage members."


def test_deactivating_the_last_admin_is_a_conflict(personas: Personas) -> None:
    url = reverse("member-deactivate", args=["alpha", personas.admin_a.pk])
    response = personas.client_for(personas.admin_a).post(url)
    assert response.status_code == 409
    assert response.json()["detail"] == "An agency keeps at least one active admin."


def test_invitations_are_created_and_withdrawn_through_the_api(personas: Personas) -> None:
    client = personas.client_for(personas.admin_a)
    url = reverse("invitation-list", args=["alpha"])
    created = client.post(
        url, {"email": "api@example.gov", "roles": ["author"]}, content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["invited_by"] == personas.admin_a.user.email
    duplicate = client.post(
        url, {"email": "api@example.gov", "roles": ["author"]}, content_type="application/json"
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["pointer"] == "/email"
    bad = client.post(url, {"email": "nope", "roles": ["author"]}, content_type="application/json")
    assert bad.status_code == 400
    assert [error["pointer"] for error in bad.json()["errors"]] == ["/email"]
    revoke = reverse("invitation-revoke", args=["alpha", created.json()["id"]])
    assert client.post(revoke).status_code == 204
    assert client.get(url).json()["count"] == 0
    with agency_scope(personas.agency_a.pk):
        assert Invitation.objects.count() == 1


def test_an_unknown_agency_answers_not_found(personas: Personas) -> None:
    response = personas.client_for(personas.admin_a).get(reverse("member-list", args=["nowhere"]))
    assert response.status_code == 404
    assert response.json()["type"].endswith("/not-found/")


def test_the_schema_and_the_docs_are_served(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    schema = client.get(reverse("api-schema"), {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/agencies/{agency_slug}/members/" in paths
    assert "/api/agencies/" in paths
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
