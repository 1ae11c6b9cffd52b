"""Connect a Bluesky account with its handle and an app password, and renew its session."""

from __future__ import annotations

from dataclasses import replace

from atproto import models

from publishing.networks.base import (
    AccountCredentials,
    ConnectableAccount,
    Network,
    NetworkSettings,
    PermanentNetworkError,
)
from publishing.networks.bluesky.adapter import BlueskyAdapter
from publishing.networks.bluesky.session import SESSION_ENDED, calling, expires_at, open_client

SIGN_IN_REFUSED = (
    "Bluesky refused the handle or app password. Check the handle, or create a new app "
    "password in Bluesky (Settings, Privacy and security, App passwords)."
)
SIGN_IN_NEEDS_EMAIL_CODE = (
    "Bluesky asked for an email code: this is the account's own password. Create an app "
    "password in Bluesky (Settings, Privacy and security, App passwords) and use it instead."
)


class BlueskyConnector:
    """Connect a Bluesky account with its handle and an app password, and renew its session."""

    network = Network.BLUESKY

    def __init__(self, settings: NetworkSettings) -> None:
        """Talk to the PDS at ``settings.api_url``."""
        self.settings = settings

    def sign_in(self, *, identifier: str, app_password: str) -> ConnectableAccount:
        """Open a session as ``identifier``; return the account, its profile and tokens."""
        data = models.ComAtprotoServerCreateSession.Data(
            identifier=identifier.strip().lstrip("@"), password=app_password
        )
        try:
            with open_client(self.settings) as client, calling(writes=False, refused="the sign-in"):
                session = client.com.atproto.server.create_session(data)
        except PermanentNetworkError as error:
            # Here a refusal is about the password, not about a session.
            if error.status == 401:
                reason = (
                    SIGN_IN_NEEDS_EMAIL_CODE
                    if error.code == "AuthFactorTokenRequired"
                    else SIGN_IN_REFUSED
                )
                raise PermanentNetworkError(reason, status=401, code=error.code) from error
            raise
        credentials = AccountCredentials(
            network=Network.BLUESKY,
            remote_id=session.did,
            handle=session.handle,
            access_token=session.access_jwt,
            refresh_token=session.refresh_jwt,
            token_expires_at=expires_at(session.access_jwt),
        )
        profile = BlueskyAdapter(self.settings).profile(credentials)
        return ConnectableAccount(profile=profile, credentials=credentials)

    def refresh(self, account: AccountCredentials) -> AccountCredentials:
        """Renew the session with the refresh JWT; return the account with the new pair
        (the old refresh JWT stops working)."""
        if not account.refresh_token:
            raise PermanentNetworkError(SESSION_ENDED, needs_reauthorisation=True)
        # A write: the PDS replaces the refresh JWT, so an answer lost on the way back
        # leaves the stored one possibly spent.
        with (
            open_client(self.settings) as client,
            calling(writes=True, refused="renewing the session"),
        ):
            session = client.com.atproto.server.refresh_session(
                headers={"Authorization": f"Bearer {account.refresh_token}"}
            )
        return replace(
            account,
            handle=session.handle,
            access_token=session.access_jwt,
            refresh_token=session.refresh_jwt,
            token_expires_at=expires_at(session.access_jwt),
        )
