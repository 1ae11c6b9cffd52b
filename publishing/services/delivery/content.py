"""What a post says, as approvals hash it and as the networks receive it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from publishing.models import Post, PostMedia, PostTarget
from publishing.networks.base import MediaItem, OutgoingPost


@dataclass
class PostSnapshot:
    """Hold a post with its files and targets, read once, and say what it says, its
    hash, and the variant each account gets."""

    post: Post
    media: list[PostMedia]
    targets: list[PostTarget]

    @classmethod
    def of(cls, post: Post) -> PostSnapshot:
        """Read ``post``'s files (in order) and targets."""
        media = PostMedia.objects.filter(post=post).select_related("asset").order_by("position")
        targets = PostTarget.objects.filter(post=post).order_by("account_id")
        return cls(post=post, media=list(media), targets=list(targets))

    def content(self) -> dict[str, Any]:
        """Return everything in the post that reaches the networks: its text, link and
        language, its files (by their bytes' hash) with their alt text, and each target's
        own text and first comment. A revision stores this; approvals approve its hash."""
        return {
            "text": self.post.text,
            "link": self.post.link,
            "language": self.post.language,
            "media": [
                {
                    "sha256": item.asset.sha256,
                    "mime_type": item.asset.mime_type,
                    "alt_text": item.asset.alt_text,
                    "alt_text_fr": item.asset.alt_text_fr,
                }
                for item in self.media
            ],
            "targets": [
                {
                    "account": target.account_id,
                    "text": target.text if target.has_own_text else None,
                    "first_comment": target.first_comment,
                }
                for target in self.targets
            ],
        }

    def content_hash(self) -> str:
        """Return the hash of what the post would send now."""
        return content_hash(self.content())

    def outgoing(self, target: PostTarget, *, with_files: bool = True) -> OutgoingPost:
        """Return the variant that goes to ``target``'s account: the target's own text
        once edited, else the post's; the link; the files with the alt text of the post's
        language. Without ``with_files`` the files are described but not read (enough to
        know the text the network will be given)."""
        french = self.post.language == "fr"
        media = []
        for item in self.media:
            asset = item.asset
            content = b""
            if with_files:
                with asset.file.open("rb") as stream:
                    content = stream.read()
            media.append(
                MediaItem(
                    content=content,
                    mime_type=asset.mime_type,
                    alt_text=asset.alt_text_fr if french and asset.alt_text_fr else asset.alt_text,
                    filename=asset.original_name,
                )
            )
        return OutgoingPost(
            text=target.text if target.has_own_text else self.post.text,
            media=tuple(media),
            link=self.post.link,
        )


def content_hash(content: dict[str, Any]) -> str:
    """Return the SHA-256 of ``content`` serialised canonically (sorted keys, no spaces),
    so the same content hashes the same wherever it is computed."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def post_content(post: Post) -> dict[str, Any]:
    """Return what a revision of ``post`` holds now (see ``PostSnapshot.content``)."""
    return PostSnapshot.of(post).content()


def post_content_hash(post: Post) -> str:
    """Return the hash of what ``post`` would send now."""
    return PostSnapshot.of(post).content_hash()
