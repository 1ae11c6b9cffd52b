"""Recognise a post govsocial sent among an account's own posts, as each network gives
its text back: what the network was given (``counts.text_as_sent``), compared after the
changes networks make to text they store.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable

from publishing.networks.base import RemotePost

# X gives links back shortened (t.co), Mastodon as HTML anchors whose text may be cut:
# a link matches any link, and the words around it must match exactly.
_LINK = re.compile(r"https?://\S+")
_SPACES = re.compile(r"\s+")


def comparable(text: str) -> str:
    """Return ``text`` as it compares across networks: composed Unicode, every link one
    token, runs of spaces and line breaks (Mastodon's paragraphs) one space."""
    text = unicodedata.normalize("NFC", text)
    text = _LINK.sub("\x00link", text)
    return _SPACES.sub(" ", text).strip()


def find_sent(
    sent_text: str, posts: Iterable[RemotePost], *, exclude: Collection[str] = ()
) -> RemotePost | None:
    """Return the oldest of ``posts`` whose text is ``sent_text`` as networks give it back,
    leaving out the remote ids in ``exclude`` (posts already known to be other sends)."""
    wanted = comparable(sent_text)
    found = [p for p in posts if p.remote_id not in exclude and comparable(p.text) == wanted]
    return min(found, key=lambda p: p.created_at, default=None)
