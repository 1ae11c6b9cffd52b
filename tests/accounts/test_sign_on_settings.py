"""Admins connect their agency's identity provider on its page; every change is recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AgencySignOn, SignOnDomain
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import sign_on_for
from tests.saml_identity_provider import SamlIdentityProvider

pytestmark = pytest.mark.django_db

OIDC = {
    "protocol": "oidc",
    "display_name": "Alpha staff account",
    "domains": "alpha.example\nAlpha-City.example",
    "is_enabled": "on",
    "issuer_url": "https://login.alpha.example/v2.0",
    "client_id": "3f1c-alpha",
    "client_secret": "very-secret",
}


def _url() -> str:
    return reverse("sign_on_settings", args=["alpha"])


def test_an_admin_connects_an_openid_connect_provider_and_it_is_recorded(
    personas: Personas,
) -> None:
    client = personas.client_for(personas.admin_a)
    page = client.get(_url()).content.decode()
    assert "http://testserver/accounts/oidc/alpha/login/callback/" in page
    assert client.post(_url(), OIDC).status_code == 302
    with agency_scope(personas.agency_a.pk):
        sign_on = AgencySignOn.objects.get()
        domains = list(SignOnDomain.objects.values_list("domain", flat=True))
        event = ArchiveEvent.objects.get(verb="agency.sign_on_changed")
    assert (sign_on.client_id, sign_on.client_secret) == ("3f1c-alpha", "very-secret")
    assert sorted(domains) == ["alpha-city.example", "alpha.example"]
    assert event.data["before"] is None
    assert event.data["after"]["domains"] == ["alpha-city.example", "alpha.example"]
    assert event.data["client_secret_changed"] is True
    assert "very-secret" not in str(event.data)
    assert "very-secret" not in client.get(_url()).content.decode()


def test_leaving_the_secret_empty_keeps_the_saved_one(personas: Personas) -> None:
    client = personas.client_for(personas.admin_a)
    client.post(_url(), OIDC)
    assert (
        client.post(_url(), OIDC | {"client_secret": "", "client_id": "new-id"}).status_code == 302
    )
    with agency_scope(personas.agency_a.pk):
        sign_on = AgencySignOn.objects.get()
        changes = ArchiveEvent.objects.filter(verb="agency.sign_on_changed").order_by("id")
        last = list(changes)[-1]
    assert (sign_on.client_id, sign_on.client_secret) == ("new-id", "very-secret")
    assert last.data["client_secret_changed"] is False
    assert last.data["before"]["client_id"] == "3f1c-alpha"


def test_an_admin_connects_a_saml_provider_with_its_certificate(personas: Personas) -> None:
    certificate = SamlIdentityProvider().certificate
    form = {
        "protocol": "saml",
        "display_name": "Alpha staff account",
        "domains": "alpha.example",
        "is_enabled": "on",
        "idp_entity_id": "https://idp.alpha.example/saml",
        "idp_sso_url": "https://idp.alpha.example/saml/sso",
        "idp_certificate": certificate,
    }
    client = personas.client_for(personas.admin_a)
    assert client.post(_url(), form).status_code == 302
    with agency_scope(personas.agency_a.pk):
        sign_on = AgencySignOn.objects.get()
    assert sign_on.idp_certificate in certificate.replace("\n", "")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"domains": ""}, "Name at least one email domain."),
        ({"domains": "not a domain"}, "“a” is not an email domain like riverton.gov."),
        ({"issuer_url": "login.alpha.example"}, "starting with https://"),
        ({"client_secret": ""}, "Enter the client secret"),
        ({"protocol": "saml"}, "entity ID"),
        ({"protocol": "saml", "idp_entity_id": "x", "idp_sso_url": "https://idp.example/sso",
          "idp_certificate": "not a certificate"}, "signing certificate (PEM"),
        ({"display_name": ""}, "Give the button a label members recognise."),
    ],
)  # fmt: skip
def test_bad_settings_are_refused_with_a_clear_message(
    personas: Personas, change: dict[str, str], message: str
) -> None:
    response = personas.client_for(personas.admin_a).post(_url(), OIDC | change)
    assert response.status_code == 400
    assert message in response.content.decode()
    with agency_scope(personas.agency_a.pk):
        assert not AgencySignOn.objects.exists()


def test_a_domain_of_another_agency_cannot_be_claimed(personas: Personas) -> None:
    sign_on_for(personas.agency_b, domains=["alpha.example"])
    response = personas.client_for(personas.admin_a).post(_url(), OIDC)
    assert response.status_code == 400
    assert "alpha.example already signs in through another agency" in response.content.decode()
    with agency_scope(personas.agency_a.pk):
        assert not AgencySignOn.objects.exists()


def test_only_an_admin_changes_single_sign_on(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    assert "Save single sign-on" not in client.get(_url()).content.decode()
    assert client.post(_url(), OIDC).status_code == 302
    with agency_scope(personas.agency_a.pk):
        assert not AgencySignOn.objects.exists()
