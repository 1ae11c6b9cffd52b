"""Measure a status as Mastodon's ``StatusLengthValidator`` does: at most 500
characters, counted as grapheme clusters, after each link (with its ``http://`` or
``https://``) is replaced by 23 characters and each ``@user@domain`` by ``@user``.

Mastodon finds links with twitter-text's expression, which also wants a known top-level
domain; the emulator takes a link to any host, as govsocial's tests link to
``riverton.example``."""

from __future__ import annotations

import regex

MAX_CHARACTERS = 500
URL_LENGTH = 23

# A link: the protocol, then anything but spaces and <>"; a path does not end in
# punctuation (Mastodon's valid_url_path_ending_chars), a closing bracket only when open.
_LINK = regex.compile(r"(?<![\p{L}\p{N}_/@])https?://[^\s<>\"]+", regex.IGNORECASE)
_NOT_LAST = "()?!*\"'「」<>;:=,.$%[]~&|@"
# A remote account: @user@domain, its user letters, digits, _ (with inner . and -).
_REMOTE = regex.compile(r"(?<![=/\w])(@\w+(?:[.-]+\w+)*)@\w+(?:[.-]+\w+)*", regex.IGNORECASE)


def status_length(text: str) -> int:
    """Return how many characters Mastodon counts in ``text``."""
    countable = []
    position = 0
    for match in _LINK.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _NOT_LAST and not _closes_a_pair(text[start:end]):
            end -= 1
        countable.append(text[position:start] + "x" * URL_LENGTH)
        position = end
    countable.append(text[position:])
    return sum(1 for _cluster in regex.finditer(r"\X", _REMOTE.sub(r"\1", "".join(countable))))


def _closes_a_pair(link: str) -> bool:
    """Return whether ``link`` ends in a ``)`` that closes a ``(`` inside it."""
    return link.endswith(")") and link.count("(") >= link.count(")")
