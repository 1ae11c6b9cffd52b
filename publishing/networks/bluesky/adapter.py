"""Publish to an account on Bluesky and read its posts and notifications."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from atproto import AtUri, Client, models
from atproto_core.exceptions import AtProtocolError

from publishing.networks.base import (
    AccountCredentials,
    AccountProfile,
    DownloadedMedia,
    InboundItem,
    InboundKind,
    InboundMedia,
    InboundMediaKind,
    InboundPage,
    MediaItem,
    Moderation,
    Network,
    NetworkSettings,
    OutgoingPost,
    PermanentNetworkError,
    PublishedPost,
    RemotePost,
    ValidationProblem,
)
from publishing.networks.bluesky.rules import full_text, problems
from publishing.networks.bluesky.session import calling, open_client, usable_access_token
from publishing.networks.download import media_download

WEB_APP = "https://bsky.app"
INBOUND_REASONS = {
    "reply": InboundKind.REPLY,
    "mention": InboundKind.MENTION,
    "quote": InboundKind.MENTION,
}
PAGE_SIZE = 100
# The most posts one getPosts call may name.
POSTS_AT_ONCE = 25
# Reading stops after this many pages: an account's first poll need not go back years.
MAX_PAGES = 10


class BlueskyAdapter:
    """Publish, delete and read an account's Bluesky posts and notifications."""

    network = Network.BLUESKY

    def __init__(self, settings: NetworkSettings) -> None:
        """Talk to the PDS at ``settings.api_url``."""
        self.settings = settings
        self.web = (settings.authorize_url or WEB_APP).rstrip("/")

    def validate(self, post: OutgoingPost) -> list[ValidationProblem]:
        """Return every reason Bluesky would refuse ``post``, by its own counting rules."""
        return problems(post)

    def publish(self, account: AccountCredentials, post: OutgoingPost) -> PublishedPost:
        """Publish ``post`` now (as a reply when it names one); return its at:// URI and
        its page on the web app."""
        with open_client(self.settings, usable_access_token(account)) as client:
            reply_to = _reply_ref(client, post.reply_to_remote_id)
            text = full_text(post)
            # Reads and uploads before the record: nothing is published if they fail, and
            # a blob no record uses is discarded by the PDS.
            with calling(writes=False, refused="the post"):
                facets = client.detect_facets(text)
                embed = _images(client, post.media)
            # No langs: the variant's language is not known here, and a wrong tag hides
            # a French post from feeds filtered by language.
            record = models.AppBskyFeedPost.Record(
                created_at=client.get_current_time_iso(),
                text=text,
                facets=facets or None,
                reply=reply_to,
                embed=embed,
            )
            with calling(writes=True, refused="the post"):
                created = client.app.bsky.feed.post.create(account.remote_id, record)
        return PublishedPost(
            remote_id=created.uri, permalink=self._permalink(account.handle, created.uri)
        )

    def delete(self, account: AccountCredentials, remote_id: str) -> None:
        """Delete one of the account's posts; one already gone counts as deleted."""
        uri = _uri(remote_id)
        if uri.hostname not in (account.remote_id, account.handle):
            raise PermanentNetworkError(
                "This Bluesky post belongs to another account and cannot be deleted from this one."
            )
        # Deleting is safe to repeat (a missing record is already deleted), so a timeout
        # after the request left is simply tried again rather than reconciled.
        with (
            open_client(self.settings, usable_access_token(account)) as client,
            calling(writes=False, refused="the deletion"),
        ):
            client.app.bsky.feed.post.delete(account.remote_id, uri.rkey)

    def fetch_recent(self, account: AccountCredentials, *, since: datetime) -> list[RemotePost]:
        """Return the account's own posts and replies created since ``since``, newest first."""
        found: list[RemotePost] = []
        with (
            open_client(self.settings, usable_access_token(account)) as client,
            calling(writes=False, refused="reading the account's posts"),
        ):
            cursor = None
            for _ in range(MAX_PAGES):
                page = client.get_author_feed(account.remote_id, cursor=cursor, limit=PAGE_SIZE)
                for item in page.feed:
                    # Reposts and pinned posts carry a reason; they are not new posts.
                    if item.reason is not None or item.post.author.did != account.remote_id:
                        continue
                    created_at = _moment(item.post.indexed_at)
                    if created_at < since:
                        return found
                    found.append(self._remote(item.post))
                cursor = page.cursor
                if not cursor:
                    break
        return found

    def _remote(self, post: Any) -> RemotePost:
        """Return a post view as reconciliation and re-reading compare it."""
        return RemotePost(
            remote_id=post.uri,
            text=_text(post.record),
            created_at=_moment(post.indexed_at),
            permalink=self._permalink(post.author.handle, post.uri),
        )

    def comment(self, account: AccountCredentials, *, on: str, text: str) -> PublishedPost:
        """Reply to the account's own post ``on``, starting its thread."""
        return self.reply(account, in_reply_to=on, text=text)

    def fetch_comments(self, account: AccountCredentials, *, on: str) -> list[RemotePost]:
        """Return the account's own direct replies to its post ``on``."""
        with (
            open_client(self.settings, usable_access_token(account)) as client,
            calling(writes=False, refused="reading the post's thread"),
        ):
            thread = client.get_post_thread(on, depth=1).thread
        return [
            self._remote(reply.post)
            for reply in getattr(thread, "replies", None) or []
            if getattr(reply, "post", None) is not None
            and reply.post.author.did == account.remote_id
        ]

    def fetch_current(
        self, account: AccountCredentials, *, remote_ids: Sequence[str]
    ) -> list[RemotePost]:
        """Return the posts among ``remote_ids`` (AT URIs) Bluesky still holds, asking for
        25 at a time; the app view leaves deleted ones out."""
        found: list[RemotePost] = []
        with (
            open_client(self.settings, usable_access_token(account)) as client,
            calling(writes=False, refused="reading the posts"),
        ):
            for start in range(0, len(remote_ids), POSTS_AT_ONCE):
                uris = list(remote_ids[start : start + POSTS_AT_ONCE])
                found += [self._remote(post) for post in client.get_posts(uris).posts]
        return found

    def fetch_inbound(self, account: AccountCredentials, *, cursor: str) -> InboundPage:
        """Return replies, mentions and quotes newer than ``cursor`` (all when it is empty),
        newest first, and the cursor to pass next time."""
        after, seen = _read_cursor(cursor)
        items: list[InboundItem] = []
        params = models.AppBskyNotificationListNotifications.Params(
            limit=PAGE_SIZE, reasons=list(INBOUND_REASONS)
        )
        with (
            open_client(self.settings, usable_access_token(account)) as client,
            calling(writes=False, refused="reading the account's notifications"),
        ):
            for _ in range(MAX_PAGES):
                page = client.app.bsky.notification.list_notifications(params)
                older = False
                for note in page.notifications:
                    moment = _moment(note.indexed_at)
                    older = after is not None and moment < after
                    if older:
                        break
                    if note.reason in INBOUND_REASONS and (moment != after or note.uri not in seen):
                        items.append(self._inbound(note, moment))
                if older or not page.cursor:
                    break
                params = params.model_copy(update={"cursor": page.cursor})
            files = _embedded_files(client, [item.remote_id for item in items if item.media])
        items = [replace(item, media=files.get(item.remote_id, ())) for item in items]
        return InboundPage(items=tuple(items), cursor=_next_cursor(items, after, seen))

    def download(self, account: AccountCredentials, *, url: str, max_bytes: int) -> DownloadedMedia:
        """Return a citizen's image from Bluesky's CDN."""
        return media_download(self.settings, url, max_bytes=max_bytes)

    def reply(self, account: AccountCredentials, *, in_reply_to: str, text: str) -> PublishedPost:
        """Answer a citizen's post publicly, in its thread."""
        return self.publish(account, OutgoingPost(text=text, reply_to_remote_id=in_reply_to))

    def moderations(self, kind: InboundKind) -> frozenset[Moderation]:
        """An account blocks authors; it can neither hide nor delete their posts."""
        return frozenset({Moderation.BLOCK})

    def delete_comment(self, account: AccountCredentials, remote_id: str) -> None:
        """Refuse: a Bluesky account deletes only its own posts."""
        raise PermanentNetworkError(
            "Bluesky does not let an account delete other people's posts. Block the "
            "author, or report the post to Bluesky."
        )

    def block_author(self, account: AccountCredentials, remote_id: str) -> str:
        """Block, from the account, the author of the post ``remote_id`` (the DID its
        at:// address begins with); return the block record's at:// address."""
        author = _uri(remote_id).hostname
        with (
            open_client(self.settings, usable_access_token(account)) as client,
            # Blocking twice only adds a second block record: "try again" is safe.
            calling(writes=False, refused="the block"),
        ):
            made = client.app.bsky.graph.block.create(
                account.remote_id,
                models.AppBskyGraphBlock.Record(
                    subject=author, created_at=client.get_current_time_iso()
                ),
            )
        return str(made.uri)

    def unblock_author(self, account: AccountCredentials, remote_id: str, *, block: str) -> None:
        """Lift the block by deleting its record (``block``, its at:// address)."""
        with (
            open_client(self.settings, usable_access_token(account)) as client,
            # Deleting a record already gone succeeds: safe to repeat.
            calling(writes=False, refused="lifting the block"),
        ):
            client.app.bsky.graph.block.delete(account.remote_id, _uri(block).rkey)

    def hide(self, account: AccountCredentials, remote_id: str, *, hidden: bool) -> None:
        """Refuse: Bluesky offers govsocial no way to hide a reply."""
        raise PermanentNetworkError(
            "Bluesky does not let govsocial hide replies. Open the post in the Bluesky app "
            "to hide the reply there, or report it to Bluesky."
        )

    def profile(self, account: AccountCredentials) -> AccountProfile:
        """Return the account's DID, handle, display name and avatar."""
        with (
            open_client(self.settings, usable_access_token(account)) as client,
            calling(writes=False, refused="reading the profile"),
        ):
            found = client.get_profile(account.remote_id)
        return AccountProfile(
            remote_id=found.did,
            handle=found.handle,
            display_name=found.display_name or found.handle,
            avatar_url=found.avatar or "",
        )

    def _inbound(self, note: Any, moment: datetime) -> InboundItem:
        """Describe one notification as an inbox item."""
        reply = getattr(note.record, "reply", None)
        return InboundItem(
            remote_id=note.uri,
            kind=INBOUND_REASONS[note.reason],
            author_handle=note.author.handle,
            author_name=note.author.display_name or note.author.handle,
            text=_text(note.record),
            created_at=moment,
            in_reply_to_remote_id=reply.parent.uri if reply else note.reason_subject or "",
            permalink=self._permalink(note.author.handle, note.uri),
            # Only marked here: the record names its images by blob, and the post's
            # view (``_embedded_files``) gives their addresses.
            media=_marked_images(note.record),
        )

    def _permalink(self, handle: str, uri: str) -> str:
        """Return the web app's page of the post ``uri`` by ``handle``."""
        return f"{self.web}/profile/{handle}/post/{_uri(uri).rkey}"


def _reply_ref(client: Client, remote_id: str) -> models.AppBskyFeedPost.ReplyRef | None:
    """Return the thread references of a reply to ``remote_id`` (None when not a reply)."""
    if not remote_id:
        return None
    with calling(writes=False, refused="the reply"):
        found = client.get_posts([remote_id]).posts
    if not found:
        raise PermanentNetworkError("The post being answered is no longer on Bluesky.")
    parent = models.ComAtprotoRepoStrongRef.Main(uri=found[0].uri, cid=found[0].cid)
    thread = getattr(found[0].record, "reply", None)
    return models.AppBskyFeedPost.ReplyRef(parent=parent, root=thread.root if thread else parent)


def _images(client: Client, media: Sequence[MediaItem]) -> models.AppBskyEmbedImages.Main | None:
    """Upload the images and return the embed that shows them with their alt text."""
    if not media:
        return None
    images = [
        models.AppBskyEmbedImages.Image(
            alt=item.alt_text, image=client.upload_blob(item.content).blob
        )
        for item in media
    ]
    return models.AppBskyEmbedImages.Main(images=images)


def _marked_images(record: Any) -> tuple[InboundMedia, ...]:
    """Return one placeholder per image a post record embeds (none when it embeds
    none), for ``_embedded_files`` to replace with the images' addresses."""
    embed = getattr(record, "embed", None)
    images = getattr(embed, "images", None) if embed is not None else None
    return tuple(InboundMedia(url="") for _ in images or [])


def _embedded_files(client: Client, uris: Sequence[str]) -> dict[str, tuple[InboundMedia, ...]]:
    """Return the images each of the posts ``uris`` shows, by post, read from the posts'
    views (``app.bsky.embed.images#view``: the full-size image's address and its alt
    text); a post with a video or an image that no longer shows gets none."""
    found: dict[str, tuple[InboundMedia, ...]] = {}
    for start in range(0, len(uris), POSTS_AT_ONCE):
        for post in client.get_posts(list(uris[start : start + POSTS_AT_ONCE])).posts:
            images = getattr(post.embed, "images", None) if post.embed is not None else None
            found[post.uri] = tuple(
                InboundMedia(url=image.fullsize, kind=InboundMediaKind.IMAGE, alt_text=image.alt)
                for image in images or []
                if image.fullsize
            )
    return found


def _uri(remote_id: str) -> AtUri:
    """Return the parts of a post's at:// URI, or refuse an id that is not one."""
    try:
        return AtUri.from_str(remote_id)
    except AtProtocolError:
        raise PermanentNetworkError(
            f"{remote_id!r} is not the address of a Bluesky post."
        ) from None


def _text(record: Any) -> str:
    """Return a post record's text."""
    return str(getattr(record, "text", "") or "")


def _moment(value: str) -> datetime:
    """Return a Bluesky timestamp as an aware UTC datetime."""
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# Inbound cursor -------------------------------------------------------------------------


def _read_cursor(cursor: str) -> tuple[datetime | None, frozenset[str]]:
    """Return the newest instant seen and the ids seen at it (none for an empty or
    unreadable cursor: everything is new)."""
    moment, _, uris = cursor.partition("|")
    try:
        after = _moment(moment) if moment else None
    except ValueError:
        return None, frozenset()
    return after, frozenset(uri for uri in uris.split(",") if uri)


def _next_cursor(items: Sequence[InboundItem], after: datetime | None, seen: frozenset[str]) -> str:
    """Return the cursor after ``items``: the newest instant and every id seen at it."""
    newest = max([item.created_at for item in items] + ([after] if after else []), default=None)
    if newest is None:
        return ""
    at_newest = {item.remote_id for item in items if item.created_at == newest}
    if newest == after:
        at_newest |= seen
    return f"{newest.isoformat()}|{','.join(sorted(at_newest))}"
