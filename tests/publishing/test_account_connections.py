"""An agency admin connects network accounts through the networks' own authorisation,
and health checks keep their tokens alive or say that they need re-authorisation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from archive.models import ArchiveEvent
from govsocial.errors import PermissionDenied
from govsocial.tenancy import agency_scope
from publishing import services
from publishing.models import AccountHealth, SocialAccount
from publishing.networks.base import (
    AccountCredentials,
    AccountProfile,
    ConnectableAccount,
    Network,
    pkce_challenge,
)
from publishing.networks.registry import connector_for
from publishing.tasks import account_health_check
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import social_account_for

pytestmark = pytest.mark.django_db


def _connect_through_pages(
    client: Client, emulator: Emulator, agency_slug: str, network: str, handle: str
) -> str:
    """Press "Connect", approve on the emulator's page as ``handle``, come back; return
    the page the person lands on."""
    start = client.post(reverse("account_connect_start", args=[agency_slug, network]))
    assert start.status_code == 302
    assert start["Location"].startswith(emulator.base_url)
    back = urlsplit(emulator.authorise(start["Location"], handle))
    assert back.path == reverse("network_callback", args=[network])
    callback = client.get(f"{back.path}?{back.query}")
    assert callback.status_code == 302
    finish = client.get(callback["Location"], follow=True)
    assert finish.status_code == 200
    return finish.content.decode()


def _accounts(personas: Personas) -> list[SocialAccount]:
    with agency_scope(personas.agency_a.pk):
        return list(SocialAccount.objects.all())


def _verbs(personas: Personas) -> list[str]:
    with agency_scope(personas.agency_a.pk):
        return list(ArchiveEvent.objects.order_by("id").values_list("verb", flat=True))


def test_an_admin_connects_an_x_account_and_sees_it_healthy(
    personas: Personas, networks: Emulator
) -> None:
    client = personas.client_for(personas.admin_a)
    page = _connect_through_pages(client, networks, "alpha", "x", "alpha_city")
    (account,) = _accounts(personas)
    assert (account.network, account.handle, account.health) == ("x", "alpha_city", "ok")
    assert account.refresh_token and account.token_expires_at is not None
    assert "X alpha_city is connected." in page
    assert "Healthy" in page
    assert "account.connected" in _verbs(personas)


def test_connecting_facebook_brings_the_page_and_its_instagram_account(
    personas: Personas, networks: Emulator
) -> None:
    client = personas.client_for(personas.admin_a)
    _connect_through_pages(client, networks, "alpha", "facebook", "alpha_city")
    networks_connected = sorted(a.network for a in _accounts(personas))
    assert networks_connected == ["facebook", "instagram"]
    assert all(a.health == AccountHealth.OK for a in _accounts(personas))


def test_an_admin_connects_mastodon_through_the_instance(
    personas: Personas, networks: Emulator
) -> None:
    client = personas.client_for(personas.admin_a)
    _connect_through_pages(client, networks, "alpha", "mastodon", "alpha_city")
    (account,) = _accounts(personas)
    assert (account.network, account.health) == ("mastodon", "ok")


def test_cancelling_on_the_network_connects_nothing_and_says_so(
    personas: Personas, networks: Emulator
) -> None:
    client = personas.client_for(personas.admin_a)
    start = client.post(reverse("account_connect_start", args=["alpha", "x"]))
    back = urlsplit(networks.authorise(start["Location"], "alpha_city", decision="cancel"))
    finish = client.get(client.get(f"{back.path}?{back.query}")["Location"], follow=True)
    assert "did not authorise govsocial" in finish.content.decode()
    assert _accounts(personas) == []


def test_a_callback_nobody_started_here_connects_nothing(
    personas: Personas, networks: Emulator
) -> None:
    client = personas.client_for(personas.admin_a)
    response = client.get(reverse("network_callback", args=["x"]) + "?code=abc&state=forged")
    assert response.status_code == 302
    assert _accounts(personas) == []


def test_an_author_cannot_connect_an_account(personas: Personas, networks: Emulator) -> None:
    client = personas.client_for(personas.author_a)
    response = client.post(reverse("account_connect_start", args=["alpha", "x"]), follow=True)
    assert "Only an agency admin can connect" in response.content.decode()


def test_bluesky_connects_with_an_app_password_that_is_not_stored(
    personas: Personas, networks: Emulator
) -> None:
    networks.account("bluesky", "alpha.bsky.social", password="app-pass-1234")
    client = personas.client_for(personas.admin_a)
    url = reverse("account_connect_bluesky", args=["alpha"])
    wrong = client.post(url, {"identifier": "alpha.bsky.social", "app_password": "nope"})
    assert wrong.status_code == 400
    assert _accounts(personas) == []
    right = client.post(url, {"identifier": "@alpha.bsky.social", "app_password": "app-pass-1234"})
    assert right.status_code == 302
    (account,) = _accounts(personas)
    assert (account.network, account.handle) == ("bluesky", "alpha.bsky.social")
    assert "app-pass-1234" not in (account.access_token + account.refresh_token)


def test_reconnecting_a_disconnected_account_revives_it_with_new_tokens(
    personas: Personas, networks: Emulator
) -> None:
    client = personas.client_for(personas.admin_a)
    _connect_through_pages(client, networks, "alpha", "x", "alpha_city")
    (first,) = _accounts(personas)
    with agency_scope(personas.agency_a.pk):
        services.account_disconnect(account=first, actor=personas.admin_a.user)
    _connect_through_pages(client, networks, "alpha", "x", "alpha_city")
    (again,) = _accounts(personas)
    assert again.pk == first.pk
    assert again.disconnected_at is None and again.health == AccountHealth.OK
    assert again.access_token and again.access_token != first.access_token
    assert "account.reconnected" in _verbs(personas)


def test_a_reconnection_without_a_refresh_token_keeps_the_one_stored(
    personas: Personas,
) -> None:
    stored = social_account_for(personas.agency_a, refresh_token="kept-refresh-token")
    grant = ConnectableAccount(
        profile=AccountProfile(remote_id=stored.remote_id, handle="alpha", display_name="Alpha"),
        credentials=AccountCredentials(
            network=Network.X,
            remote_id=stored.remote_id,
            handle="alpha",
            access_token="new-access-token",
        ),
    )
    with agency_scope(personas.agency_a.pk):
        account, created = services.account_connect(
            agency=personas.agency_a, actor=personas.admin_a.user, grant=grant
        )
    assert not created
    assert (account.access_token, account.refresh_token) == (
        "new-access-token",
        "kept-refresh-token",
    )


def test_disconnecting_forgets_the_tokens_and_keeps_the_account(
    personas: Personas, networks: Emulator
) -> None:
    client = personas.client_for(personas.admin_a)
    _connect_through_pages(client, networks, "alpha", "x", "alpha_city")
    (account,) = _accounts(personas)
    with agency_scope(personas.agency_a.pk), pytest.raises(PermissionDenied):
        services.account_disconnect(account=account, actor=personas.author_a.user)
    client.post(reverse("account_disconnect", args=["alpha", account.pk]))
    (account,) = _accounts(personas)
    assert account.access_token == "" and account.refresh_token == ""
    assert account.health == AccountHealth.DISABLED
    assert "account.disconnected" in _verbs(personas)


def _connected_x_account(personas: Personas, emulator: Emulator, **fields: object) -> SocialAccount:
    """Connect ``alpha_city`` on the emulated X through the connector, as the pages do."""
    connector = connector_for(Network.X)
    callback = "http://testserver/networks/x/callback/"
    verifier = "verifier-" + "v" * 50
    start = connector.authorize_url(  # type: ignore[union-attr]
        redirect_uri=callback, state="s", code_challenge=pkce_challenge(verifier)
    )
    code = _code_from(emulator, start)
    (grant,) = connector.connect(  # type: ignore[union-attr]
        code=code, redirect_uri=callback, code_verifier=verifier
    )
    with agency_scope(personas.agency_a.pk):
        account, _ = services.account_connect(
            agency=personas.agency_a, actor=personas.admin_a.user, grant=grant
        )
        SocialAccount.objects.filter(pk=account.pk).update(**fields)
        account.refresh_from_db()
    return account


def _code_from(emulator: Emulator, authorize_url: str) -> str:
    """Approve on the emulator's page; return the code it hands out."""
    location = emulator.authorise(authorize_url, "alpha_city")
    return dict(part.split("=", 1) for part in urlsplit(location).query.split("&"))["code"]


def _check(personas: Personas, account: SocialAccount) -> SocialAccount:
    """Run the periodic task's check of one account, as a worker would."""
    account_health_check(agency_id=personas.agency_a.pk, account_id=account.pk)
    with agency_scope(personas.agency_a.pk):
        return SocialAccount.objects.get(pk=account.pk)


def test_a_dead_token_turns_the_account_to_needs_reauthorisation_in_one_check(
    personas: Personas,
    networks: Emulator,
    mailoutbox: list[mail.EmailMessage],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    account = _connected_x_account(personas, networks)
    assert _check(personas, account).health == AccountHealth.OK
    networks.expire("x", "alpha_city", refresh=True)
    with django_capture_on_commit_callbacks(execute=True):
        account = _check(personas, account)
    assert account.health == AccountHealth.NEEDS_REAUTHORISATION
    assert account.health_reason
    (email,) = mailoutbox
    assert email.to == [account.connected_by.email]
    assert "reconnect" in email.body.lower()
    assert "account.health_changed" in _verbs(personas)
    # Still dead: no second email.
    with django_capture_on_commit_callbacks(execute=True):
        _check(personas, account)
    assert len(mailoutbox) == 1


def test_an_access_token_that_died_early_is_renewed_with_the_refresh_token(
    personas: Personas, networks: Emulator
) -> None:
    account = _connected_x_account(personas, networks)
    networks.expire("x", "alpha_city")
    checked = _check(personas, account)
    assert checked.health == AccountHealth.OK
    assert checked.access_token != account.access_token
    assert checked.refresh_token != account.refresh_token  # X rotates refresh tokens
    assert "account.token_refreshed" in _verbs(personas)


def test_a_token_near_its_expiry_is_renewed_before_it_is_used(
    personas: Personas, networks: Emulator
) -> None:
    soon = timezone.now() + timedelta(minutes=2)
    account = _connected_x_account(personas, networks, token_expires_at=soon)
    checked = _check(personas, account)
    assert checked.access_token != account.access_token
    assert checked.token_expires_at is not None and checked.token_expires_at > soon


def test_a_throttled_account_is_rate_limited_until_the_time_the_network_said(
    personas: Personas, networks: Emulator
) -> None:
    account = _connected_x_account(personas, networks)
    networks.fault("rate_limit", network="x", reset_in=120)
    checked = _check(personas, account)
    assert checked.health == AccountHealth.RATE_LIMITED
    assert checked.rate_limited_until is not None
    assert (
        timedelta(seconds=60)
        < checked.rate_limited_until - timezone.now()
        <= timedelta(seconds=125)
    )
    networks.clear_faults()
    assert _check(personas, account).health == AccountHealth.OK


def test_admins_choose_which_members_publish_to_an_account(
    personas: Personas, networks: Emulator
) -> None:
    account = _connected_x_account(personas, networks)
    author = personas.author_a.user
    with agency_scope(personas.agency_a.pk):
        services.account_require_publisher(account=account, actor=personas.admin_a.user)
        with pytest.raises(PermissionDenied):
            services.account_require_publisher(account=account, actor=author)
    client = personas.client_for(personas.admin_a)
    url = reverse("account_publishers", args=["alpha", account.pk])
    assert client.post(url, {"members": [personas.author_a.pk]}).status_code == 302
    with agency_scope(personas.agency_a.pk):
        services.account_require_publisher(account=account, actor=author)
    assert "account.publishers_changed" in _verbs(personas)
    # An author cannot delegate, even to themself.
    author_client = personas.client_for(personas.author_a)
    author_client.post(url, {"members": []})
    with agency_scope(personas.agency_a.pk):
        services.account_require_publisher(account=account, actor=author)
    client.post(url, {"members": []})
    with agency_scope(personas.agency_a.pk), pytest.raises(PermissionDenied):
        services.account_require_publisher(account=account, actor=author)
