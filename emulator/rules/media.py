"""Say which files each network takes on a post: how many, of which types, how large,
and how long their alt text may be.

- X (media upload): images up to 5 MB, GIFs up to 15 MB, videos up to 512 MB; four
  images, or one GIF or video; alt text up to 1,000 characters.
- Mastodon (``/api/v2/instance``): images up to 16 MB, videos up to 99 MB, four
  attachments; descriptions up to 1,500 characters.
- Bluesky (``app.bsky.embed.images``): four images of up to 1,000,000 bytes; alt text up
  to 2,000 characters, the most Bluesky's own app lets one write.
- Facebook (page photos): images up to 10 MB; ten photos on one post.
- Instagram (content publishing): one JPEG of up to 8 MB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

_MB = 1024 * 1024
_STILL = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
ALT_TEXT_LIMITS = {"x": 1000, "mastodon": 1500, "bluesky": 2000}


@dataclass(frozen=True)
class MediaLimits:
    """Say how many files one post may carry, of which types, and how large each."""

    max_count: int
    max_bytes: Mapping[str, int]  # by kind: image, gif, video
    mime_types: frozenset[str]

    def size_limit(self, mime: str) -> int:
        """Return the largest size the network takes for a file of ``mime`` (0: none)."""
        return self.max_bytes.get(kind_of(mime), 0)


LIMITS = {
    "x": MediaLimits(
        4, {"image": 5 * _MB, "gif": 15 * _MB, "video": 512 * _MB}, _STILL | {"video/mp4"}
    ),
    "mastodon": MediaLimits(
        4, {"image": 16 * _MB, "gif": 16 * _MB, "video": 99 * _MB}, _STILL | {"video/mp4"}
    ),
    "bluesky": MediaLimits(4, {"image": 1_000_000, "gif": 1_000_000}, _STILL),
    "facebook": MediaLimits(10, {"image": 10 * _MB, "gif": 10 * _MB}, _STILL),
    "instagram": MediaLimits(1, {"image": 8 * _MB}, frozenset({"image/jpeg"})),
}


def kind_of(mime: str) -> str:
    """Return ``image``, ``gif`` or ``video``: the kinds the networks size differently."""
    if mime == "image/gif":
        return "gif"
    return "video" if mime.startswith("video/") else "image"


def sniffed_type(data: bytes) -> str:
    """Return a file's type from its first bytes, as a server trusts them over the
    declared one, or ``application/octet-stream``."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return "application/octet-stream"
