"""Publish to a Facebook page and read what citizens say to it, over the Graph API.

``AccountCredentials.remote_id`` is the page id and ``access_token`` the page's token
(from ``/me/accounts``). Comments reach the inbox from the page's 25 newest posts;
private messages from the page's conversations.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from publishing.networks.base import (
    AccountCredentials,
    AccountProfile,
    InboundItem,
    InboundKind,
    InboundMedia,
    InboundMediaKind,
    InboundPage,
    MediaItem,
    Moderation,
    Network,
    NetworkError,
    OutgoingPost,
    PermanentNetworkError,
    PublishedPost,
    RemotePost,
    ValidationProblem,
)
from publishing.networks.graph.client import GraphAdapter, GraphSession, graph_time
from publishing.networks.graph.inbound import InboundCursor
from publishing.networks.graph.rules import facebook_problems, text_as_sent

# How many of the page's newest posts are searched for new comments.
POSTS_WATCHED = 25
COMMENT_FIELDS = "id,message,created_time,from,parent,permalink_url,attachment"
MESSAGE_FIELDS = "id,message,created_time,from,attachments"


class FacebookAdapter(GraphAdapter):
    """Publish to and read a Facebook page."""

    network = Network.FACEBOOK
    network_name = "Facebook"

    def validate(self, post: OutgoingPost) -> list[ValidationProblem]:
        """Return every reason Facebook would refuse ``post`` (empty when none)."""
        return facebook_problems(post)

    def publish(self, account: AccountCredentials, post: OutgoingPost) -> PublishedPost:
        """Publish ``post`` on the page: a feed post, one photo, or several photos."""
        text = text_as_sent(post)
        with self._session(account) as graph:
            if len(post.media) == 1:
                # One photo is published by its upload; its post id is the post's.
                answer = graph.post(
                    f"{account.remote_id}/photos",
                    {"caption": text, "alt_text_custom": post.media[0].alt_text}
                    | _photo_source(post.media[0]),
                    files=_photo_file(post.media[0]),
                )
                remote_id = str(answer.get("post_id") or answer["id"])
            else:
                fields: dict[str, Any] = {"message": text}
                if post.link and not post.media:
                    fields["link"] = post.link
                for position, item in enumerate(post.media):
                    fields[f"attached_media[{position}]"] = json.dumps(
                        {"media_fbid": _unpublished_photo(graph, account, item)}
                    )
                remote_id = str(graph.post(f"{account.remote_id}/feed", fields)["id"])
            return _published(graph, remote_id)

    def delete(self, account: AccountCredentials, remote_id: str) -> None:
        """Delete a page post or comment; one already gone counts as deleted."""
        with self._session(account) as graph:
            graph.delete(remote_id)

    def fetch_recent(self, account: AccountCredentials, *, since: datetime) -> list[RemotePost]:
        """Return the page's own posts created since ``since``, newest first."""
        with self._session(account) as graph:
            posts = [
                RemotePost(
                    remote_id=str(item["id"]),
                    text=str(item.get("message", "")),
                    created_at=graph_time(item["created_time"]),
                    permalink=str(item.get("permalink_url", "")),
                )
                for item in graph.pages(
                    f"{account.remote_id}/published_posts",
                    since=int(since.timestamp()),
                    fields="id,message,created_time,permalink_url",
                    limit=100,
                )
            ]
        return sorted(posts, key=lambda p: p.created_at, reverse=True)

    def fetch_inbound(self, account: AccountCredentials, *, cursor: str) -> InboundPage:
        """Return comments on the page's newest posts and private messages newer than
        ``cursor`` (see ``graph.inbound``), oldest first; the page's own are left out."""
        position = InboundCursor.parse(cursor)
        with self._session(account) as graph:
            found = [
                *self._comments(graph, account, position),
                *self._messages(graph, account, position),
            ]
        return position.page(item for item in found if item.author_handle != account.remote_id)

    def _comments(
        self, graph: GraphSession, account: AccountCredentials, position: InboundCursor
    ) -> list[InboundItem]:
        """Return the comments (and replies to comments) on the page's newest posts."""
        posts = graph.get(f"{account.remote_id}/published_posts", fields="id", limit=POSTS_WATCHED)
        return [
            _inbound(comment, InboundKind.COMMENT, (comment.get("parent") or post)["id"])
            for post in posts.get("data", [])
            for comment in graph.pages(
                f"{post['id']}/comments",
                filter="stream",
                since=position.second,
                fields=COMMENT_FIELDS,
                limit=100,
            )
        ]

    def _messages(
        self, graph: GraphSession, account: AccountCredentials, position: InboundCursor
    ) -> list[InboundItem]:
        """Return the private messages of the conversations active since the cursor."""
        found: list[InboundItem] = []
        for conversation in graph.pages(
            f"{account.remote_id}/conversations",
            fields=f"id,updated_time,messages{{{MESSAGE_FIELDS}}}",
            limit=25,
        ):
            if graph_time(conversation["updated_time"]) < position.since:
                # Conversations come most recently active first: the rest are older.
                break
            found.extend(
                _inbound(message, InboundKind.MESSAGE)
                for message in (conversation.get("messages") or {}).get("data", [])
            )
        return found

    def reply(self, account: AccountCredentials, *, in_reply_to: str, text: str) -> PublishedPost:
        """Answer a comment (or post) publicly, or a private message privately."""
        with self._session(account) as graph:
            if not _is_message(in_reply_to):
                answer = graph.post(f"{in_reply_to}/comments", {"message": text})
                return _published(graph, str(answer["id"]))
            sender = (graph.get(in_reply_to, fields="from").get("from") or {}).get("id")
            answer = graph.post(
                f"{account.remote_id}/messages",
                {
                    "recipient": json.dumps({"id": sender}),
                    "message": json.dumps({"text": text}),
                    "messaging_type": "RESPONSE",
                },
            )
            return PublishedPost(remote_id=str(answer["message_id"]), permalink="")

    def comment(self, account: AccountCredentials, *, on: str, text: str) -> PublishedPost:
        """Comment as the page on its own post ``on``."""
        return self.reply(account, in_reply_to=on, text=text)

    def fetch_comments(self, account: AccountCredentials, *, on: str) -> list[RemotePost]:
        """Return the page's own comments on its post ``on``."""
        with self._session(account) as graph:
            return [
                RemotePost(
                    remote_id=str(comment["id"]),
                    text=str(comment.get("message", "")),
                    created_at=graph_time(comment["created_time"]),
                    permalink=str(comment.get("permalink_url", "")),
                )
                for comment in graph.pages(f"{on}/comments", fields=COMMENT_FIELDS, limit=100)
                if str((comment.get("from") or {}).get("id", "")) == account.remote_id
            ]

    def moderations(self, kind: InboundKind) -> frozenset[Moderation]:
        """A page hides and deletes comments, and blocks who wrote a comment or a
        message."""
        if kind == InboundKind.MESSAGE:
            return frozenset({Moderation.BLOCK})
        return frozenset({Moderation.HIDE, Moderation.DELETE, Moderation.BLOCK})

    def delete_comment(self, account: AccountCredentials, remote_id: str) -> None:
        """Delete a comment on the page's post."""
        if _is_message(remote_id):
            raise PermanentNetworkError(
                "Facebook does not let a page delete a private message it received."
            )
        self.delete(account, remote_id)

    def block_author(self, account: AccountCredentials, remote_id: str) -> str:
        """Block from the page whoever wrote the comment or message ``remote_id``."""
        with self._session(account) as graph:
            # Blocking twice is harmless, so a cut-off answer means "try again".
            graph.post(f"{account.remote_id}/blocked", _author(graph, remote_id), writes=False)
        return ""

    def unblock_author(self, account: AccountCredentials, remote_id: str, *, block: str) -> None:
        """Lift the page's block of whoever wrote the comment or message ``remote_id``."""
        with self._session(account) as graph:
            graph.delete(f"{account.remote_id}/blocked", **_author(graph, remote_id))

    def hide(self, account: AccountCredentials, remote_id: str, *, hidden: bool) -> None:
        """Hide or show a comment on the page."""
        if _is_message(remote_id):
            raise PermanentNetworkError(
                "Facebook cannot hide a private message; only comments can be hidden."
            )
        with self._session(account) as graph:
            graph.post(remote_id, {"is_hidden": "true" if hidden else "false"})

    def profile(self, account: AccountCredentials) -> AccountProfile:
        """Return the page's id, username, name and picture."""
        with self._session(account) as graph:
            page = graph.get(account.remote_id, fields="id,name,username,picture")
        return AccountProfile(
            remote_id=str(page["id"]),
            handle=str(page.get("username") or page["id"]),
            display_name=str(page.get("name", "")),
            avatar_url=str(((page.get("picture") or {}).get("data") or {}).get("url", "")),
        )


def _photo_source(item: MediaItem) -> dict[str, str]:
    """Return the ``url`` field when the photo is fetched by Facebook rather than uploaded."""
    return {} if item.content else {"url": item.url}


def _photo_file(item: MediaItem) -> dict[str, tuple[str, bytes, str]] | None:
    """Return the multipart ``source`` file of a photo uploaded with the request."""
    return {"source": (item.filename, item.content, item.mime_type)} if item.content else None


def _unpublished_photo(graph: GraphSession, account: AccountCredentials, item: MediaItem) -> str:
    """Upload a photo kept back for a multi-photo post; return its id."""
    answer = graph.post(
        f"{account.remote_id}/photos",
        {"published": "false", "alt_text_custom": item.alt_text} | _photo_source(item),
        files=_photo_file(item),
        # An unpublished photo shows nowhere: retrying after a timeout cannot double a post.
        writes=False,
    )
    return str(answer["id"])


def _published(graph: GraphSession, remote_id: str) -> PublishedPost:
    """Return what was just published, with its permalink when Graph gives it.

    The object exists already: a failure to read it back must not turn into an error
    that would have the post sent again.
    """
    try:
        details = graph.get(remote_id, fields="permalink_url,created_time")
    except NetworkError:
        return PublishedPost(remote_id=remote_id, permalink="")
    created = details.get("created_time")
    return PublishedPost(
        remote_id=remote_id,
        permalink=str(details.get("permalink_url", "")),
        published_at=graph_time(created) if created else None,
    )


def _inbound(entry: dict[str, Any], kind: InboundKind, in_reply_to: str = "") -> InboundItem:
    """Return a Graph comment or message as an inbound item; Facebook gives pages no
    username of the person, so their page-scoped id stands as the handle."""
    sender = entry.get("from") or {}
    return InboundItem(
        remote_id=str(entry["id"]),
        kind=kind,
        author_handle=str(sender.get("id", "")),
        author_name=str(sender.get("name", "")),
        text=str(entry.get("message", "")),
        created_at=graph_time(entry["created_time"]),
        in_reply_to_remote_id=str(in_reply_to),
        permalink=str(entry.get("permalink_url", "")),
        media=(*comment_media(entry.get("attachment")), *message_media(entry.get("attachments"))),
    )


def comment_media(attachment: Any) -> tuple[InboundMedia, ...]:
    """Return the photo or video a comment carries (its ``attachment``), if any."""
    if not isinstance(attachment, dict):
        return ()
    media = attachment.get("media") or {}
    if attachment.get("type") == "photo" and (media.get("image") or {}).get("src"):
        image = str(media["image"]["src"])
        alt = str(attachment.get("description") or "")
        return (InboundMedia(url=image, kind=InboundMediaKind.IMAGE, alt_text=alt),)
    if str(attachment.get("type", "")).startswith("video") and media.get("source"):
        return (InboundMedia(url=str(media["source"]), kind=InboundMediaKind.VIDEO),)
    return ()


def message_media(attachments: Any) -> tuple[InboundMedia, ...]:
    """Return the images and videos a private message carries (its ``attachments``)."""
    found = []
    for attachment in (attachments or {}).get("data") or []:
        mime = str(attachment.get("mime_type") or "")
        for field, kind in (
            ("image_data", InboundMediaKind.IMAGE),
            ("video_data", InboundMediaKind.VIDEO),
        ):
            url = (attachment.get(field) or {}).get("url")
            if url:
                found.append(InboundMedia(url=str(url), kind=kind, mime_type=mime))
    return tuple(found)


def _author(graph: GraphSession, remote_id: str) -> dict[str, str]:
    """Return who wrote the comment or message ``remote_id``, as the page's blocked list
    names them (``user``, or ``psid`` for who wrote to the page)."""
    written = graph.get(remote_id, fields="from")
    author = str((written.get("from") or {}).get("id", ""))
    if not author:
        raise PermanentNetworkError("Facebook does not say who wrote this.")
    return {"psid" if _is_message(remote_id) else "user": author}


def _is_message(remote_id: str) -> bool:
    """Return whether ``remote_id`` names a Messenger message (``m_…``), not a comment."""
    return remote_id.startswith("m_")
