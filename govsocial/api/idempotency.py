"""The ``Idempotency-Key`` header: a POST under ``/api/agencies/{slug}/`` sent again by
the same caller with the same key, method, path and body gets the first answer back
instead of acting twice. ``AgencyScopedViewSet`` claims the key before the request acts
and answers with it afterwards; ``accounts.services.idempotency`` keeps the claims."""

from __future__ import annotations

import hashlib
import json

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.response import SimpleTemplateResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request

from accounts import services
from accounts.models import Agency, IdempotencyKey
from accounts.services import Principal

HEADER = "Idempotency-Key"
MAX_LENGTH = IdempotencyKey.MAX_KEY_LENGTH
# Marks a stored answer given again, for clients that want to tell.
REPLAYED_HEADER = "Idempotent-Replayed"


class Replay(Exception):
    """Raised before the request acts, to answer with the stored response instead (not
    an error: the way out of ``initial`` that skips the action)."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__(HEADER)
        self.response = response


def claim(request: Request, *, agency: Agency, caller: Principal) -> IdempotencyKey | None:
    """Claim the key a POST carries before it acts, and return the claim to answer
    (None when there is no key). Raise ``Replay`` when the same request was answered
    before; refuse a key that is empty or too long as a malformed request."""
    key = request.headers.get(HEADER)
    if key is None or request.method != "POST":
        return None
    if not key.strip():
        raise exceptions.ParseError(
            _(
                "The Idempotency-Key header is empty: send a unique value, such as a "
                "UUID, or leave the header out."
            )
        )
    if len(key) > MAX_LENGTH:
        raise exceptions.ParseError(
            _(
                "The Idempotency-Key header is longer than %(limit)s characters: send a "
                "shorter unique value, such as a UUID."
            )
            % {"limit": MAX_LENGTH}
        )
    held = services.idempotency_key_claim(
        agency=agency, caller=caller, key=key, request_hash=request_hash(request)
    )
    if held.response_status is not None:
        raise Replay(_stored_response(held))
    return held


def answer(claim: IdempotencyKey, response: HttpResponseBase | None) -> None:
    """Keep ``response`` as the answer to the claimed key. Let the key go instead when
    the server failed (a 5xx, or None when the request raised), so that the client may
    send the request again."""
    if response is None or response.status_code >= 500:
        services.idempotency_key_release(claim=claim)
        return
    if isinstance(response, SimpleTemplateResponse):
        response.render()
    services.idempotency_key_answer(
        claim=claim,
        status=response.status_code,
        content_type=response.get("Content-Type", ""),
        location=response.get("Location", ""),
        body=response.content,  # type: ignore[attr-defined]
    )


def request_hash(request: Request) -> str:
    """Return the SHA-256 of the request's method, full path and body. A multipart body
    counts by its fields and files (each file by its name and bytes) rather than its
    bytes, whose boundary changes each time the request is sent."""
    received = request._request
    body = _form(received) if received.content_type == "multipart/form-data" else received.body
    text = json.dumps([request.method, request.get_full_path(), hashlib.sha256(body).hexdigest()])
    return hashlib.sha256(text.encode()).hexdigest()


def _form(received: HttpRequest) -> bytes:
    """Return a multipart body's fields and files, each file as its name and digest."""
    fields = {name: received.POST.getlist(name) for name in received.POST}
    files = {
        name: [(file.name, _digest(file)) for file in received.FILES.getlist(name)]
        for name in received.FILES
    }
    return json.dumps([fields, files], sort_keys=True).encode()


def _digest(file: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _stored_response(held: IdempotencyKey) -> HttpResponse:
    """Return the answer kept for ``held``: its status, body, type and Location."""
    response = HttpResponse(bytes(held.response_body), status=held.response_status)
    if held.response_content_type:
        response["Content-Type"] = held.response_content_type
    else:
        # As the first answer had it: an empty body goes without a type.
        del response["Content-Type"]
    if held.response_location:
        response["Location"] = held.response_location
    response[REPLAYED_HEADER] = "true"
    return response
