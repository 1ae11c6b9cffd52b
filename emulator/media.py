"""Keep the files citizens attach and serve them, as each network's media host does.

A citizen's image or video is stored whole on the world (``Media.content``) and served
at ``/media/{network}/{id}`` without a token, as pbs.twimg.com, a Mastodon media server,
Bluesky's CDN and Meta's CDN serve theirs. A ``server_error`` fault whose ``path``
contains ``/media/`` makes the host fail, for tests of a download tried again.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from emulator.ids import cid, new_media_id
from emulator.state import NETWORK_OF_CHANNEL, Actor, Media, World

# What a citizen may attach: the types the networks show in a reply or message.
ATTACHABLE = ("image/png", "image/jpeg", "image/gif", "image/webp", "video/mp4")
MOST_FILES = 4
# A few bytes that a player recognises as an MP4 ("ftyp"), for a video made up here.
_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


class MediaRefused(ValueError):
    """Say why a citizen's file cannot be attached."""


def png(number: int) -> bytes:
    """Return a small valid PNG (8 by 8 pixels, one colour derived from ``number``): each number
    gives other bytes."""
    red, green, blue = (number * 67) % 256, (number * 131) % 256, (number * 199) % 256
    row = b"\x00" + bytes((red, green, blue)) * 8
    raw = row * 8

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def attached(
    world: World, channel: str, author: Actor, specs: object, *, origin: str
) -> list[Media]:
    """Return the files a citizen attaches on ``channel``, from the admin API's
    ``media`` list: each ``{"mime_type"?, "alt"?, "content"?}`` (content in base64;
    without it, a generated PNG or a tiny MP4), each served under ``origin`` (the
    emulator's own) at the address its ``url`` holds."""
    if specs is None:
        return []
    if not isinstance(specs, list) or len(specs) > MOST_FILES:
        raise MediaRefused(f"media must be a list of at most {MOST_FILES} files")
    if specs and channel == "instagram":
        raise MediaRefused("an Instagram comment carries no media")
    files = []
    for spec in specs:
        if not isinstance(spec, dict):
            raise MediaRefused("each file must be an object")
        mime = str(spec.get("mime_type") or "image/png")
        if mime not in ATTACHABLE:
            raise MediaRefused(f"mime_type must be one of {', '.join(ATTACHABLE)}")
        if channel == "bluesky" and not mime.startswith("image/"):
            raise MediaRefused("a Bluesky post embeds images here, not videos")
        content = _content(spec.get("content"), mime, world)
        media_id = new_media_id(world, NETWORK_OF_CHANNEL[channel])
        if channel == "bluesky":
            # A blob belongs to its author's repository and is named by its CID.
            media_id = f"{author.id}/{cid(content, raw=True)}"
        media = Media(
            id=media_id,
            network=channel,
            owner=author,
            mime=mime,
            size=len(content),
            alt=str(spec.get("alt") or ""),
            content=content,
        )
        # Absolute, as the networks give it, and known to pushes (which have no request).
        media.url = f"{origin}/media/{channel}/{quote(media_id, safe='/:')}"
        files.append(world.add_media(media))
    return files


def _content(encoded: object, mime: str, world: World) -> bytes:
    """Return the file's bytes: decoded from base64, else made up for its type."""
    if encoded is None:
        return _MP4 if mime.startswith("video/") else png(world.next_number())
    try:
        return base64.b64decode(str(encoded), validate=True)
    except (binascii.Error, ValueError):
        raise MediaRefused("content must be base64") from None


def blob_ref(media: Media) -> dict[str, Any]:
    """Return a Bluesky blob reference to a citizen's image (its id ends in its CID)."""
    link = media.id.rsplit("/", 1)[-1]
    return {"$type": "blob", "ref": {"$link": link}, "mimeType": media.mime, "size": media.size}


async def serve(request: Request) -> Response:
    """Serve a citizen's file: 404 when none has that id, 5xx under a fault."""
    world: World = request.app.state.world
    channel = request.path_params["network"]
    network = NETWORK_OF_CHANNEL.get(channel)
    if network is None:
        return Response("no such network", status_code=404, media_type="text/plain")
    for fault in world.faults.take(network, None, "GET", request.url.path):
        if fault.kind == "server_error":
            return Response("media server error", status_code=fault.status)
    media = world.find_media(channel, request.path_params["media_id"])
    if media is None or not media.content:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(
        media.content,
        media_type=media.mime,
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


routes: list[BaseRoute] = [Route("/{network}/{media_id:path}", serve, methods=["GET"])]
