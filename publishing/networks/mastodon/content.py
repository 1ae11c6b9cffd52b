"""Say what a status carries: its text, the key it is published once under, what the
instance would refuse in it, and the plain text of Mastodon's HTML."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from html.parser import HTMLParser

from publishing.networks.base import (
    MediaItem,
    OutgoingPost,
    Phrase,
    ValidationProblem,
    gettext_noop,
)
from publishing.networks.limits import (
    ALT_TEXT_MAX,
    MASTODON_MAX_CHARACTERS,
    MASTODON_URL_LENGTH,
    MEDIA_RULES,
    mastodon_length,
    media_kind,
)
from publishing.networks.media import media_problems


def status_text(post: OutgoingPost) -> str:
    """Return the status's text: the post's, with its link after it unless already there."""
    if post.link and post.link not in post.text:
        return f"{post.text}\n\n{post.link}".strip()
    return post.text


def idempotency_key(account_id: str, post: OutgoingPost) -> str:
    """Return the key under which the instance publishes this post only once (Mastodon
    remembers it for an hour), from the account and everything the post carries."""
    media = [
        part
        for item in post.media
        for part in (hashlib.sha256(item.content).hexdigest(), item.mime_type, item.alt_text)
    ]
    return digest(account_id, status_text(post), post.reply_to_remote_id, *media)


def digest(*parts: str) -> str:
    """Return a SHA-256 over ``parts``, each kept apart from the next."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def problems(post: OutgoingPost) -> list[ValidationProblem]:
    """Return every reason the instance would refuse ``post``: its length, counted as
    Mastodon counts, and its files."""
    text = status_text(post)
    found = []
    if not text.strip() and not post.media:
        found.append(
            ValidationProblem(
                "empty",
                gettext_noop("Write some text or attach a file: Mastodon refuses empty posts."),
            )
        )
    length = mastodon_length(text)
    if length > MASTODON_MAX_CHARACTERS:
        found.append(
            ValidationProblem(
                "too_long",
                gettext_noop(
                    "The text counts %(length)s characters and Mastodon allows %(most)s: "
                    "remove %(extra)s. Each link counts as %(link)s."
                ),
                params={
                    "length": length,
                    "most": MASTODON_MAX_CHARACTERS,
                    "extra": length - MASTODON_MAX_CHARACTERS,
                    "link": MASTODON_URL_LENGTH,
                },
            )
        )
    return found + _media_problems(post.media)


def _media_problems(media: Sequence[MediaItem]) -> list[ValidationProblem]:
    """Return what the instance would refuse in the post's files: those every network
    refuses, and a video or GIF beside other files."""
    found = []
    if len(media) > 1 and any(media_kind(m.mime_type) != "image" for m in media):
        found.append(
            ValidationProblem(
                "video_not_alone",
                gettext_noop(
                    "On Mastodon a video or GIF must be the only file: post it separately."
                ),
                "media",
            )
        )
    return found + media_problems(
        media,
        network="Mastodon",
        rule=MEDIA_RULES["mastodon"],
        accepted=Phrase(gettext_noop("JPEG, PNG, GIF, WebP or MP4")),
        alt_text_max=ALT_TEXT_MAX["mastodon"],
    )


class _PlainText(HTMLParser):
    """Collect a status's words from Mastodon's HTML, keeping paragraphs and line breaks."""

    def __init__(self) -> None:
        """Start with no text."""
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Turn a line break or a new paragraph into newlines."""
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        """Keep the text."""
        self.parts.append(data)


def plain_text(html: str) -> str:
    """Return the text of a status's HTML ``content``."""
    parser = _PlainText()
    parser.feed(html or "")
    parser.close()
    return "".join(parser.parts).strip()
