"""The archive's public page: the keys its heads are signed with."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from archive import signing


def key_list(request: HttpRequest) -> HttpResponse:
    """Show anyone the public keys the deployment's archive heads are signed with, and
    how to check a proof with them."""
    return render(request, "archive/key_list.html", {"keys": signing.published_keys()})
