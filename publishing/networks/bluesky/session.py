"""Open atproto clients with the network's timeout, decide whether a stored session may be
used, and turn what atproto and httpx raise into the three network errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
from atproto import Client, Request, get_jwt_payload
from atproto_client.exceptions import RequestErrorBase
from atproto_client.models.common import XrpcError
from atproto_core.exceptions import AtProtocolError

from publishing.networks.base import (
    AccountCredentials,
    NetworkError,
    NetworkSettings,
    OutcomeUnknownError,
    PermanentNetworkError,
    TransientNetworkError,
    write_starts,
)
from publishing.networks.http import retry_after_seconds, transport_error

# The code of the TransientNetworkError raised when the access JWT has run out: renew
# the session with the connector's refresh, then try again.
SESSION_EXPIRED = "session_expired"
# Treat the access JWT as spent a minute early: a clock slightly behind Bluesky's would
# otherwise send a token the PDS already refuses.
EXPIRY_MARGIN = timedelta(seconds=60)
SESSION_ENDED = (
    "Bluesky no longer accepts govsocial's session for this account (its app password "
    "was revoked or the session ran out). An admin must reconnect the account with a new "
    "app password."
)


# An empty token is not a password: it opens a client with no session, for signing in.
@contextmanager
def open_client(settings: NetworkSettings, access_token: str = "") -> Iterator[Client]:  # nosec B107
    """Yield atproto's client for the PDS, acting with ``access_token`` when given."""
    # atproto makes its httpx client from these arguments, and names itself as the
    # User-Agent on every request unless a header of the client's overrides it.
    request = Request(timeout=settings.timeout_seconds)
    request.add_additional_header("User-Agent", settings.user_agent)
    if access_token:
        request.add_additional_header("Authorization", f"Bearer {access_token}")
    try:
        yield Client(base_url=settings.api_url.rstrip("/") + "/xrpc", request=request)
    finally:
        request.close()


def usable_access_token(account: AccountCredentials) -> str:
    """Return the account's access JWT, or raise when it has run out (nothing is sent)."""
    now = datetime.now(UTC)
    access_ends = expires_at(account.access_token) or account.token_expires_at
    if access_ends is None or access_ends - EXPIRY_MARGIN > now:
        return account.access_token
    refresh_ends = expires_at(account.refresh_token)
    if not account.refresh_token or (refresh_ends is not None and refresh_ends <= now):
        raise PermanentNetworkError(SESSION_ENDED, needs_reauthorisation=True)
    raise TransientNetworkError(
        "govsocial's Bluesky session for this account needs renewing; it is renewed before "
        "the next attempt.",
        code=SESSION_EXPIRED,
    )


def expires_at(jwt: str) -> datetime | None:
    """Return when a JWT expires, from its own ``exp`` claim (None when unreadable)."""
    try:
        exp = get_jwt_payload(jwt).exp
    except AtProtocolError:
        return None
    return datetime.fromtimestamp(exp, UTC) if exp is not None else None


@contextmanager
def calling(*, writes: bool, refused: str) -> Iterator[None]:
    """Turn what atproto and httpx raise into the three network errors; a call that
    ``writes`` does not start too late."""
    if writes:
        write_starts()
    try:
        yield
    except (AtProtocolError, httpx.HTTPError) as error:
        raise _network_error(error, writes=writes, refused=refused) from error


def _network_error(error: Exception, *, writes: bool, refused: str) -> NetworkError:
    """Return the network error ``error`` means; ``refused`` names what was refused."""
    if isinstance(error, httpx.HTTPError):
        return transport_error(error, writes=writes)
    if isinstance(error, RequestErrorBase) and error.response is None:
        # atproto wraps httpx's timeouts and connection failures; the cause says which.
        cause = error.__cause__
        return transport_error(cause if isinstance(cause, Exception) else error, writes=writes)
    response = error.response if isinstance(error, RequestErrorBase) else None
    if response is None:
        # The request succeeded but its answer could not be read.
        if writes:
            return OutcomeUnknownError(
                "Bluesky's answer could not be read; whether the request was carried out is "
                "unknown."
            )
        return TransientNetworkError("Bluesky's answer could not be read.")
    status = response.status_code
    content = response.content
    code = content.error if isinstance(content, XrpcError) else None
    message = (content.message or content.error) if isinstance(content, XrpcError) else ""
    if status == 429:
        return TransientNetworkError(
            "Bluesky's rate limit for this account was reached; govsocial tries again when "
            "it resets.",
            retry_after=retry_after_seconds(response.headers, reset_header="ratelimit-reset"),
            rate_limited=True,
            status=status,
            code=code,
        )
    if status in (401, 403) or code in ("ExpiredToken", "InvalidToken"):
        return PermanentNetworkError(
            SESSION_ENDED, needs_reauthorisation=True, status=status, code=code
        )
    if status >= 500 or status == 409:
        return TransientNetworkError(
            "Bluesky could not take the request just now; govsocial tries again later.",
            status=status,
            code=code,
        )
    reason = f"Bluesky refused {refused}: {message}" if message else f"Bluesky refused {refused}."
    return PermanentNetworkError(reason, status=status, code=code)
