"""Problem details (RFC 9457): the one shape of every error the API answers, whether a
view refused the request or Django did before any view ran (no such path, a body too
large, a server error).

A problem is ``application/problem+json``: ``type`` (a page describing the kind of
problem, served by ``problem_type_detail``), ``title`` (the kind, in words), ``status``,
``detail`` (this occurrence, in words), ``instance`` (the path asked for), and, when
fields or parameters are at fault, ``errors``: one item per fault with a ``pointer``
(RFC 6901, into the request's body) or a ``parameter`` (of the query) and its
``detail``. Every text is in the request's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.http import require_GET

CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"


@dataclass(frozen=True)
class ProblemType:
    """A kind of problem: its code (the last part of its ``type``), status, title and
    what an integrator should do about it."""

    code: str
    status: int
    title: Promise
    description: Promise


PROBLEM_TYPES = {
    problem.code: problem
    for problem in (
        ProblemType(
            "invalid-request",
            400,
            _("Your request has invalid fields."),
            _("Each item of errors names a field (pointer) or a parameter and what is wrong."),
        ),
        ProblemType(
            "malformed-request",
            400,
            _("Your request could not be read."),
            _("Send a body in one of the media types the operation accepts, well formed."),
        ),
        ProblemType(
            "refused",
            400,
            _("The action was refused."),
            _("A rule of the agency or of a network does not allow it as it is; detail says why."),
        ),
        ProblemType(
            "not-authenticated",
            401,
            _("You are not signed in."),
            _("Send an API key in the Authorization header (Bearer) or sign in."),
        ),
        ProblemType(
            "forbidden",
            403,
            _("You may not do this."),
            _("Your role, your key's role or your agency's sign-in policy does not allow it."),
        ),
        ProblemType(
            "not-found",
            404,
            _("Not found."),
            _("There is nothing at this address, or it is not yours to see."),
        ),
        ProblemType(
            "method-not-allowed",
            405,
            _("This method is not allowed here."),
            _("The Allow header lists the methods this address takes."),
        ),
        ProblemType(
            "not-acceptable",
            406,
            _("The answer cannot be given in the media type you asked for."),
            _("Ask for application/json."),
        ),
        ProblemType(
            "conflict",
            409,
            _("The request clashes with the current state."),
            _("Read the resource again, then decide whether to repeat the request."),
        ),
        ProblemType(
            "too-large",
            413,
            _("The request body is too large."),
            _("Send a smaller body; files go to the media library one at a time."),
        ),
        ProblemType(
            "unsupported-media-type",
            415,
            _("The body's media type is not accepted here."),
            _("Send application/json, or multipart/form-data for files."),
        ),
        ProblemType(
            "unprocessable",
            422,
            _("The request cannot be carried out as it stands."),
            _("Detail says what to change before sending it again."),
        ),
        ProblemType(
            "too-many-requests",
            429,
            _("Too many requests."),
            _("Wait for the seconds in the Retry-After header, then go on."),
        ),
        ProblemType(
            "server-error",
            500,
            _("Something went wrong on our side."),
            _(
                "Nothing was changed by the failed request unless its answer said so; try again "
                "later, and tell the operators if it persists."
            ),
        ),
    )
}
# The kind a status falls back on when nothing more precise is known.
BY_STATUS = {
    status: next(p for p in PROBLEM_TYPES.values() if p.status == status)
    for status in sorted({p.status for p in PROBLEM_TYPES.values()})
}


def is_api(request: HttpRequest) -> bool:
    """Return whether ``request`` is for the API (which answers problems, not pages)."""
    return request.path.startswith(API_PREFIX)


def problem_body(
    request: HttpRequest,
    status: int,
    detail: str,
    *,
    code: str | None = None,
    errors: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Return the problem document for ``status`` (of kind ``code``, else the
    status's own) with ``detail`` and the ``errors`` of fields or parameters."""
    kind = (
        PROBLEM_TYPES[code]
        if code
        else BY_STATUS.get(status, BY_STATUS[500 if status >= 500 else 400])
    )
    body: dict[str, Any] = {
        "type": request.build_absolute_uri(f"{API_PREFIX}problems/{kind.code}/"),
        "title": str(kind.title),
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = [dict(error) for error in errors]
    return body


def problem_response(request: HttpRequest, status: int, detail: str, **kwargs: Any) -> JsonResponse:
    """Return the problem (see ``problem_body``) as a response outside DRF's views."""
    return JsonResponse(
        problem_body(request, status, detail, **kwargs),
        status=status,
        content_type=CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def pointer(*path: object) -> str:
    """Return the JSON pointer (RFC 6901) of the body member at ``path``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def field_errors(detail: Any, path: tuple[object, ...] = ()) -> list[dict[str, str]]:
    """Flatten DRF's validation detail (nested dicts and lists of messages) into one
    error per message, each with the pointer of its field; the serializer's own
    messages (about the whole body) point at the body itself."""
    if isinstance(detail, Mapping):
        found = []
        for name, inner in detail.items():
            within = path if name in ("non_field_errors", "detail") else (*path, name)
            found += field_errors(inner, within)
        return found
    if isinstance(detail, list):
        if all(not isinstance(item, Mapping | list) for item in detail):
            return [{"pointer": pointer(*path), "detail": str(item)} for item in detail]
        found = []
        for index, inner in enumerate(detail):
            found += field_errors(
                inner, (*path, index) if isinstance(inner, Mapping | list) else path
            )
        return found
    return [{"pointer": pointer(*path), "detail": str(detail)}]


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Answer a request Django refused before any view (a body over its limits, a
    suspicious header): a problem under the API, the site's page elsewhere."""
    from django.core.exceptions import RequestDataTooBig

    if not is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return problem_response(
            request, 413, str(_("The request body is larger than this server takes."))
        )
    return problem_response(
        request, 400, str(_("The request could not be read.")), code="malformed-request"
    )


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Answer an address that leads nowhere: a problem under the API (saying when only
    the final slash is missing: the API never redirects, which would turn a POST into a
    GET), the site's page elsewhere."""
    if not is_api(request):
        return defaults.page_not_found(request, exception)
    detail = str(_("There is nothing at this address, or it is not yours to see."))
    if not request.path.endswith("/"):
        detail += " " + str(_("The API's addresses end with a slash."))
    return problem_response(request, 404, detail)


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer a request that failed on our side (Django has logged it): a problem
    under the API, without any of its inner workings; the site's page elsewhere."""
    if not is_api(request):
        return defaults.server_error(request)
    return problem_response(request, 500, str(PROBLEM_TYPES["server-error"].description))


@require_GET
def problem_type_detail(request: HttpRequest, code: str) -> JsonResponse:
    """Describe one kind of problem, the page a problem's ``type`` names."""
    kind = PROBLEM_TYPES.get(code)
    if kind is None:
        raise Http404
    return JsonResponse(
        {
            "type": code,
            "status": kind.status,
            "title": str(kind.title),
            "description": str(kind.description),
        },
        json_dumps_params={"ensure_ascii": False},
    )
