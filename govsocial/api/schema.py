"""How the API describes itself: drf-spectacular's inspection, plus what every
operation shares (its error answers, the headers it takes)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from govsocial.api import idempotency
from govsocial.api.problems import CONTENT_TYPE, PROBLEM_TYPES
from govsocial.api.viewsets import AgencyScopedViewSet


class ProblemErrorSerializer(serializers.Serializer):
    """One field or parameter at fault."""

    pointer = serializers.CharField(
        required=False, help_text='The member of the body at fault (RFC 6901); "" is the body.'
    )
    parameter = serializers.CharField(required=False, help_text="The query parameter at fault.")
    detail = serializers.CharField(help_text="What is wrong with it, in the request's language.")


# A problem details document (RFC 9457). Built rather than declared: a serializer's own
# ``errors`` would hide a field of that name.
PROBLEM = inline_serializer(
    name="Problem",
    fields={
        "type": serializers.URLField(help_text="Where this kind of problem is described."),
        "title": serializers.CharField(help_text="The kind of problem, in words."),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(help_text="This occurrence, in words."),
        "instance": serializers.CharField(help_text="The path that was asked for."),
        "errors": ProblemErrorSerializer(many=True, required=False),
    },
)


# Error answers of every operation: a query parameter it cannot take (400), no or a
# bad credential (401), a role or sign-in policy that refuses it (403).
EVERY_OPERATION = {400, 401, 403}
# Under an agency: an agency that is not the caller's (404), a key over its rate (429).
UNDER_AN_AGENCY = {404, 429}
# With a body: one too large (413) or in a media type the operation does not read (415).
WITH_A_BODY = {413, 415}
# A change under an agency may clash with the state (409); a POST's idempotency key may
# be in use (409) or have come with another request (422).
CHANGE_UNDER_AN_AGENCY = {409}


# Any text without a NUL character.
NO_NUL = "^[^\\x00]*$"


class ApiSchema(AutoSchema):
    """The schema of every operation."""

    def get_override_parameters(self) -> list[Any]:
        """Add the headers an operation takes to those its view declares."""
        parameters = list(super().get_override_parameters())
        if self.method == "POST" and isinstance(self.view, AgencyScopedViewSet):
            parameters.append(
                OpenApiParameter(
                    idempotency.HEADER,
                    {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_LENGTH},
                    OpenApiParameter.HEADER,
                    description=(
                        "A unique value (a UUID, say) that makes the request safe to send "
                        "again: for 24 hours, the same request sent with the same key by "
                        "the same caller gets the first answer back (with "
                        "`Idempotent-Replayed: true`) instead of acting twice. The key "
                        "sent with a different request answers 422; sent again while the "
                        "first request is still running, 409. Server errors (5xx) are not "
                        "kept: the request may be sent again with the same key."
                    ),
                )
            )
        return parameters

    def _get_parameters(self) -> list[dict[str, Any]]:
        # A query parameter may not hold a NUL character either.
        parameters: list[dict[str, Any]] = super()._get_parameters()
        for parameter in parameters:
            described = parameter.get("schema", {})
            if parameter["in"] == "query" and _plain_text(described):
                described["pattern"] = NO_NUL
        return parameters

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        # Text sent to the API may not hold a NUL character (PostgreSQL stores none).
        described: dict[str, Any] = super()._map_serializer_field(
            field, direction, bypass_extensions
        )
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            # A field with a pattern of its own (added after this) already rules NUL out.
            and not isinstance(field, serializers.RegexField)
            and _plain_text(described)
        ):
            described["pattern"] = NO_NUL
        if isinstance(field, serializers.DictField) and getattr(field, "keyed_by_id", False):
            described["propertyNames"] = {"pattern": "^[0-9]+$"}
        return described

    def _is_list_view(self, serializer: Any = None) -> bool:
        # A list that answers one object around its items (the calendar: the range's
        # posts and their time zone) says so with ``lists_in_one_object``.
        if getattr(self.view, "lists_in_one_object", False):
            return False
        return bool(super()._is_list_view(serializer))

    def get_auth(self) -> list[dict[str, list[str]]]:
        """Offer API keys only under an agency: a key acts for its own agency alone,
        and elsewhere it is refused (403)."""
        auth: list[dict[str, list[str]]] = super().get_auth()
        if isinstance(self.view, AgencyScopedViewSet):
            return auth
        return [scheme for scheme in auth if "apiKey" not in scheme]

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        """Add the problems the operation can answer (``problem_statuses``) to its
        successful answers."""
        responses = super()._get_response_bodies(direction)
        for status in sorted(self.problem_statuses()):
            described = self._get_response_for_code(
                PROBLEM, str(status), media_types=[CONTENT_TYPE], direction=direction
            )
            described["description"] = " ".join(
                str(kind.title) for kind in PROBLEM_TYPES.values() if kind.status == status
            )
            responses.setdefault(str(status), described)
        return responses

    def problem_statuses(self) -> set[int]:
        """Return the error statuses this operation can answer with."""
        statuses = set(EVERY_OPERATION)
        if not self.view.authentication_classes:
            # Open to anyone: no credential to miss or refuse.
            statuses -= {401, 403}
        under_an_agency = isinstance(self.view, AgencyScopedViewSet)
        if under_an_agency:
            statuses |= UNDER_AN_AGENCY
        if self.method in ("POST", "PUT", "PATCH"):
            statuses |= WITH_A_BODY
            if under_an_agency:
                statuses |= CHANGE_UNDER_AN_AGENCY
            if under_an_agency and self.method == "POST":
                statuses.add(422)
        if under_an_agency or self._is_detail_route():
            statuses.add(404)
        return statuses

    def _is_detail_route(self) -> bool:
        return "{" in self.path


def _plain_text(described: dict[str, Any]) -> bool:
    """Return whether ``described`` is any text, or none (no format, choices or
    pattern)."""
    return described.get("type") in ("string", ["string", "null"]) and not described.keys() & {
        "format",
        "enum",
        "pattern",
    }
