"""Security keys (WebAuthn), driven by a software authenticator through the pages."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from accounts.models import Agency
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import PASSWORD
from tests.software_key import SoftwareSecurityKey

pytestmark = pytest.mark.django_db
ORIGIN = "http://testserver"


@pytest.fixture
def authors_key(personas: Personas, django_capture_on_commit_callbacks: Any) -> SoftwareSecurityKey:
    """Return a software key that agency A's author has added through the pages."""
    key = SoftwareSecurityKey()
    client = Client()
    client.force_login(personas.author_a.user)
    _add_key(client, key, django_capture_on_commit_callbacks)
    return key


def _add_key(client: Client, key: SoftwareSecurityKey, on_commit: Any) -> None:
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_add_webauthn"))
    options = page.context["js_data"]["creation_options"]
    with on_commit(execute=True):
        response = client.post(
            reverse("mfa_add_webauthn"),
            {"name": "Desk key", "credential": key.register(options, ORIGIN)},
        )
    assert response.status_code == 302, response.content.decode()[:2000]


def _sign_in_with_key(email: str, key: SoftwareSecurityKey) -> Client:
    client = Client()
    step = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert step["Location"] == reverse("mfa_authenticate")
    page = client.get(reverse("mfa_authenticate"))
    options = page.context["js_data"]["request_options"]
    response = client.post(
        reverse("mfa_authenticate"), {"credential": key.authenticate(options, ORIGIN)}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def test_a_member_adds_a_security_key_and_it_is_recorded(
    personas: Personas, authors_key: SoftwareSecurityKey
) -> None:
    assert Authenticator.objects.filter(
        user=personas.author_a.user, type=Authenticator.Type.WEBAUTHN
    ).exists()
    with agency_scope(personas.agency_a.pk):
        added = ArchiveEvent.objects.filter(verb="user.two_factor_added")
        assert {"type": "webauthn"} in [event.data for event in added]


def test_a_security_key_agency_lets_in_who_signed_in_with_a_key(
    personas: Personas, authors_key: SoftwareSecurityKey
) -> None:
    Agency.objects.filter(pk=personas.agency_a.pk).update(require_security_key=True)

    client = _sign_in_with_key(personas.author_a.user.email, authors_key)
    assert client.get(reverse("agency_home", args=["alpha"])).status_code == 200
    assert client.get(reverse("member-list", args=["alpha"])).status_code == 200


def test_a_forged_signature_does_not_sign_in(
    personas: Personas, authors_key: SoftwareSecurityKey
) -> None:
    impostor = SoftwareSecurityKey()
    impostor.credential_id = authors_key.credential_id  # same id, different private key

    client = Client()
    client.post(
        reverse("account_login"),
        {"login": personas.author_a.user.email, "password": PASSWORD},
    )
    options = client.get(reverse("mfa_authenticate")).context["js_data"]["request_options"]
    response = client.post(
        reverse("mfa_authenticate"), {"credential": impostor.authenticate(options, ORIGIN)}
    )
    assert response.status_code == 200
    assert client.get(reverse("agency_home", args=["alpha"])).status_code == 302
