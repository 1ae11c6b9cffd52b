"""What Meta pushes when a citizen writes to a page or an Instagram account: a page's
``feed`` change for a comment added, edited or removed, a ``messaging`` event for a
private message, an Instagram ``comments`` change for a new comment (Instagram pushes
neither edits nor deletions)."""

from __future__ import annotations

import time
from typing import Any

from emulator.state import Post


def notification(post: Post, verb: str) -> dict[str, Any] | None:
    """Return what Meta pushes when ``post``'s citizen author did ``verb`` (add, edited,
    remove) to it, or None when Meta pushes nothing for it."""
    parent = post.in_reply_to
    if not post.author.citizen:
        return None
    if post.channel == "facebook" and post.kind == "message":
        return _message(post) if verb == "add" else None
    if parent is None:
        return None
    if post.channel == "facebook":
        return _feed_comment(post, parent, verb)
    if post.channel == "instagram" and verb == "add":
        return _instagram_comment(post, parent)
    return None


def _feed_comment(post: Post, parent: Post, verb: str) -> dict[str, Any]:
    """A page's ``feed`` change for one comment on ``parent``."""
    value: dict[str, Any] = {
        "from": {"id": post.author.id, "name": post.author.display_name},
        "item": "comment",
        "verb": verb,
        "comment_id": post.id,
        "post_id": post.root.id,
        "parent_id": parent.id,
        "created_time": int(post.created_at.timestamp()),
    }
    if verb != "remove":
        value["message"] = post.text
        for media in post.media[:1]:
            value["video" if media.kind == "video" else "photo"] = media.url
    change = {"field": "feed", "value": value}
    return {
        "object": "page",
        "entry": [{"id": post.owner.id, "time": int(time.time()), "changes": [change]}],
    }


def _message(post: Post) -> dict[str, Any]:
    """A page's ``messaging`` event for one private message (times in milliseconds)."""
    message: dict[str, Any] = {"mid": post.id, "text": post.text}
    event = {
        "sender": {"id": post.author.id},
        "recipient": {"id": post.owner.id},
        "timestamp": int(post.created_at.timestamp() * 1000),
        "message": message,
    }
    if post.media:
        message["attachments"] = [
            {"type": "video" if m.kind == "video" else "image", "payload": {"url": m.url}}
            for m in post.media
        ]
    entry = {"id": post.owner.id, "time": int(time.time() * 1000), "messaging": [event]}
    return {"object": "page", "entry": [entry]}


def _instagram_comment(post: Post, parent: Post) -> dict[str, Any]:
    """An Instagram account's ``comments`` change for a new comment on a post, or a
    reply to a comment (``parent``)."""
    value: dict[str, Any] = {
        "from": {"id": post.author.id, "username": post.author.handle},
        "media": {"id": post.root.id, "media_product_type": "FEED"},
        "id": post.id,
        "text": post.text,
    }
    if parent.in_reply_to is not None:
        value["parent_id"] = parent.id
    change = {"field": "comments", "value": value}
    entry = {"id": post.owner.instagram_id, "time": int(time.time()), "changes": [change]}
    return {"object": "instagram", "entry": [entry]}
