"""Count a post's characters as each network counts them, on the text it would send
(the link joined to the text where the network has no separate field for it).

The composer shows these counts as the author types; the adapters' ``validate`` says
what is refused. Both go by the same rules in ``limits``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from publishing.networks.base import Network, OutgoingPost
from publishing.networks.bluesky.rules import full_text
from publishing.networks.graph.rules import text_as_sent as graph_text
from publishing.networks.limits import (
    BLUESKY_MAX_GRAPHEMES,
    FACEBOOK_MAX_MESSAGE,
    INSTAGRAM_MAX_CAPTION,
    MASTODON_MAX_CHARACTERS,
    X_MAX_WEIGHTED_LENGTH,
    grapheme_count,
    mastodon_length,
    x_weighted_length,
)
from publishing.networks.mastodon.content import status_text
from publishing.networks.x.adapter import text_as_sent as x_text


@dataclass(frozen=True)
class CharacterCount:
    """How much of a network's allowance a post's text uses."""

    used: int
    limit: int

    @property
    def remaining(self) -> int:
        """Return how many characters are left; below zero when the text is too long."""
        return self.limit - self.used

    @property
    def over(self) -> bool:
        """Return whether the text is longer than the network allows."""
        return self.used > self.limit

    @property
    def over_by(self) -> int:
        """Return how many characters must go for the text to fit (0 when it fits)."""
        return max(0, self.used - self.limit)


def _length(text: str) -> int:
    return len(text)


# Each network: the text it sends, the count it applies to it, its allowance.
_RULES: dict[Network, tuple[Callable[[OutgoingPost], str], Callable[[str], int], int]] = {
    Network.X: (x_text, x_weighted_length, X_MAX_WEIGHTED_LENGTH),
    Network.MASTODON: (status_text, mastodon_length, MASTODON_MAX_CHARACTERS),
    Network.BLUESKY: (full_text, grapheme_count, BLUESKY_MAX_GRAPHEMES),
    Network.FACEBOOK: (graph_text, _length, FACEBOOK_MAX_MESSAGE),
    Network.INSTAGRAM: (graph_text, _length, INSTAGRAM_MAX_CAPTION),
}


def character_count(network: Network | str, post: OutgoingPost) -> CharacterCount:
    """Return how many characters ``post`` counts on ``network`` out of how many."""
    text_of, count, limit = _RULES[Network(network)]
    return CharacterCount(used=count(text_of(post)), limit=limit)


def text_as_sent(network: Network | str, post: OutgoingPost) -> str:
    """Return the text ``network`` is given for ``post`` (with the link where it has no
    separate field for it): what is counted, and what delivery looks for afterwards."""
    text_of, _count, _limit = _RULES[Network(network)]
    return text_of(post)
