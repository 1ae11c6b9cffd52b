"""Render pages with times in the viewer's time zone: the person's own if they chose
one, else the agency's (DESIGN.md, invariant 8)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from publishing.timezones import zone_of


def render_local(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render ``template`` with every time shown in the viewer's zone, which the page
    names as ``viewer_zone``."""
    zone = zone_of(request)
    with timezone.override(zone):
        return render(request, template, context | {"viewer_zone": zone.key}, status=status)
