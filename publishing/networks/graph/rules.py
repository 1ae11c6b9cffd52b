"""Check a post against Facebook's and Instagram's own limits before it is sent.

The numbers and counting functions live in ``publishing.networks.limits``, shared with the
emulator that enforces them; this module only words the problems for the author.
"""

from __future__ import annotations

from publishing.networks.base import OutgoingPost, Phrase, ValidationProblem, gettext_noop
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
            ValidationProblem(
                "empty", gettext_noop("Write a message, add a link or attach an image.")
            )
        )
    if len(text) > FACEBOOK_MAX_MESSAGE:
        problems.append(
            ValidationProblem(
                "text_too_long",
                gettext_noop(
                    "Facebook posts may be at most %(most)s characters; this one has %(length)s."
                ),
                params={"most": FACEBOOK_MAX_MESSAGE, "length": len(text)},
            )
        )
    return problems + media_problems(
        post.media,
        network="Facebook",
        rule=MEDIA_RULES["facebook"],
        accepted=Phrase(gettext_noop("JPEG, PNG, GIF or WebP images")),
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
                gettext_noop(
                    "Instagram captions may be at most %(most)s characters; this one has "
                    "%(length)s."
                ),
                params={"most": INSTAGRAM_MAX_CAPTION, "length": len(text)},
            )
        )
    hashtags = hashtag_count(text)
    if hashtags > INSTAGRAM_MAX_HASHTAGS:
        problems.append(
            ValidationProblem(
                "too_many_hashtags",
                gettext_noop(
                    "Instagram captions may carry at most %(most)s hashtags; this one has "
                    "%(count)s."
                ),
                params={"most": INSTAGRAM_MAX_HASHTAGS, "count": hashtags},
            )
        )
    if not post.media:
        problems.append(
            ValidationProblem(
                "media_required",
                gettext_noop("Instagram posts need an image. Attach one."),
                field="media",
            )
        )
    for item in post.media:
        if not item.url:
            problems.append(
                ValidationProblem(
                    "media_url_missing",
                    gettext_noop(
                        "Instagram fetches images from a public web address and %(file)s has "
                        "none. Upload it to the media library again."
                    ),
                    field="media",
                    params={"file": item.filename},
                )
            )
    return problems + media_problems(
        post.media,
        network="Instagram",
        rule=MEDIA_RULES["instagram"],
        accepted=Phrase(gettext_noop("a JPEG image")),
        alt_text_max=None,  # Meta documents no maximum length for alt text
    )
