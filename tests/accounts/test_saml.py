"""Signing in through an agency's SAML 2.0 identity provider: metadata and signed answers."""

from __future__ import annotations

import base64

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from lxml import etree

from accounts.models import Agency, Role, SignOnProtocol, User
from tests.conftest import Personas
from tests.factories import MembershipFactory, UserFactory, sign_on_for
from tests.saml_identity_provider import ENTITY_ID, SSO_URL, SamlIdentityProvider

pytestmark = pytest.mark.django_db

HOST = "govsocial.alpha.example"
SP_ENTITY_ID = f"http://{HOST}/accounts/saml/alpha/metadata/"
ACS_URL = f"http://{HOST}/accounts/saml/alpha/acs/"
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


@pytest.fixture
def idp() -> SamlIdentityProvider:
    return SamlIdentityProvider()


@pytest.fixture
def alpha(personas: Personas, idp: SamlIdentityProvider, settings: object) -> Agency:
    settings.ALLOWED_HOSTS = [HOST]  # type: ignore[attr-defined]
    sign_on_for(
        personas.agency_a,
        protocol=SignOnProtocol.SAML,
        issuer_url="",
        client_id="",
        client_secret="",
        idp_entity_id=ENTITY_ID,
        idp_sso_url=SSO_URL,
        idp_certificate=idp.certificate,
        domains=["alpha.example"],
    )
    return personas.agency_a


@pytest.fixture
def member(alpha: Agency) -> User:
    user: User = UserFactory(email="casey@alpha.example", two_factor=False)
    MembershipFactory(agency=alpha, user=user, roles=[Role.AUTHOR])
    return user


def _answer(
    client: Client, idp: SamlIdentityProvider, email: str, tamper: bool = False
) -> HttpResponse:
    started = client.post(
        reverse("account_login"), {"login": email, "single_sign_on": "1"}, HTTP_HOST=HOST
    )
    assert started.status_code == 302
    saml_response = idp.response(
        in_response_to=idp.request_id(started["Location"]),
        acs_url=ACS_URL,
        audience=SP_ENTITY_ID,
        email=email,
    )
    if tamper:
        xml = base64.b64decode(saml_response).replace(b"casey@", b"admin@")
        saml_response = base64.b64encode(xml).decode()
    posted = client.post(ACS_URL, {"SAMLResponse": saml_response}, HTTP_HOST=HOST)
    assert posted.status_code == 302
    return client.get(posted["Location"], HTTP_HOST=HOST)


def test_the_agency_metadata_names_its_entity_and_where_answers_go(alpha: Agency) -> None:
    response = Client().get(f"/accounts/saml/{alpha.slug}/metadata/", HTTP_HOST=HOST)
    assert response.status_code == 200
    metadata = etree.fromstring(response.content)
    assert metadata.get("entityID") == SP_ENTITY_ID
    acs = metadata.find(f"{MD}SPSSODescriptor/{MD}AssertionConsumerService")
    assert acs is not None
    assert acs.get("Location") == ACS_URL


def test_a_signed_answer_signs_the_member_in(
    member: User, alpha: Agency, idp: SamlIdentityProvider
) -> None:
    client = Client()
    done = _answer(client, idp, member.email)
    assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
    home = client.get(reverse("agency_home", args=[alpha.slug]), HTTP_HOST=HOST)
    assert home.status_code == 200


def test_an_answer_changed_after_signing_is_refused(
    member: User, idp: SamlIdentityProvider
) -> None:
    client = Client()
    refused = _answer(client, idp, member.email, tamper=True)
    assert "_auth_user_id" not in client.session
    assert refused.status_code == 401
    assert "Sign-in through your agency failed" in refused.content.decode()


def test_an_answer_signed_by_another_key_is_refused(member: User) -> None:
    client = Client()
    refused = _answer(client, SamlIdentityProvider(), member.email)
    assert "_auth_user_id" not in client.session
    assert refused.status_code == 401
    assert "Sign-in through your agency failed" in refused.content.decode()
