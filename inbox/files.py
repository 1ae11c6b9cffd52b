"""A citizen's file answered over HTTP, on the item's page and through the API: the
bytes the archive keeps, never the network's copy, with headers that keep a browser
from taking it for anything but what it is."""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404

from archive.responses import content_response
from inbox.models import InboxItemMedia, MediaState


def file_response(media: InboxItemMedia | None) -> FileResponse:
    """Answer the kept bytes of ``media`` (one of the bound agency's files), or 404 when
    there is none such or it is not kept (yet)."""
    if media is None or media.state != MediaState.KEPT:
        raise Http404
    extension = mimetypes.guess_extension(media.mime_type) or ""
    name = f"inbox-{media.item_id}-file-{media.version}-{media.position}{extension}"
    return content_response(sha256=media.content, filename=name, inline=media.shown_inline)
