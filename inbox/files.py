"""A citizen's file answered over HTTP, on the item's page and through the API: the
bytes the archive keeps, never the network's copy, with headers that keep a browser
from taking it for anything but what it is."""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404

from archive.selectors import content_open
from inbox.models import InboxItemMedia, MediaState


def file_response(media: InboxItemMedia | None) -> FileResponse:
    """Answer the kept bytes of ``media`` (one of the bound agency's files), or 404 when
    there is none such or it is not kept (yet)."""
    if media is None or media.state != MediaState.KEPT:
        raise Http404
    opened = content_open(sha256=media.content)
    if opened is None:
        raise Http404
    stored, content = opened
    extension = mimetypes.guess_extension(content.media_type) or ""
    name = f"inbox-{media.item_id}-file-{media.version}-{media.position}{extension}"
    response = FileResponse(
        stored,
        content_type=content.media_type,
        as_attachment=not media.shown_inline,
        filename=name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
