"""The one place adapters get their HTTP sessions and turn transport failures into the
three errors: every session has a timeout and govsocial's User-Agent.

The client libraries take different sessions (tweepy and Mastodon.py use requests,
atproto and the Graph client use httpx); both factories are here so the timeout and the
User-Agent are set once.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from publishing.networks.base import (
    NetworkError,
    NetworkSettings,
    OutcomeUnknownError,
    TransientNetworkError,
)


class _TimeoutAdapter(HTTPAdapter):
    """Apply the network's timeout to every request that does not name one."""

    def __init__(self, timeout: float, connections: int) -> None:
        super().__init__(pool_maxsize=connections)
        self.timeout = timeout
        self._pool_keys: dict[tuple[str, str, Any, Any], tuple[dict[str, Any], dict[str, Any]]] = {}

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Return what picks the request's connection pool, worked out once per host:
        requests asks the disk whether a certificate bundle's path is a folder on every
        request (a system call per send)."""
        scheme, host = urlsplit(request.url or "")[:2]
        key = (scheme, host, verify, cert)
        if key not in self._pool_keys:
            self._pool_keys[key] = super().build_connection_pool_key_attributes(
                request, verify, cert
            )
        host_params, pool_kwargs = self._pool_keys[key]
        return dict(host_params), dict(pool_kwargs)

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, *args, **kwargs)


def requests_session(settings: NetworkSettings) -> requests.Session:
    """Return a requests session with the network's timeout and govsocial's User-Agent.

    The environment's proxy and certificate settings for the network's host are read
    once, here: requests would otherwise scan the whole environment on every call.
    """
    session = requests.Session()
    session.headers["User-Agent"] = settings.user_agent
    environment = session.merge_environment_settings(settings.api_url, {}, None, None, None)
    session.trust_env = False
    session.proxies = environment["proxies"]
    session.verify = environment["verify"]
    adapter = _TimeoutAdapter(settings.timeout_seconds, settings.connections)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def httpx_client(settings: NetworkSettings, **kwargs: Any) -> httpx.Client:
    """Return an httpx client with the network's timeout and govsocial's User-Agent."""
    return httpx.Client(
        timeout=settings.timeout_seconds,
        headers={"User-Agent": settings.user_agent},
        limits=httpx.Limits(max_keepalive_connections=settings.connections),
        **kwargs,
    )


def transport_error(error: Exception, *, writes: bool) -> NetworkError:
    """Return the error a failed connection means.

    Before the request left (cannot connect, connect timeout) nothing happened: try
    later. After it left (read timeout, connection dropped mid-answer) a write may have
    been carried out, so its outcome is unknown; a read is simply tried later.
    """
    if writes and not _never_sent(error):
        return OutcomeUnknownError(
            "The network did not answer after the request was sent; whether it was "
            "carried out is unknown."
        )
    return TransientNetworkError("The network could not be reached.")


def _never_sent(error: Exception) -> bool:
    """Return whether the connection failed before any byte of the request left."""
    if isinstance(
        error, requests.exceptions.ConnectTimeout | httpx.ConnectTimeout | httpx.ConnectError
    ):
        return True
    if isinstance(error, requests.exceptions.ConnectionError) and error.args:
        reason = getattr(error.args[0], "reason", None)
        return isinstance(reason, NewConnectionError | ConnectTimeoutError)
    return False


def retry_after_seconds(headers: Mapping[str, str], *, reset_header: str = "") -> float | None:
    """Return how long the network asked to wait: ``Retry-After`` (seconds), else
    ``reset_header`` holding the Unix time the window resets; None when neither says."""
    retry_after = headers.get("retry-after") or headers.get("Retry-After")
    if retry_after and retry_after.strip().isdigit():
        return float(retry_after)
    reset = headers.get(reset_header) if reset_header else None
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - time.time())
    return None
