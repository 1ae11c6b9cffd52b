"""Bind each request's origin (address, user agent, request id) for the archive."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from archive.origin import Origin, origin_bound

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestOriginMiddleware:
    """Give every request an id (kept from a proxy's X-Request-ID when well-formed)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        origin = Origin(
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.headers.get("User-Agent", "")[:500],
            request_id=request_id,
        )
        with origin_bound(origin):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
