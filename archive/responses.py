"""Kept content and records packages answered over HTTP: the bytes the archive keeps,
with headers that keep a browser from taking them for anything but what they are."""

from __future__ import annotations

from django.http import FileResponse, Http404

from archive.exports import package_open
from archive.models import ExportPackage
from archive.selectors import content_open
from archive.services import Actor


def content_response(*, sha256: str, filename: str, inline: bool = False) -> FileResponse:
    """Answer the bound agency's kept content of this hash (as a download unless
    ``inline``), or 404 when it keeps none such or erased it."""
    opened = content_open(sha256=sha256)
    if opened is None:
        raise Http404
    stored, content = opened
    response = FileResponse(
        stored, content_type=content.media_type, as_attachment=not inline, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def package_response(*, package: ExportPackage, actor: Actor) -> FileResponse:
    """Answer the bound agency's ready package as a ZIP to download, the download
    recorded; refuse one not ready or past its time (``Conflict``)."""
    response = FileResponse(
        package_open(package=package, actor=actor),
        content_type="application/zip",
        as_attachment=True,
        filename=package.file_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
