"""Word Graph's errors, usage headers, field selection and paging."""

from __future__ import annotations

import base64
import json
import math
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulator.pipeline import Call, Reject, bearer
from emulator.ratelimit import Usage
from emulator.state import Actor, Token, page_after

T = TypeVar("T")
THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}


def graph_error(
    message: str,
    code: int,
    *,
    status: int = 400,
    subcode: int | None = None,
    transient: bool = False,
) -> JSONResponse:
    """Return Graph's error envelope."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    error["fbtrace_id"] = "A" + secrets.token_urlsafe(15)
    return JSONResponse({"error": error}, status_code=status)


def reject(
    message: str, code: int = 100, *, status: int = 400, subcode: int | None = None
) -> Reject:
    """Return a rejection carrying a Graph error."""
    return Reject(graph_error(message, code, status=status, subcode=subcode))


def unknown_object(object_id: str) -> Reject:
    """Return Graph's answer for an object that is missing or not the caller's."""
    return reject(
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        100,
        subcode=33,
    )


class GraphDialect:
    """Word errors and usage headers as the Graph API does."""

    network = "facebook"

    async def credential(self, request: Request) -> str | None:
        """Return the token from ``access_token`` (query or form) or the Authorization header."""
        token = bearer(request, schemes=("bearer", "oauth")) or request.query_params.get(
            "access_token"
        )
        content_type = request.headers.get("content-type", "")
        if token is None and content_type.startswith(
            ("application/x-www-form", "multipart/form-data")
        ):
            value = (await request.form()).get("access_token")
            token = value if isinstance(value, str) else None
        if token is None and content_type.startswith("application/json"):
            try:
                body = await request.json()
            except ValueError:
                return None
            token = body.get("access_token") if isinstance(body, dict) else None
        return token

    def auth_error(self, problem: str, token: Token | None) -> Response:
        """Answer code 190 (subcode 463 when expired), or 2500 when no token was sent."""
        if problem == "missing":
            return graph_error(
                "An active access token must be used to query information about the current user.",
                2500,
            )
        if problem == "expired":
            now = datetime.now(UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")
            return graph_error(
                f"Error validating access token: Session has expired. The current time is {now}.",
                190,
                subcode=463,
            )
        return graph_error("Invalid OAuth access token - Cannot parse access token", 190)

    def server_error(self, status: int) -> Response:
        """Answer a transient server error (code 2)."""
        return graph_error(
            "An unexpected error has occurred. Please retry your request later.",
            2,
            status=status,
            transient=True,
        )

    def throttled(self, usage: Usage, token: Token | None, code: int | None) -> Response:
        """Answer a throttling code: 32 for a page token, 17 for a user token, or as asked."""
        chosen = code or (32 if token is not None and token.as_page else 17)
        return graph_error(THROTTLE_MESSAGES[chosen], chosen, transient=True)

    def usage_headers(self, usage: Usage, account: Actor | None) -> dict[str, str]:
        """Return ``X-App-Usage`` and, for a page, ``X-Business-Use-Case-Usage`` (JSON)."""
        percent = usage.percent
        app = {"call_count": percent, "total_cputime": percent // 2, "total_time": percent // 2}
        headers = {"X-App-Usage": json.dumps(app, separators=(",", ":"))}
        if account is not None:
            wait = (
                math.ceil(max(0.0, usage.reset_at - datetime.now(UTC).timestamp()) / 60)
                if usage.exhausted
                else 0
            )
            business = {
                account.id: [
                    {"type": "pages", "call_count": percent, "total_cputime": percent // 2,
                     "total_time": percent // 2, "estimated_time_to_regain_access": wait}
                ]
            }  # fmt: skip
            headers["X-Business-Use-Case-Usage"] = json.dumps(business, separators=(",", ":"))
        return headers

    def invalid(self, message: str) -> Response:
        """Answer code 100, invalid parameter."""
        return graph_error(f"(#100) {message}", 100)


DIALECT = GraphDialect()


def graph_time(moment: datetime) -> str:
    """Format a time as Graph does: ``2025-01-31T12:00:00+0000``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def requested_fields(params: dict[str, Any]) -> dict[str, str]:
    """Parse ``fields`` (``a,b{c,d},e.limit(5){f}``) into name -> inner field list."""
    raw = str(params.get("fields", ""))
    fields: dict[str, str] = {}
    depth, start = 0, 0
    for position, char in enumerate(raw + ","):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            item = raw[start:position].strip()
            start = position + 1
            if item:
                name, _, inner = item.partition("{")
                fields[name.split(".")[0]] = inner[:-1] if inner.endswith("}") else inner
    return fields


def select(
    available: dict[str, Callable[[], Any]], fields: dict[str, str], default: tuple[str, ...]
) -> dict[str, Any]:
    """Return ``id`` and the requested fields (or ``default``) that ``available`` knows."""
    names = ["id", *(fields or default)]
    return {name: available[name]() for name in dict.fromkeys(names) if name in available}


def listing(
    call: Call,
    items: list[T],
    key: Callable[[T], str],
    render: Callable[[T], Any],
    params: dict[str, Any],
) -> JSONResponse:
    """Answer a page of ``items`` with Graph's ``paging`` cursors and ``next`` link."""
    try:
        limit = min(100, max(1, int(params.get("limit", 25))))
    except ValueError:
        raise reject("(#100) Param limit must be a number") from None
    after = params.get("after")
    page, more = page_after(items, key, _decode(str(after)) if after else None, limit)
    body: dict[str, Any] = {"data": [render(item) for item in page]}
    if page:
        cursors = {"before": _encode(key(page[0])), "after": _encode(key(page[-1]))}
        body["paging"] = {"cursors": cursors}
        if more:
            query = {k: v for k, v in call.request.query_params.items() if k != "after"}
            query["after"] = cursors["after"]
            body["paging"]["next"] = f"{call.origin}{call.request.url.path}?{urlencode(query)}"
    return JSONResponse(body)


def _encode(value: str) -> str:
    """Return an opaque cursor for ``value``."""
    return base64.urlsafe_b64encode(value.encode()).decode()


def _decode(cursor: str) -> str:
    """Return the value behind a cursor."""
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except ValueError:
        raise reject("(#100) Invalid cursor") from None


def in_window(moment: datetime, params: dict[str, Any]) -> bool:
    """Return whether ``moment`` falls within ``since`` and ``until`` (Unix seconds)."""
    try:
        since = int(params["since"]) if params.get("since") else None
        until = int(params["until"]) if params.get("until") else None
    except ValueError:
        raise reject("(#100) since and until must be Unix timestamps") from None
    stamp = moment.timestamp()
    return (since is None or stamp >= since) and (until is None or stamp <= until)


def truthy(value: object) -> bool:
    """Return whether a Graph boolean parameter is true (``true``, ``1``, True)."""
    return str(value).lower() in ("true", "1")
