"""Check a post against Bluesky's own limits before it is sent: text by graphemes and
bytes, images by count, type, size and alt text."""

from __future__ import annotations

from collections.abc import Sequence

from publishing.networks.base import MediaItem, OutgoingPost, ValidationProblem
from publishing.networks.limits import (
    ALT_TEXT_MAX,
    BLUESKY_MAX_BYTES,
    BLUESKY_MAX_GRAPHEMES,
    MEDIA_RULES,
    grapheme_count,
    sniff_mime,
)


def full_text(post: OutgoingPost) -> str:
    """Return the post's text with its link at the end, unless the text already has it."""
    if post.link and post.link not in post.text:
        return f"{post.text}\n{post.link}" if post.text else post.link
    return post.text


def problems(post: OutgoingPost) -> list[ValidationProblem]:
    """Return every reason Bluesky would refuse ``post``, by its own counting rules."""
    text = full_text(post)
    found = []
    graphemes = grapheme_count(text)
    if graphemes > BLUESKY_MAX_GRAPHEMES:
        found.append(
            ValidationProblem(
                "text_too_long",
                f"Bluesky allows {BLUESKY_MAX_GRAPHEMES} characters; this text has "
                f"{graphemes}. Shorten it by {graphemes - BLUESKY_MAX_GRAPHEMES}.",
            )
        )
    size = len(text.encode())
    if size > BLUESKY_MAX_BYTES:
        found.append(
            ValidationProblem(
                "text_too_large",
                f"Bluesky stores at most {BLUESKY_MAX_BYTES} bytes of text and this text "
                f"takes {size} (emoji and accented letters take several). Shorten it.",
            )
        )
    if not text.strip() and not post.media:
        found.append(ValidationProblem("empty", "A Bluesky post needs text or an image."))
    return found + _media_problems(post.media)


def _media_problems(media: Sequence[MediaItem]) -> list[ValidationProblem]:
    """Return what Bluesky would refuse about the images, and missing alt text."""
    rule = MEDIA_RULES["bluesky"]
    alt_max = ALT_TEXT_MAX["bluesky"]
    problems = []
    if len(media) > rule.max_count:
        problems.append(
            ValidationProblem(
                "too_many_media",
                f"Bluesky takes at most {rule.max_count} images; this post has {len(media)}.",
                "media",
            )
        )
    for number, item in enumerate(media, start=1):
        name = f"Image {number} ({item.filename})"
        # Bluesky judges a file by its bytes, not by the type it is declared as.
        mime = sniff_mime(item.content)
        if mime not in rule.mime_types:
            problems.append(
                ValidationProblem(
                    "media_type",
                    f"{name} is not an image Bluesky takes (JPEG, PNG, WebP or GIF).",
                    "media",
                )
            )
        elif len(item.content) > rule.size_limit(mime):
            problems.append(
                ValidationProblem(
                    "media_too_large",
                    f"{name} is {len(item.content):,} bytes; Bluesky takes images up to "
                    f"{rule.size_limit(mime):,} bytes.",
                    "media",
                )
            )
        if not item.alt_text.strip():
            problems.append(
                ValidationProblem(
                    "alt_text_missing",
                    f"{name} needs alt text for people who use screen readers.",
                    "media",
                )
            )
        elif len(item.alt_text) > alt_max:
            problems.append(
                ValidationProblem(
                    "alt_text_too_long",
                    f"{name}: Bluesky allows {alt_max} characters of alt text; this has "
                    f"{len(item.alt_text)}.",
                    "media",
                )
            )
    return problems
