"""Facebook's and Instagram's limits on what a post says and how often.

- Facebook: a page post's ``message`` up to 63,206 characters.
- Instagram: a caption up to 2,200 characters and 30 hashtags; 100 posts published
  through the API in 24 hours (``content_publishing_limit``).
"""

from __future__ import annotations

import regex

FACEBOOK_MAX_MESSAGE = 63206
INSTAGRAM_MAX_CAPTION = 2200
INSTAGRAM_MAX_HASHTAGS = 30
INSTAGRAM_POSTS_PER_DAY = 100

# A hashtag: "#" and letters, digits or underscores, not inside a word or after "#".
_HASHTAG = regex.compile(r"(?<![\p{L}\p{N}_#])#[\p{L}\p{M}\p{N}_]+")


def hashtag_count(caption: str) -> int:
    """Return how many hashtags ``caption`` carries."""
    return len(_HASHTAG.findall(caption))
