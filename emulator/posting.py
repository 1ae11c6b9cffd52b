"""Store a new post with the id its network gives it (every network and the citizens)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from emulator.ids import new_post_id
from emulator.state import Actor, Media, Post, World


def publish(
    world: World,
    channel: str,
    author: Actor,
    text: str,
    *,
    in_reply_to: Post | None = None,
    owner: Actor | None = None,
    kind: str = "",
    media: Sequence[Media] = (),
    conversation: str = "",
    extra: dict[str, Any] | None = None,
) -> Post:
    """Store a post by ``author`` now and return it.

    A reply belongs to the thread's owner; anything else to ``owner`` (the author by
    default). ``kind`` defaults to ``reply`` or ``post``.
    """
    post = Post(
        id="",
        channel=channel,
        owner=owner or (in_reply_to.owner if in_reply_to else author),
        author=author,
        text=text,
        kind=kind or ("reply" if in_reply_to else "post"),
        created_at=datetime.now(UTC),
        in_reply_to=in_reply_to,
        media=list(media),
        conversation=conversation,
        extra=extra or {},
    )
    post.id = new_post_id(world, post)
    return world.add_post(post)
