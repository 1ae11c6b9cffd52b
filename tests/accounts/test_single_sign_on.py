"""Signing in through an agency's OpenID Connect provider (a real one on a local port)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import Agency, AgencySignOn, Membership, Role, User
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import PASSWORD, MembershipFactory, UserFactory, sign_on_for, totp_code
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, LocalProvider, running_provider

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_sign_in_counters")]

DOMAIN = "alpha.example"


@pytest.fixture
def provider() -> Iterator[LocalProvider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture
def alpha(personas: Personas, provider: LocalProvider) -> Agency:
    """Agency A, whose members at alpha.example sign in through the local provider."""
    sign_on_for(
        personas.agency_a,
        issuer_url=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        domains=[DOMAIN],
    )
    return personas.agency_a


def _member(agency: Agency, email: str, *, two_factor: bool = False) -> User:
    user: User = UserFactory(email=email, two_factor=two_factor)
    MembershipFactory(agency=agency, user=user, roles=[Role.AUTHOR])
    return user


def _sign_on(
    client: Client, provider: LocalProvider, email: str, *, asserted: str | None = None
) -> HttpResponse:
    """Continue with single sign-on as ``email``; the provider vouches for ``asserted``."""
    provider.sign_in_as(asserted or email)
    started = client.post(reverse("account_login"), {"login": email, "single_sign_on": "1"})
    assert started.status_code == 302
    assert started["Location"].startswith(f"{provider.issuer}/authorize?")
    answer = requests.get(started["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(answer.headers["Location"])
    assert back.path == f"/accounts/oidc/{DOMAIN.split('.')[0]}/login/callback/"
    return client.get(f"{back.path}?{back.query}")


def _events(agency: Agency, verb: str) -> list[ArchiveEvent]:
    with agency_scope(agency.pk):
        return list(ArchiveEvent.objects.filter(verb=verb))


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_member_signs_in_through_the_agency_provider_without_a_password(
    alpha: Agency, provider: LocalProvider
) -> None:
    user = _member(alpha, f"casey@{DOMAIN}")
    client = Client()
    done = _sign_on(client, provider, user.email)
    assert done.status_code == 302
    assert provider.token_requests == 1
    assert client.get(reverse("agency_home", args=[alpha.slug])).status_code == 200
    [event] = _events(alpha, "user.signed_in")
    assert event.actor_id == str(user.pk)
    assert event.data == {"methods": ["socialaccount"], "provider": alpha.slug}


def test_single_sign_on_stands_for_two_factor_only_in_its_own_agency(
    alpha: Agency, personas: Personas, provider: LocalProvider
) -> None:
    user = _member(alpha, f"casey@{DOMAIN}")
    MembershipFactory(agency=personas.agency_b, user=user, roles=[Role.AUTHOR])
    client = Client()
    _sign_on(client, provider, user.email)
    assert client.get(reverse("agency_home", args=[alpha.slug])).status_code == 200
    elsewhere = client.get(reverse("agency_home", args=[personas.agency_b.slug]))
    assert elsewhere.status_code == 302
    assert elsewhere["Location"].startswith(reverse("mfa_index"))


def test_a_member_with_an_authenticator_app_still_gives_the_code(
    alpha: Agency, provider: LocalProvider
) -> None:
    user = _member(alpha, f"casey@{DOMAIN}", two_factor=True)
    client = Client()
    done = _sign_on(client, provider, user.email)
    assert done["Location"] == reverse("mfa_authenticate")
    assert not _signed_in(client)
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code()}).status_code == 302
    assert _signed_in(client)


def test_the_same_identity_signs_in_again_through_its_linked_account(
    alpha: Agency, provider: LocalProvider
) -> None:
    user = _member(alpha, f"casey@{DOMAIN}")
    for _ in range(2):
        client = Client()
        _sign_on(client, provider, user.email)
        assert _signed_in(client)
    assert SocialAccount.objects.filter(user=user, provider=alpha.slug).count() == 1


@pytest.mark.parametrize(
    ("asserted", "why"),
    [
        # The provider speaks for alpha.example only, not for another agency's people.
        ("admin-b", "has no account in City of Alpha"),
        (f"stranger@{DOMAIN}", "has no account in City of Alpha"),
    ],
)
def test_the_provider_cannot_sign_in_anyone_but_the_agency_members_at_its_domains(
    alpha: Agency, personas: Personas, provider: LocalProvider, asserted: str, why: str
) -> None:
    if asserted == "admin-b":
        asserted = personas.admin_b.user.email
    member = _member(alpha, f"casey@{DOMAIN}")
    client = Client()
    refused = _sign_on(client, provider, member.email, asserted=asserted)
    assert refused.status_code == 403
    assert why in refused.content.decode()
    assert not _signed_in(client)
    [event] = _events(alpha, "user.sign_on_refused")
    assert event.data == {"email": asserted}


def test_a_deactivated_member_is_refused(alpha: Agency, provider: LocalProvider) -> None:
    user = _member(alpha, f"casey@{DOMAIN}")
    with agency_scope(alpha.pk):
        Membership.objects.filter(user=user).update(is_active=False)
    client = Client()
    assert _sign_on(client, provider, user.email).status_code == 403
    assert not _signed_in(client)


def test_a_member_who_types_the_right_password_is_sent_to_the_provider(
    alpha: Agency, provider: LocalProvider
) -> None:
    user = _member(alpha, f"casey@{DOMAIN}")
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{provider.issuer}/authorize?")
    assert not _signed_in(client)


def test_a_wrong_password_answers_as_for_an_unknown_address(alpha: Agency) -> None:
    user = _member(alpha, f"casey@{DOMAIN}")
    known = Client().post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    unknown = Client().post(
        reverse("account_login"), {"login": f"nobody@{DOMAIN}", "password": "wrong"}
    )
    assert known.status_code == unknown.status_code == 200
    message = "The email address and/or password you specified are not correct."
    assert message in known.content.decode()
    assert message in unknown.content.decode()


def test_someone_of_another_agency_at_the_same_domain_keeps_their_password(
    alpha: Agency, personas: Personas
) -> None:
    other = _member(personas.agency_b, f"visitor@{DOMAIN}", two_factor=True)
    response = Client().post(reverse("account_login"), {"login": other.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")


def test_single_sign_on_for_a_domain_without_one_says_so() -> None:
    response = Client().post(
        reverse("account_login"), {"login": "someone@nowhere.example", "single_sign_on": "1"}
    )
    assert response.status_code == 400
    assert "No agency signs in nowhere.example addresses" in response.content.decode()


def test_a_switched_off_sign_on_sends_nobody_and_answers_nothing(
    alpha: Agency, provider: LocalProvider
) -> None:
    with agency_scope(alpha.pk):
        AgencySignOn.objects.update(is_enabled=False)
    user = _member(alpha, f"casey@{DOMAIN}")
    client = Client()
    routed = client.post(reverse("account_login"), {"login": user.email, "single_sign_on": "1"})
    assert routed.status_code == 400
    callback = reverse("openid_connect_callback", kwargs={"provider_id": alpha.slug})
    assert client.get(f"{callback}?code=x&state=y").status_code == 404
