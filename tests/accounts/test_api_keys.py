"""API keys: created once by an admin, bound to one agency, attributable, revocable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency, ApiKey, Role
from archive.models import ArchiveEvent
from govsocial.api.throttling import ApiKeyRateThrottle
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import api_key_for

pytestmark = pytest.mark.django_db

NOT_VALID = "This API key is not valid: it is unknown, expired or revoked."


def _api(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_an_admin_creates_a_key_that_is_shown_once(personas: Personas) -> None:
    client = personas.client_for(personas.admin_a)
    url = reverse("api_keys", args=["alpha"])
    created = client.post(url, {"name": "Website feed", "role": Role.AUTHOR})
    assert created.status_code == 201
    token = re.search(r"gs_\d+_[0-9a-f]{12}_[\w-]+", created.content.decode())
    assert token
    assert token.group(0) not in client.get(url).content.decode()
    with agency_scope(personas.agency_a.pk):
        key = ApiKey.objects.get(name="Website feed")
        assert token.group(0) not in key.secret_hash
        assert ArchiveEvent.objects.filter(verb="api_key.created", object_id=str(key.pk)).exists()
    assert _api(token.group(0)).get(reverse("member-list", args=["alpha"])).status_code == 200


def test_a_key_acts_with_its_role_and_is_named_in_the_archive(personas: Personas) -> None:
    key, token = api_key_for(personas.agency_a, role=Role.ADMIN)
    url = reverse("member-detail", args=["alpha", personas.author_a.pk])
    response = _api(token).patch(url, {"roles": ["approver"]}, content_type="application/json")
    assert response.status_code == 200, response.json()
    with agency_scope(personas.agency_a.pk):
        event = ArchiveEvent.objects.get(verb="member.roles_changed")
        key.refresh_from_db()
    assert (event.actor_type, event.actor_id) == ("accounts.apikey", str(key.pk))
    assert "Website" in event.actor_name
    assert key.last_used_at is not None


def test_a_viewer_key_cannot_change_roles(personas: Personas) -> None:
    _key, token = api_key_for(personas.agency_a, role=Role.VIEWER)
    url = reverse("member-detail", args=["alpha", personas.author_a.pk])
    response = _api(token).patch(url, {"roles": ["admin"]}, content_type="application/json")
    assert response.status_code == 403


def test_a_key_reaches_nothing_of_another_agency(personas: Personas) -> None:
    _key, token = api_key_for(personas.agency_b)
    assert _api(token).get(reverse("member-list", args=["alpha"])).status_code == 404
    # Claiming another agency in the key's public part finds nothing either.
    forged = token.replace(f"gs_{personas.agency_b.pk}_", f"gs_{personas.agency_a.pk}_", 1)
    assert _api(forged).get(reverse("member-list", args=["alpha"])).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"expires_at": timezone.now() - timedelta(minutes=1)},
        {"revoked_at": timezone.now()},
    ],
    ids=["expired", "revoked"],
)
def test_expired_and_revoked_keys_get_401(personas: Personas, change: dict[str, object]) -> None:
    _key, token = api_key_for(personas.agency_a, **change)
    response = _api(token).get(reverse("member-list", args=["alpha"]))
    assert response.status_code == 401
    assert response.json()["detail"] == NOT_VALID
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_key_gets_the_same_401(personas: Personas) -> None:
    for token in ("gs_1_000000000000_nope", "not-a-key", f"gs_{personas.agency_a.pk}_x_y"):
        response = _api(token).get(reverse("member-list", args=["alpha"]))
        assert response.status_code == 401
        assert response.json()["detail"] == NOT_VALID


def test_a_key_with_a_wrong_secret_or_of_a_closed_agency_gets_the_same_401(
    personas: Personas,
) -> None:
    _key, token = api_key_for(personas.agency_a)
    url = reverse("member-list", args=["alpha"])
    assert _api(token).get(url).status_code == 200

    def refused(token: str) -> bool:
        response = _api(token).get(url)
        return response.status_code == 401 and response.json()["detail"] == NOT_VALID

    assert refused(token[:-1] + ("A" if token[-1] != "A" else "B"))
    Agency.objects.filter(pk=personas.agency_a.pk).update(is_active=False)
    assert refused(token)


def test_revoking_on_the_page_stops_the_key_at_once(personas: Personas) -> None:
    key, token = api_key_for(personas.agency_a)
    client = personas.client_for(personas.admin_a)
    client.post(reverse("api_key_revoke", args=["alpha", key.pk]))
    assert _api(token).get(reverse("member-list", args=["alpha"])).status_code == 401
    with agency_scope(personas.agency_a.pk):
        assert ArchiveEvent.objects.filter(verb="api_key.revoked").count() == 1


def test_deactivating_a_member_revokes_the_keys_they_created(personas: Personas) -> None:
    key, token = api_key_for(personas.agency_a)
    with agency_scope(personas.agency_a.pk):
        creator = key.created_by.memberships.get()
    url = reverse("member-deactivate", args=["alpha", creator.pk])
    assert personas.client_for(personas.admin_a).post(url).status_code == 200
    assert _api(token).get(reverse("member-list", args=["alpha"])).status_code == 401


def test_a_key_is_rate_limited_with_retry_after(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    _key, token = api_key_for(personas.agency_a)
    client = _api(token)
    url = reverse("member-list", args=["alpha"])
    statuses = [client.get(url).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get(url)
    assert int(limited["Retry-After"]) > 0


def test_a_key_is_not_a_person(personas: Personas) -> None:
    _key, token = api_key_for(personas.agency_a)
    response = _api(token).get(reverse("my-agency-list"))
    assert response.status_code == 403
    assert "acts for one agency" in response.json()["detail"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "role": Role.AUTHOR}, "Give the key a name"),
        ({"name": "x", "role": "emperor"}, "Select a valid choice."),
        ({"name": "x", "role": Role.AUTHOR, "expires_on": "2001-01-01"}, "must be in the future"),
        ({"name": "x", "role": Role.AUTHOR, "expires_on": "soon"}, "Enter a date like"),
    ],
)
def test_bad_keys_are_refused_with_a_message(
    personas: Personas, data: dict[str, str], message: str
) -> None:
    response = personas.client_for(personas.admin_a).post(reverse("api_keys", args=["alpha"]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    with agency_scope(personas.agency_a.pk):
        assert not ApiKey.objects.exists()
