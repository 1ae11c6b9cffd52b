"""Pages: the agency's media library (uploading files with their alt text) and the files
themselves, served to the agency's members, and to whoever holds a current link to one
file (a network fetching a post's image)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from govsocial.errors import GovsocialError
from govsocial.middleware import open_by_token
from govsocial.timezones import render_local
from publishing import selectors, services
from publishing.forms import MediaUploadForm
from publishing.models import MediaAsset


def _asset(asset_id: int) -> MediaAsset:
    asset = selectors.media_get(asset_id=asset_id)
    if asset is None:
        raise Http404
    return asset


@require_http_methods(["GET", "POST"])
def media_list(request: HttpRequest, agency_slug: str) -> HttpResponse:
    """Show the agency's media library; authors and admins upload files to it."""
    form = MediaUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                asset = services.media_upload(
                    agency=request.agency,  # type: ignore[attr-defined]
                    actor=request.user,  # type: ignore[arg-type]
                    file=form.cleaned_data["file"],
                    alt_text=form.cleaned_data["alt_text"],
                    alt_text_fr=form.cleaned_data["alt_text_fr"],
                )
            except GovsocialError as error:
                form.add_error("file" if error.field == "file" else None, error.message)
            else:
                messages.success(
                    request, _("%(name)s is in the library.") % {"name": asset.original_name}
                )
                return redirect(reverse("media_list", kwargs={"agency_slug": agency_slug}))
        status = 400
    context: dict[str, Any] = {"assets": selectors.media_list(), "form": form}
    return render_local(request, "publishing/mediaasset_list.html", context, status=status)


@require_GET
def media_file(request: HttpRequest, agency_slug: str, asset_id: int) -> FileResponse:
    """Send one file of the library to a member of its agency (the middleware has let
    only members in; another agency's file does not exist here)."""
    asset = _asset(asset_id)
    response = FileResponse(
        asset.file.open("rb"), content_type=asset.mime_type, filename=asset.original_name
    )
    # Members only: no shared cache may keep it.
    response["Cache-Control"] = "private, max-age=3600"
    return response


@open_by_token
@require_safe
def media_shared(request: HttpRequest, agency_slug: str, asset_id: int, token: str) -> FileResponse:
    """Send one file to whoever holds a current link to it, signed in or not (the
    middleware has bound the URL's agency; the token must name it, the file and the
    file's content)."""
    asset = selectors.media_get_shared(
        agency=request.agency,  # type: ignore[attr-defined]
        asset_id=asset_id,
        token=token,
    )
    if asset is None:
        raise Http404
    response = FileResponse(asset.file.open("rb"), content_type=asset.mime_type)
    # The link is for one fetch by a network: no cache or index should keep the file.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
