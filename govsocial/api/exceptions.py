"""The one exception handler: domain errors become 4xx answers people understand."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from govsocial.errors import GovsocialError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn domain errors into 4xx answers with a message a person understands."""
    if isinstance(exc, GovsocialError):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        # Errors that refuse for several reasons at once (a post's problems) list them.
        problems = getattr(exc, "problems", None)
        if problems:
            body["problems"] = problems
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
