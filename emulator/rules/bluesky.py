"""Measure a post's text as Bluesky's ``app.bsky.feed.post`` lexicon does: at most 300
graphemes (``maxGraphemes``) and 3,000 bytes of UTF-8 (``maxLength``)."""

from __future__ import annotations

import regex

MAX_GRAPHEMES = 300
MAX_BYTES = 3000


def grapheme_count(text: str) -> int:
    """Return how many extended grapheme clusters (what a reader sees as one
    character) ``text`` holds."""
    return sum(1 for _cluster in regex.finditer(r"\X", text))
