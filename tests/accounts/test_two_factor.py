"""Two-factor sign-in, enforced by the agency's policy in pages and API alike."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Agency, Role
from tests.conftest import Personas
from tests.factories import PASSWORD, MembershipFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db


def _without_two_factor(agency: Agency) -> Client:
    member = MembershipFactory(
        agency=agency, user=UserFactory(two_factor=False), roles=[Role.ADMIN]
    )
    client = Client()
    client.force_login(member.user)
    return client


def test_a_member_without_two_factor_is_sent_to_set_it_up(personas: Personas) -> None:
    client = _without_two_factor(personas.agency_a)
    for name in ("agency_home", "members"):
        response = client.get(reverse(name, args=["alpha"]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_index"))
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    assert "requires two-factor authentication" in page.content.decode()


def test_a_member_without_two_factor_gets_nothing_from_the_api(personas: Personas) -> None:
    client = _without_two_factor(personas.agency_a)
    response = client.get(reverse("member-list", args=["alpha"]))
    assert response.status_code == 403
    assert "requires two-factor authentication" in response.json()["detail"]


def test_an_agency_may_let_members_in_without_two_factor(personas: Personas) -> None:
    Agency.objects.filter(pk=personas.agency_a.pk).update(require_two_factor=False)
    client = _without_two_factor(personas.agency_a)
    assert client.get(reverse("members", args=["alpha"])).status_code == 200


def test_a_security_key_agency_turns_away_authenticator_app_codes(personas: Personas) -> None:
    Agency.objects.filter(pk=personas.agency_a.pk).update(require_security_key=True)
    client = personas.client_for(personas.author_a)  # has an authenticator app only
    response = client.get(reverse("agency_home", args=["alpha"]))
    assert response["Location"].startswith(reverse("mfa_add_webauthn"))
    api = client.get(reverse("member-list", args=["alpha"]))
    assert api.status_code == 403
    assert "security keys" in api.json()["detail"]


def _sign_in(client: Client, email: str, code: str) -> int:
    step = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert step["Location"] == reverse("mfa_authenticate")
    return client.post(reverse("mfa_authenticate"), {"code": code}).status_code


def test_a_totp_code_works_once(personas: Personas) -> None:
    email = personas.author_a.user.email
    code = totp_code()
    first = Client()
    assert _sign_in(first, email, code) == 302
    assert first.get(reverse("agency_home", args=["alpha"])).status_code == 200
    replay = Client()
    assert _sign_in(replay, email, code) == 200  # the form again, with an error
    assert replay.get(reverse("agency_home", args=["alpha"])).status_code == 302


def test_a_wrong_code_does_not_sign_in(personas: Personas) -> None:
    client = Client()
    wrong = f"{(int(totp_code()) + 1) % 1_000_000:06d}"
    assert _sign_in(client, personas.author_a.user.email, wrong) == 200
    response = client.get(reverse("agency_home", args=["alpha"]))
    assert response["Location"].startswith(reverse("account_login"))
