"""Call the Graph API over httpx and turn Graph's answers into data or one of the three
errors.

One ``GraphSession`` serves one adapter operation: it holds one httpx client, the token
(sent in the Authorization header, never in a URL) and, when the app secret is
configured, the ``appsecret_proof`` Graph checks against that token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx

from publishing.networks.base import (
    AccountCredentials,
    DownloadedMedia,
    NetworkError,
    NetworkSettings,
    OutcomeUnknownError,
    PermanentNetworkError,
    RemotePost,
    TransientNetworkError,
    write_starts,
)
from publishing.networks.download import media_download
from publishing.networks.http import httpx_client, retry_after_seconds, transport_error

# Graph's throttling codes (app, user, page, API-specific) and its business use case
# rate limits (80001 pages, 80002 Instagram, …): wait and try again.
THROTTLING_CODES = frozenset({4, 17, 32, 613}) | frozenset(range(80001, 80015))
# The token expired or was revoked (190), or the session is gone (102).
REAUTHORISE_CODES = frozenset({102, 190})
# Instagram's "maximum number of posts published via the API in 24 hours" reached.
DAILY_POSTS_SPENT = (9, 2207042)
# Unknown error (1) and service error (2): Graph's own "try again later".
SERVICE_CODES = frozenset({1, 2})
# The most pages of a list one operation reads, so a huge history cannot stall a worker.
MAX_PAGES = 20
# Graph answers "does not exist" (code 100, subcode 33) for an object deleted.
GONE = "100:33"
_CODE_PREFIX = re.compile(r"^\(#\d+\)\s*")


class GraphSession:
    """Make Graph calls as one token for one operation; use it as a context manager."""

    def __init__(self, settings: NetworkSettings, token: str, *, network_name: str) -> None:
        """Prepare calls to ``settings.api_url``/``api_version`` acting with ``token``."""
        self.network_name = network_name
        self._base = f"{settings.api_url.rstrip('/')}/{settings.api_version}"
        self._token = token
        self._proof = (
            hmac.new(settings.client_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
            if settings.client_secret and token
            else ""
        )
        self._http = httpx_client(settings)
        if token:
            self._http.headers["Authorization"] = f"Bearer {token}"

    def __enter__(self) -> GraphSession:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._http.close()

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """Read ``path`` (``fields``, ``since``… in ``params``)."""
        return self._call("GET", path, writes=False, params=self._proven(params))

    def get_if_there(self, path: str, **params: Any) -> dict[str, Any] | None:
        """Read ``path`` as ``get`` does, or return None when the object is gone."""
        try:
            return self.get(path, **params)
        except PermanentNetworkError as error:
            if error.code != GONE:
                raise
        return None

    def post(
        self,
        path: str,
        data: Mapping[str, Any],
        *,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        writes: bool = True,
    ) -> dict[str, Any]:
        """Send a form (multipart when ``files``) to ``path``.

        ``writes`` says whether the call changes what people see: when it does, a
        timeout after the request left means the outcome is unknown.
        """
        return self._call("POST", path, writes=writes, data=self._proven(data), files=files)

    def delete(self, path: str, **params: Any) -> None:
        """Delete the object at ``path`` (or what ``params`` name of it); one already
        gone counts as deleted."""
        try:
            self._call("DELETE", path, writes=True, params=self._proven(params))
        except PermanentNetworkError as error:
            if error.code != GONE:
                raise

    def pages(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Yield every item of a Graph list, following its ``after`` cursors."""
        for _ in range(MAX_PAGES):
            answer = self.get(path, **params)
            yield from answer.get("data", [])
            paging = answer.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            params = params | {"after": after}

    def _proven(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Return ``params`` with the appsecret_proof, when there is one."""
        return {**params, "appsecret_proof": self._proof} if self._proof else dict(params)

    def _call(self, method: str, path: str, *, writes: bool, **request: Any) -> dict[str, Any]:
        """Make one call; return its JSON object or raise one of the three errors (a
        call that ``writes`` does not start too late)."""
        if writes:
            write_starts()
        try:
            response = self._http.request(method, f"{self._base}/{path.lstrip('/')}", **request)
        except httpx.TransportError as error:
            raise transport_error(error, writes=writes) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict) and "error" not in body:
            return body
        if response.is_success:
            # A 2xx we cannot read: for a write, the network may well have acted on it.
            if writes:
                raise OutcomeUnknownError(
                    f"{self.network_name} answered in a way govsocial could not read; whether "
                    "the change was made is unknown."
                )
            raise TransientNetworkError(
                f"{self.network_name} answered in a way govsocial could not read.",
                status=response.status_code,
            )
        envelope = body.get("error") if isinstance(body, dict) else None
        raise graph_error(
            self.network_name,
            response.status_code,
            envelope if isinstance(envelope, dict) else {},
            response.headers,
            secret=self._token,
        )


class GraphAdapter:
    """Hold what the Facebook and Instagram adapters share: where Graph lives, and a
    session per operation acting with the account's token."""

    network_name = "Facebook"
    # The fields of a comment that hold its text and when it was written.
    text_field = "message"
    written_field = "created_time"

    def __init__(self, settings: NetworkSettings) -> None:
        """Remember where Graph lives; nothing is called until an operation runs."""
        self._settings = settings

    def _session(self, account: AccountCredentials) -> GraphSession:
        """Open a session acting with the account's (page) token."""
        return GraphSession(self._settings, account.access_token, network_name=self.network_name)

    def download(self, account: AccountCredentials, *, url: str, max_bytes: int) -> DownloadedMedia:
        """Return a citizen's file from Meta's CDN (its address is signed: no token)."""
        return media_download(self._settings, url, max_bytes=max_bytes)

    def fetch_current(
        self, account: AccountCredentials, *, remote_ids: Sequence[str]
    ) -> list[RemotePost]:
        """Return the comments and messages among ``remote_ids`` still on the network,
        one read each: Graph fails a read of several ids when one of them is gone."""
        fields = f"id,{self.text_field},{self.written_field}"
        found = []
        with self._session(account) as graph:
            for remote_id in remote_ids:
                entry = graph.get_if_there(remote_id, fields=fields)
                if entry is not None:
                    found.append(
                        RemotePost(
                            remote_id=str(entry["id"]),
                            text=str(entry.get(self.text_field, "")),
                            created_at=graph_time(str(entry[self.written_field])),
                        )
                    )
        return found


def graph_error(
    network_name: str,
    status: int,
    error: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    secret: str = "",
) -> NetworkError:
    """Return the error a Graph error envelope means, with a reason people can act on."""
    code, subcode = error.get("code"), error.get("error_subcode")
    # ``code`` on the error is Graph's code, with the subcode after a colon when given.
    label = None if code is None else f"{code}:{subcode}" if subcode is not None else str(code)
    if (code, subcode) == DAILY_POSTS_SPENT:
        return TransientNetworkError(
            f"{network_name} lets apps publish only so many posts a day and this account has "
            "reached it. The post will go out once the allowance frees up.",
            rate_limited=True,
            status=status,
            code=label,
        )
    if code in THROTTLING_CODES or status == 429:
        return TransientNetworkError(
            f"{network_name} asked govsocial to slow down for this account. It will try "
            "again automatically.",
            retry_after=regain_access_seconds(headers),
            rate_limited=True,
            status=status,
            code=label,
        )
    if code in REAUTHORISE_CODES:
        return PermanentNetworkError(
            f"{network_name} no longer accepts this account's authorisation: it expired or "
            "was revoked. Reconnect the account in govsocial.",
            needs_reauthorisation=True,
            status=status,
            code=label,
        )
    if error.get("is_transient") or code in SERVICE_CODES or status >= 500:
        return TransientNetworkError(
            f"{network_name} had a temporary problem. govsocial will try again.",
            status=status,
            code=label,
        )
    if not error:
        return PermanentNetworkError(
            f"{network_name} refused the request (HTTP {status}) without saying why.",
            status=status,
        )
    message = str(error.get("error_user_msg") or error.get("message") or "no reason given")
    message = _CODE_PREFIX.sub("", message.strip())
    if secret:
        message = message.replace(secret, "[token]")
    return PermanentNetworkError(
        f"{network_name} refused this: {message}", status=status, code=label
    )


def regain_access_seconds(headers: Mapping[str, str]) -> float | None:
    """Return how long until Graph serves the account again, from the
    ``estimated_time_to_regain_access`` minutes of ``X-Business-Use-Case-Usage``
    (else a ``Retry-After``); None when neither says."""
    raw = headers.get("x-business-use-case-usage") or headers.get("X-Business-Use-Case-Usage")
    minutes = 0
    if raw:
        try:
            usage = json.loads(raw)
        except ValueError:
            usage = {}
        for entries in usage.values() if isinstance(usage, dict) else ():
            for entry in entries if isinstance(entries, list) else ():
                wait = (
                    entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else 0
                )
                if isinstance(wait, int | float):
                    minutes = max(minutes, int(wait))
    if minutes > 0:
        return minutes * 60.0
    return retry_after_seconds(headers)


def graph_time(value: str) -> datetime:
    """Parse Graph's ``2025-01-31T12:00:00+0000``."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
