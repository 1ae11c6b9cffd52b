"""Play the public: synthetic citizens reply to and mention the accounts' posts.

What they say depends only on the seed, the account and how many top-level posts that
account has published (and a word of the post), so the same seed and the same posts
give the same replies, whatever else happens at the same time. Where a network has no
public mention that an account can read (Facebook pages), the citizen writes a private
message instead; on Instagram, everything is a comment.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

import regex

from emulator.graph.webhooks import notification
from emulator.posting import publish
from emulator.state import Actor, Media, Post, World, base32, stable_number

CITIZENS = (
    ("amara_okafor", "Amara Okafor"),
    ("ben_tremblay", "Ben Tremblay"),
    ("chloe_nguyen", "Chloé Nguyen"),
    ("dev_patel", "Dev Patel"),
    ("elena_rossi", "Elena Rossi"),
    ("farid_haddad", "Farid Haddad"),
    ("grace_kim", "Grace Kim"),
    ("hugo_lefebvre", "Hugo Lefebvre"),
    ("isla_macdonald", "Isla MacDonald"),
    ("jonas_berg", "Jonas Berg"),
    ("keira_walsh", "Keira Walsh"),
    ("luis_moreno", "Luis Moreno"),
)
REPLIES = (
    "Thanks for the update about {topic}!",
    "Does this change anything for {topic} in my neighbourhood?",
    "Where can I read more about {topic}?",
    "Is there a French version of this notice about {topic}?",
    "Finally some news on {topic}. When does it start?",
    "Who do I call with questions about {topic}?",
)
MENTIONS = (
    "{handle} the streetlight on Maple Avenue has been out for a week.",
    "{handle} are offices open on the holiday Monday?",
    "{handle} thank you to the crews who cleared the roads this morning.",
    "{handle} how do I sign up for emergency alerts?",
)
# How many replies a post draws: mostly one or two, sometimes none or three.
REPLY_COUNTS = (0, 1, 1, 2, 2, 3)
MENTION_CHANCE = 0.5
_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}'-]*")


def citizen(world: World, network: str, name: str, display_name: str) -> Actor:
    """Return the citizen ``name`` on ``network``, the same ids every run."""
    key = (f"citizen:{network}", name)
    actor = world.accounts.get(key)
    if actor is None:
        # Bluesky handles are domain names: no underscores.
        handle = {
            "mastodon": f"{name}@town.example",
            "bluesky": f"{name.replace('_', '-')}.bsky.social",
        }
        if network == "bluesky":
            digest = hashlib.sha256(f"citizen|{name}".encode()).digest()
            actor_id = "did:plc:" + base32(digest)[:24]
        else:
            actor_id = str(stable_number("citizen", network, name, digits=16))
        actor = Actor(
            network=network,
            id=actor_id,
            handle=handle.get(network, name),
            display_name=display_name,
            citizen=True,
        )
        world.accounts[key] = actor
        world.remember(actor)
    return actor


def react(world: World, post: Post) -> None:
    """Add the citizens' replies to ``post`` and perhaps a mention of its account."""
    account = post.owner
    # Not for secrets: a reproducible stream of choices is the point.
    rng = random.Random(f"{world.seed}|{post.channel}|{account.handle}|{account.root_posts}")  # noqa: S311  # nosec B311
    topic = _topic(post.text)
    for _ in range(rng.choice(REPLY_COUNTS)):
        author = citizen(world, account.network, *rng.choice(CITIZENS))
        if world.blocks(account, author):
            continue
        text = rng.choice(REPLIES).format(topic=topic)
        if post.channel in ("x", "mastodon"):
            # Both networks put the account's handle in front of a reply.
            text = f"@{account.handle} {text}"
        say(world, post.channel, account, author, text, kind="reply", to=post)
    if rng.random() < MENTION_CHANCE:
        author = citizen(world, account.network, *rng.choice(CITIZENS))
        if world.blocks(account, author):
            return
        text = rng.choice(MENTIONS).format(handle=f"@{account.handle}")
        if post.channel == "instagram":
            say(world, post.channel, account, author, text, kind="reply", to=post)
        elif post.channel == "facebook":
            text = text.removeprefix(f"@{account.handle} ")
            say(world, post.channel, account, author, text, kind="message")
        else:
            say(world, post.channel, account, author, text, kind="mention")


def say(
    world: World,
    channel: str,
    account: Actor,
    author: Actor,
    text: str,
    *,
    kind: str,
    to: Post | None = None,
    media: Sequence[Media] = (),
) -> Post:
    """Store a citizen's reply, mention or private message to ``account`` (with the
    files ``media`` attached) and return it."""
    conversation = ""
    if kind == "message":
        conversation = f"t_{stable_number(account.id, author.id, digits=15)}"
    post = publish(
        world,
        channel,
        author,
        text,
        in_reply_to=to,
        owner=account,
        kind=kind,
        conversation=conversation,
        media=media,
    )
    world.pushes.push(notification(post, "add"))
    return post


def _topic(text: str) -> str:
    """Return what a citizen quotes of ``text``: its first few words, or "this"."""
    words = _WORD.findall(text)[:4]
    return f"“{' '.join(words)}”" if words else "this"
