"""Set Mastodon.py up for the configured instance and turn its errors into the three
the publishing state machine knows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonIllegalArgumentError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
    MastodonVersionError,
)

from publishing.networks.base import (
    AccountCredentials,
    AccountProfile,
    NetworkError,
    NetworkSettings,
    OutcomeUnknownError,
    PermanentNetworkError,
    TransientNetworkError,
    write_starts,
)
from publishing.networks.http import transport_error

# Every instance still running runs 4.x; naming the version spares Mastodon.py a call to
# /api/v1/instance before each upload (it picks the v2 media endpoint from it).
MINIMUM_VERSION = "4.0.0"
# The longest text of the instance's own answer shown to people.
REASON_LENGTH = 300


def mastodon_client(settings: NetworkSettings, session: requests.Session, token: str) -> Mastodon:
    """Return Mastodon.py acting with ``token``; a rate limit raises, never sleeps."""
    return Mastodon(
        access_token=token,
        api_base_url=settings.api_url,
        session=session,
        request_timeout=settings.timeout_seconds,
        ratelimit_method="throw",
        version_check_mode="created",
        mastodon_version=MINIMUM_VERSION,
        # Mastodon.py sets its own User-Agent on every request, over the session's.
        user_agent=settings.user_agent,
    )


def account_client(
    settings: NetworkSettings, session: requests.Session, account: AccountCredentials
) -> Mastodon:
    """Return Mastodon.py acting as ``account``, which must belong to the configured
    instance."""
    instance = account.extra.get("instance_url", "").rstrip("/")
    if instance and instance != settings.api_url.rstrip("/"):
        # The token belongs to another server; sending it to this one would leak it.
        raise PermanentNetworkError(
            f"This account was connected on {instance}, but govsocial now publishes to "
            f"{settings.api_url}. Reconnect the account.",
            needs_reauthorisation=True,
        )
    return mastodon_client(settings, session, account.access_token)


def verified_profile(client: Mastodon) -> AccountProfile:
    """Return the account ``client``'s token belongs to."""
    with translated(client):
        me = client.account_verify_credentials()
    return AccountProfile(
        remote_id=str(me.id),
        handle=me.acct,
        display_name=me.display_name or me.username,
        avatar_url=me.avatar or "",
    )


@contextmanager
def translated(client: Mastodon, *, writes: bool = False) -> Iterator[None]:
    """Raise Mastodon.py's errors as the three the publishing state machine knows.

    ``writes``: the call creates a status, so an answer that never came means the status
    may exist (and it does not start too late)."""
    if writes:
        write_starts()
    try:
        yield
    except MastodonError as error:
        raise network_error(error, client, writes=writes) from error


def network_error(error: MastodonError, client: Mastodon, *, writes: bool) -> NetworkError:
    """Return the error ``error`` means for the state machine."""
    if isinstance(error, MastodonRatelimitError):
        # Mastodon.py read X-RateLimit-Reset (an ISO time) into ratelimit_reset.
        reset = client.ratelimit_reset
        return TransientNetworkError(
            "Mastodon is limiting the requests govsocial makes for this account; govsocial "
            "will try again when the limit resets.",
            retry_after=max(0.0, reset - time.time()) if reset else None,
            rate_limited=True,
            status=429,
        )
    if isinstance(error, MastodonNetworkError):
        # Mastodon.py raises it inside its handler for requests' own exception.
        cause = error.__cause__ or error.__context__
        if isinstance(cause, Exception):
            return transport_error(cause, writes=writes)
        return TransientNetworkError("Mastodon could not be reached.")
    if isinstance(error, MastodonIllegalArgumentError | MastodonVersionError):
        # Raised before any request left.
        return PermanentNetworkError(
            "govsocial could not prepare this request for Mastodon; report it to an administrator."
        )
    status, message = _answer(error)
    if isinstance(error, MastodonUnauthorizedError):
        return PermanentNetworkError(
            "Mastodon no longer accepts govsocial's access to this account (it was revoked or "
            "has expired). Reconnect the account.",
            needs_reauthorisation=True,
            status=401,
        )
    if isinstance(error, MastodonServerError):
        return TransientNetworkError(
            f"Mastodon had a problem of its own (HTTP {status}); govsocial will try again later.",
            status=status,
        )
    if isinstance(error, MastodonNotFoundError):
        return PermanentNetworkError(
            "Mastodon no longer has that post or account (it may have been deleted).",
            status=404,
        )
    if isinstance(error, MastodonAPIError) and status is not None:
        said = f": {message}" if message else f" (HTTP {status})"
        return PermanentNetworkError(f"Mastodon refused the request{said}", status=status)
    if writes:
        # An answer that is not Mastodon's (a proxy's page, say) after a status was sent.
        return OutcomeUnknownError(
            "Mastodon's answer could not be read; whether the post was published is unknown."
        )
    return TransientNetworkError("Mastodon's answer could not be read.")


def _answer(error: MastodonError) -> tuple[int | None, str]:
    """Return the HTTP status and the instance's own message that ``error`` carries.

    Mastodon.py raises its API errors as (text, status, reason, the body's ``error``)."""
    args = error.args
    if len(args) >= 4 and isinstance(args[1], int):
        message = args[3] if isinstance(args[3], str) else ""
        return args[1], message.strip()[:REASON_LENGTH]
    return None, ""
