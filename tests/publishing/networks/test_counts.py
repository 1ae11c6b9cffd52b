"""The app's character counts: X's weighted count held to twitter-text's rules, and to
the emulator's count, written apart from it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.rules.x import weighted_length as emulators_weighted_length
from publishing.networks.base import Network, OutgoingPost
from publishing.networks.counts import character_count
from publishing.networks.limits import x_weighted_length
from tests.twitter_text_cases import CONFORMANCE, MORE


@pytest.mark.parametrize(("text", "weight"), CONFORMANCE)
def test_x_weighs_twitter_texts_conformance_cases_as_twitter_text_does(
    text: str, weight: int
) -> None:
    assert x_weighted_length(text) == weight


@pytest.mark.parametrize(("text", "weight"), MORE)
def test_x_weighs_marks_odd_domains_and_emoji_sequences_as_twitter_text_does(
    text: str, weight: int
) -> None:
    assert x_weighted_length(text) == weight


def test_the_composer_counts_a_link_wrapped_in_isolates_with_its_marks() -> None:
    # What an editor writing right to left leaves around a pasted link.
    link = "\u2066https://www.riverton.ca/roads\u2069"
    fits = character_count(Network.X, OutgoingPost(text="x" * 252 + " " + link))
    over = character_count(Network.X, OutgoingPost(text="x" * 253 + " " + link))

    assert (fits.used, fits.over) == (280, False)
    assert (over.used, over.over_by) == (281, 1)


def test_the_composer_counts_every_character_of_a_link_whose_domain_is_not_one() -> None:
    link = "https://" + "a" * 64 + ".ca/roads"  # a label longer than DNS allows
    count = character_count(Network.X, OutgoingPost(text="Closed: " + link))

    assert count.used == len("Closed: " + link) == 89


# Pieces of the texts where counts go wrong: letters, CJK, accents, punctuation that may
# end a link, directional marks, emoji parts, protocols, labels and top-level domains.
PIECES = [
    *"aZ9-_./:?#@$()!,;=&+~|%é道あ\u0628 \n",
    *"\u200e\u200f\u202a\u202c\u202e\u2066\u2069\u061c\ufeff\u0301",
    *"\u200d\ufe0f\ufe0e\u20e3\U0001f44d\U0001f3fd\u2764\u263a\u00a9\U0001f1e8\U0001f1e6",
    "https://",
    "http://",
    "www.",
    "t.co/",
    "xn--",
    "xn--zz",
    "xn--ls8h",
    ".com",
    ".ca",
    ".gov",
    ".みんな",
    ".example",
    "riverton",
    "a" * 63,
    "a" * 64,
]


@settings(max_examples=400, deadline=None)
@given(text=st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_the_app_and_the_emulator_weigh_any_text_alike(text: str) -> None:
    assert x_weighted_length(text) == emulators_weighted_length(text)
