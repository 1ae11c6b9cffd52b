"""Connect a demo agency's five network accounts to the emulator as its admin would:
on X's, Facebook's and Mastodon's authorisation pages (OAuth with PKCE), and with a
Bluesky app password; each grant goes through ``publishing.services.account_connect``.
"""

from __future__ import annotations

import secrets
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import httpx
from django.conf import settings
from django.urls import reverse

from accounts.models import Agency, User
from publishing.models import SocialAccount
from publishing.networks.base import (
    AccountConnector,
    ConnectableAccount,
    Network,
    PasswordConnector,
    pkce_challenge,
)
from publishing.networks.registry import connector_for
from publishing.services import account_connect

ADMIN_TIMEOUT = 10.0
# The networks connected through their authorisation page; Facebook's grant brings the
# page's Instagram account with it.
OAUTH_NETWORKS = (Network.X, Network.FACEBOOK, Network.MASTODON)


def emulator_call(verb: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the emulator's admin API (``/_emulator/``), as a person acting on the
    network would; return its JSON answer."""
    url = f"{settings.EMULATOR_URL}/_emulator{path}"
    answer = httpx.request(verb, url, json=body, timeout=ADMIN_TIMEOUT)
    answer.raise_for_status()
    return answer.json()


def accounts_connect(*, agency: Agency, admin: User, handle: str) -> list[SocialAccount]:
    """Connect the agency's accounts named ``handle`` on every network, unless the
    emulator knows each of them already (a fresh emulator, on a new ``make run``,
    knows none: they are connected again); return the agency's accounts."""
    for network in (*OAUTH_NETWORKS, Network.BLUESKY):
        if not _known(agency, network, handle):
            for grant in _grants(network, handle, agency.name):
                account_connect(agency=agency, actor=admin, grant=grant)
    return list(SocialAccount.objects.filter(disconnected_at=None).order_by("pk"))


def bluesky_handle(handle: str) -> str:
    """Return the Bluesky handle of the demo account ``handle``."""
    return f"{handle}.bsky.social"


def _known(agency: Agency, network: Network, handle: str) -> bool:
    """Return whether the agency has the account and the emulator still knows it."""
    name = bluesky_handle(handle) if network == Network.BLUESKY else handle
    stored = SocialAccount.objects.filter(network=network, disconnected_at=None)
    remote_ids = {
        account["id"]
        for account in emulator_call("GET", f"/accounts?network={network}")["accounts"]
    }
    return any(account.handle.lstrip("@") == name and account.remote_id in remote_ids
               for account in stored)  # fmt: skip


def _grants(network: Network, handle: str, display_name: str) -> list[ConnectableAccount]:
    """Return what the network's authorisation gives for the account ``handle``."""
    if network == Network.BLUESKY:
        password = secrets.token_urlsafe(16)
        emulator_call("POST", "/accounts", {
            "network": "bluesky", "handle": bluesky_handle(handle),
            "display_name": display_name, "password": password,
        })  # fmt: skip
        signs_in = cast(PasswordConnector, connector_for(network))
        return [signs_in.sign_in(identifier=bluesky_handle(handle), app_password=password)]
    emulator_call("POST", "/accounts", {
        "network": network.value, "handle": handle, "display_name": display_name,
    })  # fmt: skip
    connector = cast(AccountConnector, connector_for(network))
    callback = settings.SITE_URL + reverse("network_callback", kwargs={"network": network.value})
    verifier = secrets.token_urlsafe(48)
    page = httpx.URL(
        connector.authorize_url(
            redirect_uri=callback,
            state=secrets.token_urlsafe(16),
            code_challenge=pkce_challenge(verifier),
        )
    )
    # The person on the network's page: signed in as ``handle``, they authorise govsocial.
    form = dict(page.params) | {"handle": handle, "decision": "authorise"}
    answer = httpx.post(str(page.copy_with(query=None)), data=form, timeout=ADMIN_TIMEOUT)
    if answer.status_code != 302:
        raise RuntimeError(f"{network.value} did not authorise govsocial: {answer.text[:300]}")
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    return connector.connect(code=code, redirect_uri=callback, code_verifier=verifier)
