"""Talk to X's API: one session per adapter, tweepy's client on it, and X's answers
turned into the three errors.

tweepy's host is fixed to ``https://api.twitter.com``: when configuration points X
elsewhere (the emulator), a transport adapter on the session sends tweepy's requests
there. Tokens go in the Authorization header only, never in a URL or a message.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy
from requests.adapters import BaseAdapter

from publishing.networks.base import (
    AccountProfile,
    Network,
    NetworkError,
    NetworkSettings,
    PermanentNetworkError,
    TransientNetworkError,
    write_starts,
)
from publishing.networks.http import requests_session, retry_after_seconds, transport_error

X_API = "https://api.twitter.com"
X_SITE = "https://x.com"
AUTHORIZE_PATH = "/i/oauth2/authorize"

# tweepy logs every request's headers at DEBUG, the bearer token among them.
logging.getLogger("tweepy.client").setLevel(logging.INFO)


class RewriteHost(BaseAdapter):
    """Send requests for X's fixed API host to the configured base URL, through the
    session's own adapter for that URL (which applies the timeout)."""

    def __init__(self, target: str, inner: BaseAdapter) -> None:
        """Send to ``target`` through ``inner``."""
        super().__init__()
        self.target = target
        self.inner = inner

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Rewrite the host, then send."""
        url = request.url or ""
        if url.startswith(X_API):
            request.url = self.target + url.removeprefix(X_API)
        return self.inner.send(request, *args, **kwargs)

    def close(self) -> None:
        """Close the adapter that does the sending."""
        self.inner.close()


def x_session(settings: NetworkSettings) -> requests.Session:
    """Return a session with X's timeout, routed to ``settings.api_url`` when that is
    not X's own host."""
    session = requests_session(settings)
    api_url = settings.api_url.rstrip("/")
    if api_url != X_API:
        session.mount(X_API + "/", RewriteHost(api_url, session.get_adapter(api_url)))
    return session


class XConnection:
    """Hold where X's API is, as configured, and one session to it."""

    network = Network.X

    def __init__(self, settings: NetworkSettings) -> None:
        """Talk to X where ``settings`` say, with their timeout and User-Agent."""
        self.settings = settings
        self.api_url = settings.api_url.rstrip("/")
        self.session = x_session(settings)
        # Copied for each token: making a client makes a requests session (this one
        # replaces it), which is most of what making one costs.
        self._tokenless = tweepy.Client(return_type=dict)
        self._tokenless.session = self.session
        self._tokenless.user_agent = settings.user_agent

    def client(self, token: str) -> Any:
        """Return tweepy's v2 client acting with an OAuth 2.0 user token, answering JSON."""
        client = copy.copy(self._tokenless)
        client.bearer_token = token
        return client


def web_site(settings: NetworkSettings) -> str:
    """Return the web site X's posts are read on: the one serving its authorisation page.

    That is https://x.com in production; on the emulator it is its ``/x`` prefix, whose
    ``/<handle>/status/<id>`` leads to the post on the account's timeline page.
    """
    site, found, _ = settings.authorize_url.partition(AUTHORIZE_PATH)
    return site.rstrip("/") if found and site else X_SITE


def answer_json(response: requests.Response) -> dict[str, Any]:
    """Return the answer's JSON object, or {} when it is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def refusal(body: Mapping[str, Any], fallback: str) -> str:
    """Return X's own explanation of a refusal (its error messages, or the problem's
    detail), without anything the request carried."""
    messages = [
        str(error["message"])
        for error in body.get("errors") or []
        if isinstance(error, dict) and error.get("message")
    ]
    text = " ".join(messages) or str(body.get("detail") or body.get("error_description") or "")
    return text[:500] or fallback


def answer_error(response: requests.Response) -> NetworkError:
    """Return the error an unsuccessful answer from X means."""
    status = response.status_code
    body = answer_json(response)
    code = str(body.get("type") or body.get("error") or "") or None
    if status == 429:
        return TransientNetworkError(
            "X is limiting how often this account can use it; govsocial will try again "
            "when X's limit resets.",
            retry_after=retry_after_seconds(response.headers, reset_header="x-rate-limit-reset"),
            rate_limited=True,
            status=status,
            code=code,
        )
    if status == 401:
        return PermanentNetworkError(
            "X no longer accepts govsocial's access to this account (the authorisation "
            "expired or was withdrawn). An administrator needs to reconnect the account.",
            needs_reauthorisation=True,
            status=status,
            code=code,
        )
    if status >= 500:
        return TransientNetworkError(
            f"X is having a problem of its own (error {status}); govsocial will try again.",
            status=status,
            code=code,
        )
    if status == 404:
        reason = "X could not find it; it may have been deleted."
        return PermanentNetworkError(reason, status=status, code=code)
    return PermanentNetworkError(
        f"X refused it: {refusal(body, response.reason or str(status))}", status=status, code=code
    )


@contextmanager
def calling(*, writes: bool) -> Iterator[None]:
    """Turn what tweepy and requests raise into the three errors; ``writes`` says whether
    repeating the call could do its work twice (it does not start too late, then)."""
    if writes:
        write_starts()
    try:
        yield
    except tweepy.HTTPException as error:
        raise answer_error(error.response) from error
    except requests.RequestException as error:
        raise transport_error(error, writes=writes) from error


def checked(response: requests.Response) -> dict[str, Any]:
    """Return a successful answer's JSON, or raise the error an unsuccessful one means."""
    if not response.ok:
        raise answer_error(response)
    return answer_json(response)


def x_time(value: str) -> datetime:
    """Return X's timestamp (``2025-01-31T12:00:00.000Z``) as an aware datetime."""
    return datetime.fromisoformat(value).astimezone(UTC)


def profile_of(user: Mapping[str, Any]) -> AccountProfile:
    """Return the profile X describes in a user object."""
    return AccountProfile(
        remote_id=str(user["id"]),
        handle=str(user["username"]),
        display_name=str(user.get("name") or user["username"]),
        avatar_url=str(user.get("profile_image_url") or ""),
    )
