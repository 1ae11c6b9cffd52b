"""Give posts and uploads the identifiers each network would give them.

Ids come from the world's one sequence, so they sort by creation on every network
(X's ``since_id``, Mastodon's ``min_id`` and Graph's cursors rely on that).
"""

from __future__ import annotations

import hashlib

from emulator.state import Post, World, base32

# Where each network's numeric ids start, so they look like the real ones.
X_IDS = 1_900_000_000_000_000_000
MASTODON_IDS = 113_000_000_000_000_000
INSTAGRAM_IDS = 17_900_000_000_000_000
FACEBOOK_IDS = 122_100_000_000_000_000
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# A fixed instant in microseconds, so TIDs sort with the sequence and look current.
_TID_EPOCH_US = 1_735_689_600_000_000


def new_post_id(world: World, post: Post) -> str:
    """Return a fresh id for ``post`` in its network's format."""
    number = world.next_number()
    if post.channel == "x":
        return str(X_IDS + number)
    if post.channel == "mastodon":
        return str(MASTODON_IDS + number)
    if post.channel == "instagram":
        return str(INSTAGRAM_IDS + number)
    if post.channel == "bluesky":
        return f"at://{post.author.id}/app.bsky.feed.post/{tid(number)}"
    if post.kind == "message":
        return f"m_{FACEBOOK_IDS + number}"
    if post.in_reply_to is not None:
        # Graph names a comment after its post: {post}_{comment}.
        return f"{post.root.id.rsplit('_', 1)[-1]}_{FACEBOOK_IDS + number}"
    return f"{post.owner.id}_{FACEBOOK_IDS + number}"


def new_media_id(world: World, network: str) -> str:
    """Return a fresh id for an upload (or an Instagram container) on ``network``."""
    number = world.next_number()
    base = {"x": X_IDS, "mastodon": MASTODON_IDS, "facebook": FACEBOOK_IDS}.get(network)
    return str((base or INSTAGRAM_IDS) + number)


def tid(number: int) -> str:
    """Return an AT Protocol record key (TID) that sorts with ``number``."""
    value = ((_TID_EPOCH_US + number) << 10) & ((1 << 63) - 1)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def cid(data: bytes, *, raw: bool = False) -> str:
    """Return a CIDv1 (sha-256) for ``data``: dag-cbor for records, raw for blobs."""
    codec = b"\x55" if raw else b"\x71"
    return "b" + base32(b"\x01" + codec + b"\x12\x20" + hashlib.sha256(data).digest())
