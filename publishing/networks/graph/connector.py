"""Connect Facebook pages and their Instagram accounts through Facebook Login.

A person approves govsocial on Facebook's dialog; the code becomes a user token, which is
exchanged for a long-lived one; ``/me/accounts`` then lists the pages the person manages,
each with a page token (which does not expire when it comes from a long-lived user
token) and the Instagram professional account linked to it. Only page tokens are kept:
every page and every linked Instagram account becomes one connectable account.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from publishing.networks.base import (
    AccountCredentials,
    AccountProfile,
    ConnectableAccount,
    Network,
    NetworkSettings,
    PermanentNetworkError,
)
from publishing.networks.graph.client import GraphSession

SCOPES = (
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_messaging",
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
)
PAGE_FIELDS = (
    "id,name,username,access_token,picture,"
    "instagram_business_account{id,username,profile_picture_url,name}"
)


class GraphConnector:
    """Run Facebook Login for pages and their linked Instagram accounts."""

    def __init__(self, network: Network, settings: NetworkSettings) -> None:
        """Connect for ``network`` (either gives both pages and Instagram accounts)."""
        self.network = network
        self._settings = settings

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        """Return Facebook's login dialog asking for the page and Instagram permissions."""
        query = {
            "client_id": self._settings.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "response_type": "code",
            "scope": ",".join(SCOPES),
        }
        if code_challenge:
            query |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
        base = self._settings.authorize_url.rstrip("/")
        return f"{base}/{self._settings.api_version}/dialog/oauth?{urlencode(query)}"

    def connect(
        self, *, code: str, redirect_uri: str, code_verifier: str
    ) -> list[ConnectableAccount]:
        """Exchange the dialog's code; return every page and linked Instagram account."""
        app = {"client_id": self._settings.client_id, "client_secret": self._settings.client_secret}
        with GraphSession(self._settings, "", network_name="Facebook") as graph:
            exchange = {"redirect_uri": redirect_uri, "code": code} | app
            if code_verifier:
                exchange["code_verifier"] = code_verifier
            try:
                short = graph.post("oauth/access_token", exchange, writes=False)
            except PermanentNetworkError as error:
                raise PermanentNetworkError(
                    "Facebook did not accept the authorisation: it may have expired or been "
                    "used already. Start connecting the account again.",
                    status=error.status,
                    code=error.code,
                ) from None
            # Page tokens taken with a long-lived user token do not expire.
            long_lived = graph.post(
                "oauth/access_token",
                {"grant_type": "fb_exchange_token", "fb_exchange_token": short["access_token"]}
                | app,
                writes=False,
            )
        with GraphSession(
            self._settings, str(long_lived["access_token"]), network_name="Facebook"
        ) as graph:
            pages = list(graph.pages("me/accounts", fields=PAGE_FIELDS, limit=100))
        return [account for page in pages for account in _accounts_of(page)]

    def refresh(self, account: AccountCredentials) -> AccountCredentials:
        """Return the credentials unchanged once Graph confirms the page token still works.

        Page tokens do not expire and cannot be refreshed; one that was revoked raises
        PermanentNetworkError(needs_reauthorisation=True).
        """
        name = "Instagram" if account.network == Network.INSTAGRAM else "Facebook"
        with GraphSession(self._settings, account.access_token, network_name=name) as graph:
            graph.get(account.remote_id, fields="id")
        return account


def _accounts_of(page: dict[str, Any]) -> list[ConnectableAccount]:
    """Return the page, and its Instagram account when one is linked, as connectable;
    both act with the page's token."""
    page_id, token = str(page["id"]), str(page["access_token"])
    picture = ((page.get("picture") or {}).get("data") or {}).get("url", "")
    profiles = [
        (
            Network.FACEBOOK,
            AccountProfile(
                page_id, str(page.get("username") or page_id), str(page.get("name", "")), picture
            ),
        )
    ]
    instagram = page.get("instagram_business_account")
    if instagram:
        profiles.append(
            (
                Network.INSTAGRAM,
                AccountProfile(
                    str(instagram["id"]),
                    str(instagram.get("username", "")),
                    str(instagram.get("name", "")),
                    str(instagram.get("profile_picture_url", "")),
                ),
            )
        )
    return [
        ConnectableAccount(
            profile=profile,
            credentials=AccountCredentials(
                network=network,
                remote_id=profile.remote_id,
                handle=profile.handle,
                access_token=token,
                extra={"page_id": page_id},
            ),
        )
        for network, profile in profiles
    ]
