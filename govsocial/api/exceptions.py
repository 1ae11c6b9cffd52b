"""The one exception handler: every error a view raises becomes a problem document
(``govsocial.api.problems``) a person understands; anything unexpected is left to
Django, which logs it and answers with the server-error problem."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from govsocial.api.parsers import RequestTooLarge
from govsocial.api.problems import CONTENT_TYPE, field_errors, pointer, problem_body
from govsocial.errors import GovsocialError


class InvalidParameter(exceptions.ValidationError):
    """A query parameter with a value the operation cannot take: malformed, or refused
    by a rule (``rule``: a range's end before its start, a year out of range)."""

    def __init__(self, parameter: str, message: str, *, rule: bool = False) -> None:
        super().__init__({parameter: [message]})
        self.parameter = parameter
        self.message = message
        self.rule = rule


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn ``exc`` into a problem response, or return None for Django to handle (a
    server error)."""
    request = context["request"]
    if isinstance(exc, GovsocialError):
        set_rollback()
        return _problem(
            request,
            exc.status_code,
            exc.message,
            code="refused" if exc.status_code == 400 else None,
            errors=_domain_errors(exc),
        )
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("There is nothing at this address, or it is not yours to see."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, InvalidParameter):
        detail = _("A query parameter is not valid: %(reason)s") % {"reason": exc.message}
        errors = [{"parameter": exc.parameter, "detail": exc.message}]
        code = "refused" if exc.rule else None
        problem = _problem(request, response.status_code, detail, code=code, errors=errors)
    elif isinstance(exc, exceptions.ValidationError):
        detail = _("Some fields are not valid: each is listed with what is wrong.")
        code = "refused" if _by_rules_only(exc.detail) else None
        problem = _problem(
            request, response.status_code, detail, code=code, errors=field_errors(exc.detail)
        )
    else:
        code = "malformed-request" if isinstance(exc, exceptions.ParseError) else None
        problem = _problem(request, response.status_code, str(response.data["detail"]), code=code)
    # DRF's own headers: WWW-Authenticate, Retry-After, Allow.
    for header, value in response.headers.items():
        if header.lower() in ("www-authenticate", "retry-after", "allow"):
            problem[header] = value
    return problem


# What a field refuses by a rule beyond what its schema says: a moment outside the years
# that can be stored (year 1 at a positive offset is before year 1 in UTC).
RULE_CODES = frozenset({"overflow"})


def _by_rules_only(detail: Any) -> bool:
    """Say whether every error in a validation error's ``detail`` is a rule's."""
    if isinstance(detail, dict):
        return all(_by_rules_only(value) for value in detail.values())
    if isinstance(detail, list):
        return all(_by_rules_only(value) for value in detail)
    return getattr(detail, "code", None) in RULE_CODES


def _problem(request: Any, status_code: int, detail: str, **kwargs: Any) -> Response:
    return Response(
        problem_body(request, status_code, detail, **kwargs),
        status=status_code,
        content_type=CONTENT_TYPE,
    )


def _domain_errors(exc: GovsocialError) -> list[dict[str, Any]]:
    """Return the fields a domain error names: each of its problems (a post's, per
    account; an import file's, per row) or its one field."""
    problems = getattr(exc, "problems", None)
    if problems:
        return [_domain_error(problem, exc.field) for problem in problems]
    if exc.field:
        return [{"pointer": field_pointer(exc.field), "detail": exc.message}]
    return []


def _domain_error(problem: dict[str, Any], field: str | None) -> dict[str, Any]:
    """Return one problem of a domain error as an item of ``errors``: where (the field
    it names, else the error's), what, and the rest of what it says."""
    named = problem.get("field") or field
    item = {"pointer": pointer(named) if named else ""}
    item["detail"] = problem.get("message", "")
    return item | {key: value for key, value in problem.items() if key not in ("field", "message")}


def field_pointer(field: str) -> str:
    """Return the JSON pointer of the field a domain error names: a dotted name is a
    path into the body (``steps.0.members``: the first step's ``members``)."""
    return pointer(*field.split("."))
