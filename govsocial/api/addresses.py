"""Addresses an answer gives to follow: an agency's endpoints, absolute."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.request import Request


def agency_endpoint(request: Request, view_name: str, *ids: int) -> str:
    """Return the absolute address of the endpoint ``view_name`` for ``ids``, under the
    agency ``request`` is about."""
    slug = request.parser_context["kwargs"]["agency_slug"]
    return request.build_absolute_uri(reverse(view_name, args=[slug, *ids]))
