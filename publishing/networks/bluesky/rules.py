"""Check a post against Bluesky's own limits before it is sent: text by graphemes and
bytes, images by count, type, size and alt text."""

from __future__ import annotations

from publishing.networks.base import OutgoingPost, Phrase, ValidationProblem, gettext_noop
from publishing.networks.limits import (
    ALT_TEXT_MAX,
    BLUESKY_MAX_BYTES,
    BLUESKY_MAX_GRAPHEMES,
    MEDIA_RULES,
    grapheme_count,
)
from publishing.networks.media import media_problems, sniffed_type


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
                gettext_noop(
                    "Bluesky allows %(most)s characters; this text has %(length)s. Shorten it "
                    "by %(extra)s."
                ),
                params={
                    "most": BLUESKY_MAX_GRAPHEMES,
                    "length": graphemes,
                    "extra": graphemes - BLUESKY_MAX_GRAPHEMES,
                },
            )
        )
    size = len(text.encode())
    if size > BLUESKY_MAX_BYTES:
        found.append(
            ValidationProblem(
                "text_too_large",
                gettext_noop(
                    "Bluesky stores at most %(most)s bytes of text and this text takes "
                    "%(size)s (emoji and accented letters take several). Shorten it."
                ),
                params={"most": BLUESKY_MAX_BYTES, "size": size},
            )
        )
    if not text.strip() and not post.media:
        found.append(
            ValidationProblem("empty", gettext_noop("A Bluesky post needs text or an image."))
        )
    # Bluesky judges a file by its bytes, not by the type it is declared as.
    return found + media_problems(
        post.media,
        network="Bluesky",
        rule=MEDIA_RULES["bluesky"],
        accepted=Phrase(gettext_noop("a JPEG, PNG, WebP or GIF image")),
        alt_text_max=ALT_TEXT_MAX["bluesky"],
        file_type=sniffed_type,
    )
