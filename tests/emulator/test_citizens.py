"""Synthetic citizens: replies and mentions that depend only on the seed and the posts."""

from __future__ import annotations

from tests.emulator.clients import x_client
from tests.emulator_client import Emulator

TEXTS = ["Snow clearing starts tonight", "Library hours change", "Pools open Saturday"]


def _conversation(emulator: Emulator, seed: int) -> list[tuple[str, str, str]]:
    """Publish the same posts from a fresh world; return what the citizens said."""
    emulator.reset(seed=seed)
    token = emulator.account("x", "riverton")["access_token"]
    client = x_client(emulator, token)
    for text in TEXTS:
        client.create_tweet(text=text, user_auth=False)
    said = emulator.posts(network="x", origin="citizen")
    return [(p["author"], p["kind"], p["text"]) for p in reversed(said)]


def test_the_same_seed_gives_the_same_replies(emulator: Emulator) -> None:
    first = _conversation(emulator, seed=7)
    again = _conversation(emulator, seed=7)
    other = _conversation(emulator, seed=8)

    assert first, "citizens answer published posts"
    assert first == again
    assert first != other


def test_citizens_reply_on_every_network_and_can_be_silenced(emulator: Emulator) -> None:
    emulator.reset(seed=3)
    token = emulator.account("x", "riverton")["access_token"]
    client = x_client(emulator, token)
    for text in TEXTS:
        client.create_tweet(text=text, user_auth=False)
    replies = emulator.posts(network="x", origin="citizen", kind="reply")

    emulator.configure(citizens=False)
    client.create_tweet(text="A quiet day", user_auth=False)
    quiet_id = emulator.posts(network="x", origin="account")[0]["id"]

    assert all(r["text"].startswith("@riverton ") for r in replies)
    assert not [
        p for p in emulator.posts(network="x", origin="citizen") if p["root_id"] == quiet_id
    ]
