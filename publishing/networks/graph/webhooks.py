"""Read what Facebook and Instagram push to the app's webhook: check that Meta signed it
with the app's secret, then turn its entries into inbox items per account.

Meta signs the raw body with HMAC-SHA256 under the app secret, in
``X-Hub-Signature-256: sha256=<hex>``. A page's entries (``"object": "page"``) carry
``feed`` changes (a comment added, edited or removed; other items are left alone) and
``messaging`` events (a private message); an Instagram account's (``"object":
"instagram"``) carry ``comments`` changes, new comments only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from publishing.networks.base import (
    InboundItem,
    InboundKind,
    InboundMedia,
    InboundMediaKind,
    Network,
)

SIGNATURE_PREFIX = "sha256="
NETWORK_OF_OBJECT = {"page": Network.FACEBOOK, "instagram": Network.INSTAGRAM}


class PushError(ValueError):
    """Say why a pushed body cannot be read."""


@dataclass
class Pushed:
    """What one push says reached one account: items written or edited, and the remote
    ids of items removed."""

    network: Network
    account_remote_id: str
    items: list[InboundItem] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def signed_by(secret: str, body: bytes, signature: str) -> bool:
    """Return whether ``signature`` (the header's value) signs ``body`` with ``secret``."""
    if not secret or not signature.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.removeprefix(SIGNATURE_PREFIX))


def signature_of(secret: str, body: bytes) -> str:
    """Return the header value that signs ``body`` with ``secret``, as Meta sends it."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def pushed(payload: Any) -> list[Pushed]:
    """Return what each entry of a pushed body says reached its account."""
    if not isinstance(payload, dict) or payload.get("object") not in NETWORK_OF_OBJECT:
        raise PushError("The body is not a page's or an Instagram account's notification.")
    network = NETWORK_OF_OBJECT[payload["object"]]
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise PushError("The notification has no entries.")
    try:
        return [_entry(network, entry) for entry in entries]
    except (KeyError, TypeError, ValueError) as error:
        raise PushError(f"An entry of the notification cannot be read: {error!r}") from error


def _entry(network: Network, entry: Mapping[str, Any]) -> Pushed:
    """Read one account's entry."""
    found = Pushed(network, str(entry["id"]))
    for change in entry.get("changes") or []:
        value = change.get("value") or {}
        # A change's entry is timed in seconds (a message's in milliseconds).
        sent_at = _moment(entry["time"])
        if network == Network.FACEBOOK and change.get("field") == "feed":
            _feed_change(found, value, sent_at)
        elif network == Network.INSTAGRAM and change.get("field") == "comments":
            comment = _instagram_comment(value, sent_at)
            if str((value.get("from") or {}).get("id", "")) != found.account_remote_id:
                found.items.append(comment)
    for event in entry.get("messaging") or []:
        message = event.get("message") or {}
        if "mid" in message and not message.get("is_echo"):
            found.items.append(
                InboundItem(
                    remote_id=str(message["mid"]),
                    kind=InboundKind.MESSAGE,
                    author_handle=str(event["sender"]["id"]),
                    author_name="",
                    text=str(message.get("text", "")),
                    created_at=_moment(event.get("timestamp", 0) / 1000),
                    media=_message_files(message),
                )
            )
    return found


def _feed_change(found: Pushed, value: Mapping[str, Any], sent_at: datetime) -> None:
    """Read a page's ``feed`` change: a comment added, edited or removed."""
    if value.get("item") != "comment":
        return
    if value.get("verb") == "remove":
        found.removed.append(str(value["comment_id"]))
        return
    if value.get("verb") not in ("add", "edited"):
        return
    sender = value.get("from") or {}
    if str(sender.get("id", "")) == found.account_remote_id:
        return  # the page's own comment
    found.items.append(
        InboundItem(
            remote_id=str(value["comment_id"]),
            kind=InboundKind.COMMENT,
            author_handle=str(sender.get("id", "")),
            author_name=str(sender.get("name", "")),
            text=str(value.get("message", "")),
            created_at=_moment(value.get("created_time")) if "created_time" in value else sent_at,
            in_reply_to_remote_id=str(value.get("parent_id") or value.get("post_id") or ""),
            media=tuple(
                InboundMedia(url=str(value[field]), kind=kind)
                for field, kind in (
                    ("photo", InboundMediaKind.IMAGE),
                    ("video", InboundMediaKind.VIDEO),
                )
                if value.get(field)
            ),
        )
    )


def _message_files(message: Mapping[str, Any]) -> tuple[InboundMedia, ...]:
    """Return the images and videos a pushed private message carries."""
    kinds = {"image": InboundMediaKind.IMAGE, "video": InboundMediaKind.VIDEO}
    return tuple(
        InboundMedia(url=str(attachment["payload"]["url"]), kind=kinds[attachment["type"]])
        for attachment in message.get("attachments") or []
        if attachment.get("type") in kinds and (attachment.get("payload") or {}).get("url")
    )


def _instagram_comment(value: Mapping[str, Any], sent_at: datetime) -> InboundItem:
    """Read an Instagram ``comments`` change: a new comment or reply."""
    sender = value.get("from") or {}
    username = str(sender.get("username", ""))
    return InboundItem(
        remote_id=str(value["id"]),
        kind=InboundKind.COMMENT,
        author_handle=username or str(sender.get("id", "")),
        author_name=username,
        text=str(value.get("text", "")),
        created_at=sent_at,
        in_reply_to_remote_id=str(value.get("parent_id") or (value.get("media") or {})["id"]),
    )


def _moment(seconds: Any) -> datetime:
    """Return a Unix time in seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(float(seconds), UTC)
