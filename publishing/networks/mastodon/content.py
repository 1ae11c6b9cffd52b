"""Say what a status carries: its text, the key it is published once under, what the
instance would refuse in it, and the plain text of Mastodon's HTML."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from html.parser import HTMLParser

from publishing.networks.base import MediaItem, OutgoingPost, ValidationProblem
from publishing.networks.limits import (
    ALT_TEXT_MAX,
    MASTODON_MAX_CHARACTERS,
    MASTODON_URL_LENGTH,
    MB,
    MEDIA_RULES,
    mastodon_length,
)

MEDIA_RULE = MEDIA_RULES["mastodon"]


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
                "empty", "Write some text or attach a file: Mastodon refuses empty posts."
            )
        )
    length = mastodon_length(text)
    if length > MASTODON_MAX_CHARACTERS:
        found.append(
            ValidationProblem(
                "too_long",
                f"The text counts {length} characters and Mastodon allows "
                f"{MASTODON_MAX_CHARACTERS}: remove {length - MASTODON_MAX_CHARACTERS}. "
                f"Each link counts as {MASTODON_URL_LENGTH}.",
            )
        )
    return found + _media_problems(post.media)


def _media_problems(media: Sequence[MediaItem]) -> list[ValidationProblem]:
    """Return what the instance would refuse in the post's files."""
    found = []
    if len(media) > MEDIA_RULE.max_count:
        found.append(
            _media_problem(
                "too_many_media",
                f"Mastodon takes at most {MEDIA_RULE.max_count} files in a post; this one has "
                f"{len(media)}.",
            )
        )
    alone = [m for m in media if m.mime_type == "image/gif" or m.mime_type.startswith("video/")]
    if alone and len(media) > 1:
        found.append(
            _media_problem("video_not_alone", "On Mastodon a video or GIF must be the only file.")
        )
    accepted = ", ".join(sorted(MEDIA_RULE.mime_types))
    alt_max = ALT_TEXT_MAX["mastodon"]
    for number, item in enumerate(media, start=1):
        name = f"File {number} ({item.filename})"
        if item.mime_type not in MEDIA_RULE.mime_types:
            found.append(
                _media_problem(
                    "media_type", f"{name} is {item.mime_type}; Mastodon accepts {accepted}."
                )
            )
        elif len(item.content) > MEDIA_RULE.size_limit(item.mime_type):
            found.append(
                _media_problem(
                    "media_too_large",
                    f"{name} is {len(item.content) / MB:.1f} MB; Mastodon accepts at most "
                    f"{MEDIA_RULE.size_limit(item.mime_type) // MB} MB for this kind of file.",
                )
            )
        if not item.alt_text.strip():
            found.append(
                _media_problem(
                    "alt_text_missing",
                    f"{name} needs alt text: describe it for people who use screen readers.",
                )
            )
        elif len(item.alt_text) > alt_max:
            found.append(
                _media_problem(
                    "alt_text_too_long",
                    f"The alt text of {name} is {len(item.alt_text)} characters; Mastodon allows "
                    f"{alt_max}.",
                )
            )
    return found


def _media_problem(code: str, message: str) -> ValidationProblem:
    """Return a problem with the post's files."""
    return ValidationProblem(code, message, field="media")


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
