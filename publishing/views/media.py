"""Pages: the agency's media library (uploading files with their alt text) and the files
themselves, served only to the agency's members."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from govsocial.errors import GovsocialError
from publishing import selectors, services
from publishing.forms import MediaUploadForm
from publishing.models import MediaAsset
from publishing.views.local import render_local


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
