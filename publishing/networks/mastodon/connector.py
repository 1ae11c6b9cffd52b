"""Connect Mastodon accounts with OAuth 2.0: the authorisation code flow with PKCE."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import requests

from publishing.networks.base import (
    AccountCredentials,
    ConnectableAccount,
    Network,
    NetworkSettings,
    PermanentNetworkError,
    TransientNetworkError,
)
from publishing.networks.http import requests_session, retry_after_seconds, transport_error
from publishing.networks.mastodon.client import account_client, mastodon_client, verified_profile

SCOPES = ("read", "write")


class MastodonConnector:
    """Connect Mastodon accounts with OAuth 2.0 (authorisation code and PKCE)."""

    def __init__(self, network: Network, settings: NetworkSettings) -> None:
        """Use govsocial's app registered on the instance at ``settings.api_url``."""
        self.network = network
        self._settings = settings
        self._session = requests_session(settings)

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        """Return the instance's page where a person authorises govsocial."""
        self._require_app()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._settings.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(SCOPES),
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self._settings.api_url}/oauth/authorize?{query}"

    def connect(
        self, *, code: str, redirect_uri: str, code_verifier: str
    ) -> list[ConnectableAccount]:
        """Exchange the code for a token; return the one account it acts as."""
        self._require_app()
        token, scopes = self._redeem(code, redirect_uri, code_verifier)
        profile = verified_profile(mastodon_client(self._settings, self._session, token))
        credentials = AccountCredentials(
            network=self.network,
            remote_id=profile.remote_id,
            handle=profile.handle,
            access_token=token,
            extra={"instance_url": self._settings.api_url},
        )
        return [ConnectableAccount(profile=profile, credentials=credentials, scopes=scopes)]

    def refresh(self, account: AccountCredentials) -> AccountCredentials:
        """Return the credentials unchanged once the instance confirms the token still
        works: Mastodon tokens last until revoked, so there is nothing to renew."""
        verified_profile(account_client(self._settings, self._session, account))
        return account

    def _require_app(self) -> None:
        """Refuse to start when no app is configured for the instance."""
        if not self._settings.client_id or not self._settings.client_secret:
            raise PermanentNetworkError(
                "Mastodon is not configured: an administrator must register govsocial as an "
                f"app on {self._settings.api_url} and set MASTODON_CLIENT_ID and "
                "MASTODON_CLIENT_SECRET.",
                code="not_configured",
            )

    def _redeem(self, code: str, redirect_uri: str, verifier: str) -> tuple[str, tuple[str, ...]]:
        """Return the access token and scopes ``code`` is worth (Mastodon.py's ``log_in``
        cannot send a PKCE verifier, so the token endpoint is called directly)."""
        try:
            response = self._session.post(
                f"{self._settings.api_url}/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "client_id": self._settings.client_id,
                    "client_secret": self._settings.client_secret,
                    "redirect_uri": redirect_uri,
                    "code_verifier": verifier,
                    "scope": " ".join(SCOPES),
                },
            )
        except requests.RequestException as error:
            # A code is single-use but nothing was published: the person simply starts over.
            raise transport_error(error, writes=False) from error
        if response.status_code == 429:
            raise TransientNetworkError(
                "Mastodon is limiting requests; try connecting again in a few minutes.",
                retry_after=retry_after_seconds(response.headers),
                rate_limited=True,
                status=429,
            )
        if response.status_code >= 500:
            raise TransientNetworkError(
                "Mastodon could not answer; try connecting again in a few minutes.",
                status=response.status_code,
            )
        body = _json(response)
        if response.ok and body.get("access_token"):
            return str(body["access_token"]), tuple(str(body.get("scope", "")).split())
        if body.get("error") == "invalid_client":
            raise PermanentNetworkError(
                f"{self._settings.api_url} does not recognise govsocial's app: an administrator "
                "must check MASTODON_CLIENT_ID and MASTODON_CLIENT_SECRET.",
                status=response.status_code,
                code="invalid_client",
            )
        raise PermanentNetworkError(
            "Mastodon did not accept the authorisation (it may have expired or been used "
            "already). Start connecting the account again.",
            status=response.status_code,
            code=str(body.get("error") or "invalid_grant"),
        )


def _json(response: requests.Response) -> dict[str, Any]:
    """Return a JSON object answer, or {} when the body is something else."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
