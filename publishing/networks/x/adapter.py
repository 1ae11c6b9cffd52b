"""Publish to X and read its replies and mentions, as one connected account."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import tweepy

from publishing.networks.base import (
    AccountCredentials,
    AccountProfile,
    DownloadedMedia,
    InboundItem,
    InboundKind,
    InboundMedia,
    InboundMediaKind,
    InboundPage,
    Moderation,
    OutgoingPost,
    PermanentNetworkError,
    PublishedPost,
    RemotePost,
    ValidationProblem,
    gettext_noop,
)
from publishing.networks.download import media_download
from publishing.networks.limits import X_MAX_WEIGHTED_LENGTH, x_weighted_length
from publishing.networks.x.api import XConnection, calling, profile_of, refusal, web_site, x_time
from publishing.networks.x.media import MediaUpload, media_problems

PAGE_SIZE = 100
# The most posts one lookup by ids may name.
POSTS_AT_ONCE = 100
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
INBOUND_FIELDS = ["created_at", "author_id", "referenced_tweets", "conversation_id", "attachments"]
# What X tells of a file a post carries: a photo's address, a video's encodings.
MEDIA_FIELDS = ["type", "url", "alt_text", "variants", "preview_image_url"]


def _replied_to(tweet: Mapping[str, Any]) -> str:
    """Return the id of the post ``tweet`` answers, or "" when it answers none."""
    for reference in tweet.get("referenced_tweets") or []:
        if reference.get("type") == "replied_to":
            return str(reference["id"])
    return ""


def _versions(tweet: Mapping[str, Any]) -> list[str]:
    """Return the ids of every version of ``tweet``, oldest first (one: never edited)."""
    return [str(i) for i in tweet.get("edit_history_tweet_ids") or [tweet["id"]]]


def text_as_sent(post: OutgoingPost) -> str:
    """Return the text as it goes out: X has no link field, so the link ends the text."""
    if post.link and post.link not in post.text:
        return f"{post.text}\n\n{post.link}".strip()
    return post.text


def _inbound_media(media: Mapping[str, Any] | None) -> InboundMedia | None:
    """Return a file X describes (an ``includes.media`` entry): a photo by its ``url``,
    a video or GIF by its best MP4 encoding; None when X gives no address."""
    if not media:
        return None
    alt = str(media.get("alt_text") or "")
    if media.get("type") == "photo":
        url = str(media.get("url") or "")
        return InboundMedia(url=url, kind=InboundMediaKind.IMAGE, alt_text=alt) if url else None
    encodings = [v for v in media.get("variants") or [] if v.get("content_type") == "video/mp4"]
    if not encodings:
        return None
    best = max(encodings, key=lambda v: int(v.get("bit_rate") or 0))
    return InboundMedia(
        url=str(best["url"]), kind=InboundMediaKind.VIDEO, alt_text=alt, mime_type="video/mp4"
    )


class XAdapter(XConnection):
    """Publish to and read from X as one connected account, over tweepy's v2 client."""

    def permalink(self, handle: str, remote_id: str) -> str:
        """Return a post's public address, ``<site>/<handle>/status/<id>``: X's API gives
        none. The site is the one serving X's authorisation page (see ``web_site``)."""
        return f"{web_site(self.settings)}/{quote(handle)}/status/{remote_id}"

    def _client(self, account: AccountCredentials) -> Any:
        """Return tweepy's client acting as ``account``."""
        return self.client(account.access_token)

    def _pages(
        self, read: Callable[..., Any], *args: Any, every_page: bool = True, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Yield the pages of a timeline, newest first: every page, or only the first."""
        token = None
        while True:
            with calling(writes=False):
                page: dict[str, Any] = read(
                    *args,
                    user_auth=False,
                    max_results=PAGE_SIZE,
                    pagination_token=token,
                    **params,
                )
            yield page
            token = (page.get("meta") or {}).get("next_token")
            if not token or not every_page:
                return

    def validate(self, post: OutgoingPost) -> list[ValidationProblem]:
        """Return every reason X would refuse ``post``: its weighted length, and its
        media's number, kinds, types, sizes and alt text."""
        problems: list[ValidationProblem] = []
        text = text_as_sent(post)
        length = x_weighted_length(text)
        if length > X_MAX_WEIGHTED_LENGTH:
            problems.append(
                ValidationProblem(
                    "too_long",
                    gettext_noop(
                        "X allows %(most)s characters as it counts them (each link counts 23; "
                        "emoji and many non-Latin characters count 2). This text counts "
                        "%(length)s."
                    ),
                    params={"most": X_MAX_WEIGHTED_LENGTH, "length": length},
                )
            )
        if not text.strip() and not post.media:
            problems.append(
                ValidationProblem("empty", gettext_noop("A post on X needs text or media."))
            )
        return problems + media_problems(post.media)

    def publish(self, account: AccountCredentials, post: OutgoingPost) -> PublishedPost:
        """Upload the media with their alt text, then publish ``post``; return its id and
        address."""
        uploads = MediaUpload(self.session, self.api_url, account)
        # An upload publishes nothing: if it is cut off, nothing is on X yet.
        with calling(writes=False):
            media_ids = [uploads.upload(item) for item in post.media]
        return self._create(
            account, text=text_as_sent(post), media_ids=media_ids, reply_to=post.reply_to_remote_id
        )

    def reply(self, account: AccountCredentials, *, in_reply_to: str, text: str) -> PublishedPost:
        """Answer a citizen's post publicly, as a reply in its conversation."""
        return self._create(account, text=text, media_ids=[], reply_to=in_reply_to)

    def _create(
        self, account: AccountCredentials, *, text: str, media_ids: list[str], reply_to: str
    ) -> PublishedPost:
        """Create a post; a cut-off answer leaves its outcome unknown."""
        with calling(writes=True):
            answer = self._client(account).create_tweet(
                text=text or None,
                media_ids=media_ids or None,
                in_reply_to_tweet_id=reply_to or None,
                user_auth=False,
            )
        remote_id = str(answer["data"]["id"])
        return PublishedPost(
            remote_id=remote_id, permalink=self.permalink(account.handle, remote_id)
        )

    def delete(self, account: AccountCredentials, remote_id: str) -> None:
        """Delete a post; one that X no longer has counts as deleted."""
        # Deleting twice is harmless, so a cut-off answer means "try again".
        with calling(writes=False):
            try:
                answer = self._client(account).delete_tweet(remote_id, user_auth=False)
            except tweepy.NotFound:
                return
        if (answer.get("data") or {}).get("deleted"):
            return
        # X answers 200 with a "resource not found" error for a post already gone.
        if any(error.get("type") == NOT_FOUND for error in answer.get("errors") or []):
            return
        raise PermanentNetworkError(f"X did not delete the post: {refusal(answer, 'no reason')}.")

    def fetch_recent(self, account: AccountCredentials, *, since: datetime) -> list[RemotePost]:
        """Return the account's own posts (its replies too) created since ``since``,
        newest first."""
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        # X dates posts to the millisecond and takes start_time to the second: ask from
        # the second, then keep what is not older than ``since`` at X's precision.
        floor = since.replace(microsecond=since.microsecond // 1000 * 1000)
        pages = self._pages(
            self._client(account).get_users_tweets,
            account.remote_id,
            start_time=since,
            tweet_fields=["created_at"],
        )
        kept = [p for p in self._remote_posts(account, pages) if p.created_at >= floor]
        return sorted(kept, key=lambda p: int(p.remote_id), reverse=True)

    def _remote_posts(
        self, account: AccountCredentials, pages: Iterable[dict[str, Any]]
    ) -> list[RemotePost]:
        """Return the posts on the pages read, as reconciliation and re-reading compare
        them (addressed under the account's handle: X finds a post by its id whatever
        handle the address names)."""
        return [self._remote_post(account, t) for page in pages for t in page.get("data") or []]

    def _remote_post(
        self,
        account: AccountCredentials,
        tweet: Mapping[str, Any],
        now: Mapping[str, Any] | None = None,
    ) -> RemotePost:
        """Return ``tweet`` as reconciliation and re-reading compare it, saying what its
        latest version ``now`` says (itself when it was never edited)."""
        now = now or tweet
        return RemotePost(
            remote_id=str(tweet["id"]),
            text=str(now["text"]),
            created_at=x_time(tweet["created_at"]),
            permalink=self.permalink(account.handle, str(now["id"])),
        )

    def comment(self, account: AccountCredentials, *, on: str, text: str) -> PublishedPost:
        """Reply to the account's own post ``on``, starting its thread."""
        return self._create(account, text=text, media_ids=[], reply_to=on)

    def fetch_comments(self, account: AccountCredentials, *, on: str) -> list[RemotePost]:
        """Return the account's own posts in the conversation its post ``on`` started."""
        # One page: a first comment is among the account's first few posts there.
        with calling(writes=False):
            page = self._client(account).search_recent_tweets(
                f"conversation_id:{on} from:{account.handle}",
                user_auth=False,
                max_results=PAGE_SIZE,
                tweet_fields=["created_at"],
            )
        return self._remote_posts(account, [page])

    def fetch_current(
        self, account: AccountCredentials, *, remote_ids: Sequence[str]
    ) -> list[RemotePost]:
        """Return the posts among ``remote_ids`` X still holds, each as its latest
        version says it; X names each missing one in an error beside them. (An edit on X
        is a new post: the one asked for reads as it was, and names its later versions,
        which are read too.)"""
        first = self._tweets(account, remote_ids)
        latest = {_versions(t)[-1]: str(t["id"]) for t in first if _versions(t)[-1] != str(t["id"])}
        edited = {latest[str(t["id"])]: t for t in self._tweets(account, list(latest))}
        return [self._remote_post(account, t, edited.get(str(t["id"]), t)) for t in first]

    def _tweets(self, account: AccountCredentials, remote_ids: Sequence[str]) -> list[Any]:
        """Return the posts among ``remote_ids`` X still holds."""
        client = self._client(account)
        tweets: list[Any] = []
        with calling(writes=False):
            for start in range(0, len(remote_ids), POSTS_AT_ONCE):
                page = client.get_tweets(
                    list(remote_ids[start : start + POSTS_AT_ONCE]),
                    user_auth=False,
                    tweet_fields=["created_at"],
                )
                tweets.extend(page.get("data") or [])
        return tweets

    def fetch_inbound(self, account: AccountCredentials, *, cursor: str) -> InboundPage:
        """Return citizens' replies and mentions newer than ``cursor`` (a post id), newest
        first; the next cursor is the newest id seen.

        X counts a reply as a mention of the account it answers, so the mentions
        timeline holds both: one source keeps the cursor exact (two, read one after the
        other, could move it past an item the first had not seen yet). Without a cursor
        (a newly connected account) only the latest page is read, not the whole history.
        Direct messages are not read: they need X's separate DM access.
        """
        pages = list(
            self._pages(
                self._client(account).get_users_mentions,
                account.remote_id,
                every_page=bool(cursor),
                since_id=cursor or None,
                tweet_fields=INBOUND_FIELDS,
                expansions=["author_id", "attachments.media_keys"],
                user_fields=["username", "name"],
                media_fields=MEDIA_FIELDS,
            )
        )
        tweets = [tweet for page in pages for tweet in page.get("data") or []]
        users = {
            str(user["id"]): user
            for page in pages
            for user in (page.get("includes") or {}).get("users", [])
        }
        files = {
            str(media["media_key"]): media
            for page in pages
            for media in (page.get("includes") or {}).get("media", [])
        }
        items = [
            self._inbound(tweet, users.get(str(tweet.get("author_id"))), files)
            for tweet in tweets
            # The account naming itself (a thread saying "follow @us") is not inbound.
            if str(tweet.get("author_id")) != account.remote_id
        ]
        items.sort(key=lambda item: int(item.remote_id), reverse=True)
        newest = max([int(t["id"]) for t in tweets] + ([int(cursor)] if cursor else []), default=0)
        return InboundPage(items=tuple(items), cursor=str(newest) if newest else cursor)

    def _inbound(
        self,
        tweet: Mapping[str, Any],
        author: Mapping[str, Any] | None,
        files: Mapping[str, Mapping[str, Any]],
    ) -> InboundItem:
        """Return a citizen's post as an inbox item, with the files it carries (by media
        key, from the page's ``includes``)."""
        handle = str((author or {}).get("username") or "")
        parent = _replied_to(tweet)
        return InboundItem(
            # An edit is a new post naming the first version: the item stays the same.
            remote_id=_versions(tweet)[0],
            kind=InboundKind.REPLY if parent else InboundKind.MENTION,
            author_handle=handle,
            author_name=str((author or {}).get("name") or handle),
            text=str(tweet["text"]),
            created_at=x_time(tweet["created_at"]),
            in_reply_to_remote_id=parent,
            # x.com/i/status/<id> finds a post whoever wrote it.
            permalink=self.permalink(handle or "i", str(tweet["id"])),
            media=tuple(
                found
                for key in (tweet.get("attachments") or {}).get("media_keys") or []
                if (found := _inbound_media(files.get(str(key)))) is not None
            ),
        )

    def download(self, account: AccountCredentials, *, url: str, max_bytes: int) -> DownloadedMedia:
        """Return a citizen's file from X's media host."""
        return media_download(self.settings, url, max_bytes=max_bytes)

    def moderations(self, kind: InboundKind) -> frozenset[Moderation]:
        """An account hides replies in its conversations and blocks their authors; it
        cannot delete what others wrote."""
        if kind == InboundKind.REPLY:
            return frozenset({Moderation.HIDE, Moderation.BLOCK})
        return frozenset({Moderation.BLOCK})

    def delete_comment(self, account: AccountCredentials, remote_id: str) -> None:
        """Refuse: X lets an account delete only its own posts."""
        raise PermanentNetworkError(
            "X does not let an account delete other people's posts. Hide the reply, or "
            "block its author."
        )

    def block_author(self, account: AccountCredentials, remote_id: str) -> str:
        """Block, from the account, the author of the post ``remote_id``."""
        client = self._client(account)
        # Blocking twice is harmless, so a cut-off answer means "try again".
        with calling(writes=False):
            author = self._author_of(client, remote_id)
            # tweepy has no call of its own for blocking: its plain request does it.
            client.request(
                "POST",
                f"/2/users/{account.remote_id}/blocking",
                json={"target_user_id": author},
                user_auth=False,
            )
        return ""

    def unblock_author(self, account: AccountCredentials, remote_id: str, *, block: str) -> None:
        """Lift the account's block of the author of the post ``remote_id``."""
        client = self._client(account)
        with calling(writes=False):
            author = self._author_of(client, remote_id)
            client.request(
                "DELETE", f"/2/users/{account.remote_id}/blocking/{author}", user_auth=False
            )

    def _author_of(self, client: Any, remote_id: str) -> str:
        """Return the id of who wrote the post ``remote_id``."""
        post = client.get_tweet(remote_id, tweet_fields=["author_id"], user_auth=False)
        return str(post["data"]["author_id"])

    def hide(self, account: AccountCredentials, remote_id: str, *, hidden: bool) -> None:
        """Hide (or show again) a reply in a conversation the account started; X refuses
        anything else, and says why."""
        client = self._client(account)
        # Hiding twice is harmless, so a cut-off answer means "try again".
        with calling(writes=False):
            if hidden:
                client.hide_reply(remote_id, user_auth=False)
            else:
                client.unhide_reply(remote_id, user_auth=False)

    def profile(self, account: AccountCredentials) -> AccountProfile:
        """Return who the account's token belongs to, as X says."""
        with calling(writes=False):
            answer = self._client(account).get_me(
                user_auth=False, user_fields=["profile_image_url"]
            )
        return profile_of(answer["data"])
