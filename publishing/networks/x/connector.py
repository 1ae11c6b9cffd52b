"""Connect an X account with OAuth 2.0 and PKCE, and refresh its tokens.

tweepy's OAuth2UserHandler (requests-oauthlib) is not used: X's token endpoint takes a
plain form post, made on the same kind of session as the adapter's, with its timeout,
User-Agent and errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from publishing.networks.base import (
    AccountCredentials,
    ConnectableAccount,
    Network,
    PermanentNetworkError,
)
from publishing.networks.x.api import XConnection, answer_json, calling, checked, profile_of

# tweet.moderate.write is what hiding replies needs; offline.access brings a refresh token.
SCOPES = (
    "tweet.read",
    "tweet.write",
    "tweet.moderate.write",
    "users.read",
    "offline.access",
    "media.write",
)


def _expiry(answer: Mapping[str, Any]) -> datetime | None:
    """Return when a token X just issued expires, from its ``expires_in``."""
    seconds = answer.get("expires_in")
    return datetime.now(UTC) + timedelta(seconds=int(seconds)) if seconds else None


class XConnector(XConnection):
    """Connect an X account with OAuth 2.0 and PKCE, and refresh its tokens."""

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        """Return X's page where a person lets govsocial act as their account."""
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(SCOPES),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.settings.authorize_url}?{urlencode(query, quote_via=quote)}"

    def connect(
        self, *, code: str, redirect_uri: str, code_verifier: str
    ) -> list[ConnectableAccount]:
        """Exchange the code for tokens; return the one account they act as."""
        answer = self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
            refused="X did not accept the authorisation (it may have expired or been used "
            "already). Start connecting the account again.",
            reauthorise=False,
        )
        with calling(writes=False):
            me = self.client(answer["access_token"]).get_me(
                user_auth=False, user_fields=["profile_image_url"]
            )
        profile = profile_of(me["data"])
        credentials = AccountCredentials(
            network=Network.X,
            remote_id=profile.remote_id,
            handle=profile.handle,
            access_token=answer["access_token"],
            refresh_token=str(answer.get("refresh_token") or ""),
            token_expires_at=_expiry(answer),
        )
        scopes = tuple(str(answer.get("scope") or "").split())
        return [ConnectableAccount(profile=profile, credentials=credentials, scopes=scopes)]

    def refresh(self, account: AccountCredentials) -> AccountCredentials:
        """Return the account's credentials with a new access token and the new refresh
        token: X's refresh tokens work once."""
        refused = (
            "X no longer lets govsocial renew its access to this account. An administrator "
            "needs to reconnect the account."
        )
        if not account.refresh_token:
            raise PermanentNetworkError(refused, needs_reauthorisation=True)
        answer = self._token(
            {"grant_type": "refresh_token", "refresh_token": account.refresh_token},
            refused=refused,
            reauthorise=True,
        )
        return replace(
            account,
            access_token=answer["access_token"],
            refresh_token=str(answer.get("refresh_token") or account.refresh_token),
            token_expires_at=_expiry(answer),
        )

    def _token(self, form: dict[str, str], *, refused: str, reauthorise: bool) -> dict[str, Any]:
        """Call X's token endpoint; a confidential app authenticates with HTTP Basic."""
        auth = None
        if self.settings.client_secret:
            auth = (self.settings.client_id, self.settings.client_secret)
        else:
            form = form | {"client_id": self.settings.client_id}
        # Not a post: a cut-off answer means "try again" (a spent code or refresh token
        # then says so itself).
        with calling(writes=False):
            response = self.session.post(f"{self.api_url}/2/oauth2/token", data=form, auth=auth)
        if response.status_code in (400, 401):
            error = str(answer_json(response).get("error") or "") or None
            if response.status_code == 401 or error == "invalid_client":
                raise PermanentNetworkError(
                    "X did not recognise govsocial's app (its client id or secret). An "
                    "administrator needs to check govsocial's X settings.",
                    status=response.status_code,
                    code=error,
                )
            raise PermanentNetworkError(
                refused, needs_reauthorisation=reauthorise, status=response.status_code, code=error
            )
        return checked(response)
