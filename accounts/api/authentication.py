"""API keys: ``Authorization: Bearer gs_…`` acts for the key's agency with the key's role."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.models import ApiKey
from accounts.services import api_key_use


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticate a request by an agency API key; 401 for an unknown, expired or
    revoked key, with the same answer for each."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[ApiKey, ApiKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the API key as: Bearer <key>."))
        key = api_key_use(token=parts[1].decode("ascii", errors="replace"))
        if key is None:
            raise exceptions.AuthenticationFailed(
                _("This API key is not valid: it is unknown, expired or revoked.")
            )
        return key, key

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="govsocial"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Describe API keys in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An agency API key, created by an agency admin: `Bearer gs_…`.",
        }
