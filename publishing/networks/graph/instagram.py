"""Publish to an Instagram professional account and read its comments, over the Graph API.

``AccountCredentials.remote_id`` is the Instagram user id and ``access_token`` the token
of the Facebook page it is linked to. Publishing is two steps: a container made from the
image's public URL, then ``media_publish``. Comments reach the inbox from the account's
25 newest posts; Instagram has no private messages here.
"""

from __future__ import annotations

from datetime import datetime

from publishing.networks.base import (
    AccountCredentials,
    AccountProfile,
    InboundItem,
    InboundKind,
    InboundPage,
    Moderation,
    Network,
    NetworkError,
    OutgoingPost,
    PermanentNetworkError,
    PublishedPost,
    RemotePost,
    TransientNetworkError,
    ValidationProblem,
)
from publishing.networks.graph.client import GraphAdapter, graph_time
from publishing.networks.graph.inbound import InboundCursor
from publishing.networks.graph.rules import instagram_problems, text_as_sent

POSTS_WATCHED = 25
COMMENT_FIELDS = "id,text,timestamp,username,from"


class InstagramAdapter(GraphAdapter):
    """Publish to and read an Instagram professional account."""

    network = Network.INSTAGRAM
    network_name = "Instagram"
    text_field = "text"
    written_field = "timestamp"

    def validate(self, post: OutgoingPost) -> list[ValidationProblem]:
        """Return every reason Instagram would refuse ``post`` (empty when none)."""
        return instagram_problems(post)

    def publish(self, account: AccountCredentials, post: OutgoingPost) -> PublishedPost:
        """Publish ``post``'s image with its caption and alt text."""
        if not post.media or not post.media[0].url:
            raise PermanentNetworkError(
                "Instagram posts need an image with a public web address; this post has none."
            )
        image = post.media[0]
        with self._session(account) as graph:
            container = graph.post(
                f"{account.remote_id}/media",
                {"image_url": image.url, "caption": text_as_sent(post), "alt_text": image.alt_text},
                # A container is not a post: if its answer is lost, nothing was published.
                writes=False,
            )
            container_id = str(container["id"])
            status = graph.get(container_id, fields="status_code").get("status_code")
            if status == "ERROR":
                raise PermanentNetworkError(
                    "Instagram could not process the image. Check that it is a JPEG that "
                    "opens at its web address."
                )
            if status not in (None, "FINISHED"):
                raise TransientNetworkError("Instagram is still processing the image.")
            media_id = str(
                graph.post(f"{account.remote_id}/media_publish", {"creation_id": container_id})[
                    "id"
                ]
            )
            try:
                details = graph.get(media_id, fields="permalink,timestamp")
            except NetworkError:
                # Published already: a failed read-back must not have it sent again.
                return PublishedPost(remote_id=media_id, permalink="")
        return PublishedPost(
            remote_id=media_id,
            permalink=str(details.get("permalink", "")),
            published_at=graph_time(details["timestamp"]) if details.get("timestamp") else None,
        )

    def delete(self, account: AccountCredentials, remote_id: str) -> None:
        """Refuse: the Graph API does not let apps delete Instagram posts."""
        raise PermanentNetworkError(
            "Instagram does not let apps delete posts. Delete it in the Instagram app."
        )

    def fetch_recent(self, account: AccountCredentials, *, since: datetime) -> list[RemotePost]:
        """Return the account's own posts created since ``since``, newest first."""
        floor = since.replace(microsecond=0)
        found = []
        with self._session(account) as graph:
            for item in graph.pages(
                f"{account.remote_id}/media", fields="id,caption,timestamp,permalink", limit=100
            ):
                created = graph_time(item["timestamp"])
                if created < floor:
                    # Newest first: everything after this is older still.
                    break
                found.append(
                    RemotePost(
                        remote_id=str(item["id"]),
                        text=str(item.get("caption", "")),
                        created_at=created,
                        permalink=str(item.get("permalink", "")),
                    )
                )
        return sorted(found, key=lambda p: p.created_at, reverse=True)

    def fetch_inbound(self, account: AccountCredentials, *, cursor: str) -> InboundPage:
        """Return comments and replies on the account's newest posts newer than
        ``cursor`` (see ``graph.inbound``), oldest first."""
        position = InboundCursor.parse(cursor)
        found = []
        with self._session(account) as graph:
            media = graph.get(f"{account.remote_id}/media", fields="id", limit=POSTS_WATCHED)
            for post in media.get("data", []):
                for comment in graph.pages(
                    f"{post['id']}/comments",
                    fields=f"{COMMENT_FIELDS},replies{{{COMMENT_FIELDS}}}",
                    limit=100,
                ):
                    found.append(_comment(comment, str(post["id"])))
                    found.extend(
                        _comment(reply, str(comment["id"]))
                        for reply in (comment.get("replies") or {}).get("data", [])
                    )
        return position.page(item for item in found if not _own(item, account))

    def reply(self, account: AccountCredentials, *, in_reply_to: str, text: str) -> PublishedPost:
        """Answer a comment publicly, as a reply under it."""
        with self._session(account) as graph:
            answer = graph.post(f"{in_reply_to}/replies", {"message": text})
        return PublishedPost(remote_id=str(answer["id"]), permalink="")

    def comment(self, account: AccountCredentials, *, on: str, text: str) -> PublishedPost:
        """Comment as the account on its own post ``on`` (Instagram gives comments no
        address of their own)."""
        with self._session(account) as graph:
            answer = graph.post(f"{on}/comments", {"message": text})
        return PublishedPost(remote_id=str(answer["id"]), permalink="")

    def fetch_comments(self, account: AccountCredentials, *, on: str) -> list[RemotePost]:
        """Return the account's own comments on its post ``on``."""
        with self._session(account) as graph:
            return [
                RemotePost(
                    remote_id=str(comment["id"]),
                    text=str(comment.get("text", "")),
                    created_at=graph_time(str(comment["timestamp"])),
                )
                for comment in graph.pages(f"{on}/comments", fields=COMMENT_FIELDS, limit=100)
                if str(comment.get("username", "")).lower() == account.handle.lower()
            ]

    def moderations(self, kind: InboundKind) -> frozenset[Moderation]:
        """An account hides and deletes comments on its posts; it cannot block."""
        return frozenset({Moderation.HIDE, Moderation.DELETE})

    def delete_comment(self, account: AccountCredentials, remote_id: str) -> None:
        """Delete a comment on one of the account's posts."""
        with self._session(account) as graph:
            graph.delete(remote_id)

    def block_author(self, account: AccountCredentials, remote_id: str) -> str:
        """Refuse: the Graph API does not let apps block Instagram accounts."""
        raise PermanentNetworkError(
            "Instagram does not let apps block accounts. Block them in the Instagram app."
        )

    def unblock_author(self, account: AccountCredentials, remote_id: str, *, block: str) -> None:
        """Refuse, as blocking: nothing here was blocked through govsocial."""
        self.block_author(account, remote_id)

    def hide(self, account: AccountCredentials, remote_id: str, *, hidden: bool) -> None:
        """Hide or show a comment."""
        with self._session(account) as graph:
            graph.post(remote_id, {"hide": "true" if hidden else "false"})

    def profile(self, account: AccountCredentials) -> AccountProfile:
        """Return the account's id, username, name and picture."""
        with self._session(account) as graph:
            user = graph.get(account.remote_id, fields="id,username,name,profile_picture_url")
        return AccountProfile(
            remote_id=str(user["id"]),
            handle=str(user.get("username", "")),
            display_name=str(user.get("name", "")),
            avatar_url=str(user.get("profile_picture_url", "")),
        )


def _comment(comment: dict[str, object], parent_id: str) -> InboundItem:
    """Return an Instagram comment as an inbound item."""
    sender = comment.get("from")
    author_id = str(sender.get("id", "")) if isinstance(sender, dict) else ""
    username = str(comment.get("username", ""))
    return InboundItem(
        remote_id=str(comment["id"]),
        kind=InboundKind.COMMENT,
        author_handle=username or author_id,
        author_name=username,
        text=str(comment.get("text", "")),
        created_at=graph_time(str(comment["timestamp"])),
        in_reply_to_remote_id=parent_id,
    )


def _own(item: InboundItem, account: AccountCredentials) -> bool:
    """Return whether the account itself wrote ``item`` (its own replies)."""
    return item.author_handle.lower() == account.handle.lower()
