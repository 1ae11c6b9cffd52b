"""Integrators read an agency's network accounts and manage them through the API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from publishing.models import AccountHealth
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import api_key_for, social_account_for

pytestmark = pytest.mark.django_db


def _key_client(personas: Personas, role: str) -> Client:
    _key, token = api_key_for(personas.agency_a, role=role)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_members_list_accounts_with_their_health_and_never_their_tokens(
    personas: Personas,
) -> None:
    social_account_for(personas.agency_a, access_token="secret-access-token")
    client = personas.client_for(personas.author_a)
    response = client.get(reverse("socialaccount-list", args=["alpha"]))
    assert response.status_code == 200
    (account,) = response.json()["results"]
    assert (account["network"], account["handle"], account["health"]) == ("x", "@alpha", "ok")
    assert "secret-access-token" not in response.content.decode()
    assert "refresh-token" not in response.content.decode()


def test_only_admins_disconnect_an_account(personas: Personas) -> None:
    account = social_account_for(personas.agency_a)
    url = reverse("socialaccount-disconnect", args=["alpha", account.pk])
    assert personas.client_for(personas.author_a).post(url).status_code == 403
    response = _key_client(personas, "admin").post(url)
    assert response.status_code == 200
    assert response.json()["health"] == AccountHealth.DISABLED
    assert response.json()["disconnected_at"]


def test_a_check_through_the_api_finds_a_dead_token(personas: Personas, networks: Emulator) -> None:
    tokens = networks.account("x", "alpha_city")
    account = social_account_for(
        personas.agency_a,
        remote_id=tokens["id"],
        handle="alpha_city",
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )
    url = reverse("socialaccount-check", args=["alpha", account.pk])
    client = personas.client_for(personas.author_a)
    assert client.post(url).json()["health"] == AccountHealth.OK
    networks.expire("x", "alpha_city", refresh=True)
    checked = client.post(url).json()
    assert checked["health"] == AccountHealth.NEEDS_REAUTHORISATION
    assert checked["health_reason"]


def test_admins_choose_publishers_by_member_id(personas: Personas) -> None:
    account = social_account_for(personas.agency_a)
    url = reverse("socialaccount-publishers", args=["alpha", account.pk])
    admin = personas.client_for(personas.admin_a)
    assert admin.get(url).json() == {"members": [], "api_keys": []}
    chosen = {"members": [personas.author_a.pk], "api_keys": []}
    response = admin.put(url, chosen, content_type="application/json")
    assert response.json() == chosen
    assert admin.get(url).json() == chosen
    refused = personas.client_for(personas.author_a).put(
        url, {"members": []}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert admin.get(url).json() == chosen


def test_a_publisher_must_be_a_member_who_is_not_an_admin(personas: Personas) -> None:
    account = social_account_for(personas.agency_a)
    url = reverse("socialaccount-publishers", args=["alpha", account.pk])
    response = personas.client_for(personas.admin_a).put(
        url,
        {"members": [personas.admin_b.pk, personas.admin_a.pk]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert str(personas.admin_b.pk) in str(response.json())
