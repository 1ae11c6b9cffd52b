"""Check a post against Facebook's and Instagram's own limits before it is sent.

The numbers and counting functions live in ``publishing.networks.limits``, shared with the
emulator that enforces them; this module only words the problems for the author.
"""

from __future__ import annotations

from publishing.networks.base import OutgoingPost, ValidationProblem
from publishing.networks.limits import (
    FACEBOOK_MAX_MESSAGE,
    INSTAGRAM_MAX_CAPTION,
    INSTAGRAM_MAX_HASHTAGS,
    MEDIA_RULES,
    hashtag_count,
)
from publishing.networks.media import media_problems


def text_as_sent(post: OutgoingPost) -> str:
    """Return the text that goes out: with images Graph takes no separate link, so the
    link joins the text (unless the text already carries it)."""
    if post.media and post.link and post.link not in post.text:
        return f"{post.text}\n\n{post.link}" if post.text else post.link
    return post.text


def facebook_problems(post: OutgoingPost) -> list[ValidationProblem]:
    """Return why Facebook would refuse ``post`` as a page post."""
    problems = []
    text = text_as_sent(post)
    if not text.strip() and not post.link and not post.media:
        problems.append(
            ValidationProblem("empty", "Write a message, add a link or attach an image.")
        )
    if len(text) > FACEBOOK_MAX_MESSAGE:
        problems.append(
            ValidationProblem(
                "text_too_long",
                f"Facebook posts may be at most {FACEBOOK_MAX_MESSAGE:,} characters; this one "
                f"has {len(text):,}.",
            )
        )
    return problems + media_problems(
        post.media,
        network="Facebook",
        rule=MEDIA_RULES["facebook"],
        accepted="JPEG, PNG, GIF or WebP images",
        alt_text_max=None,  # Meta documents no maximum length for alt text
    )


def instagram_problems(post: OutgoingPost) -> list[ValidationProblem]:
    """Return why Instagram would refuse ``post``."""
    problems = []
    text = text_as_sent(post)
    if len(text) > INSTAGRAM_MAX_CAPTION:
        problems.append(
            ValidationProblem(
                "text_too_long",
                f"Instagram captions may be at most {INSTAGRAM_MAX_CAPTION:,} characters; this "
                f"one has {len(text):,}.",
            )
        )
    hashtags = hashtag_count(text)
    if hashtags > INSTAGRAM_MAX_HASHTAGS:
        problems.append(
            ValidationProblem(
                "too_many_hashtags",
                f"Instagram captions may carry at most {INSTAGRAM_MAX_HASHTAGS} hashtags; this "
                f"one has {hashtags}.",
            )
        )
    if not post.media:
        problems.append(
            ValidationProblem(
                "media_required", "Instagram posts need an image. Attach one.", field="media"
            )
        )
    for item in post.media:
        if not item.url:
            problems.append(
                ValidationProblem(
                    "media_url_missing",
                    f"Instagram fetches images from a public web address and {item.filename} "
                    "has none. Upload it to the media library again.",
                    field="media",
                )
            )
    return problems + media_problems(
        post.media,
        network="Instagram",
        rule=MEDIA_RULES["instagram"],
        accepted="a JPEG image",
        alt_text_max=None,  # Meta documents no maximum length for alt text
    )
