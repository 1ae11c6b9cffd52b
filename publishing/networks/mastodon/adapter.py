"""Publish, delete and read an account's statuses, and read its mentions, on Mastodon."""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from mastodon import Mastodon, MastodonNotFoundError

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
    TransientNetworkError,
    ValidationProblem,
)
from publishing.networks.download import media_download
from publishing.networks.http import requests_session
from publishing.networks.mastodon.client import account_client, translated, verified_profile
from publishing.networks.mastodon.content import (
    digest,
    idempotency_key,
    plain_text,
    problems,
    status_text,
)

STATUSES_PAGE = 40
NOTIFICATIONS_PAGE = 80
# Enough for any account between two polls; the cursor carries on from the last page read.
MOST_PAGES = 10
# Videos are transcoded after upload; a status cannot carry one before that is done.
PROCESSING_CHECKS = 5


class MastodonAdapter:
    """Publish, delete and read an account's statuses and its mentions on Mastodon."""

    def __init__(self, network: Network, settings: NetworkSettings) -> None:
        """Act on the instance at ``settings.api_url`` with one HTTP session."""
        self.network = network
        self._settings = settings
        self._session = requests_session(settings)

    def validate(self, post: OutgoingPost) -> list[ValidationProblem]:
        """Return every reason the instance would refuse ``post`` (empty when none)."""
        return problems(post)

    def publish(self, account: AccountCredentials, post: OutgoingPost) -> PublishedPost:
        """Upload the media with their alt text, then publish the status once."""
        client = self._client(account)
        with translated(client):
            # A failed upload publishes nothing, so it is never an unknown outcome.
            media_ids = [_upload(client, item) for item in post.media]
        with translated(client, writes=True):
            status = client.status_post(
                status_text(post),
                in_reply_to_id=post.reply_to_remote_id or None,
                media_ids=media_ids or None,
                idempotency_key=idempotency_key(account.remote_id, post),
            )
        return _published(status)

    def delete(self, account: AccountCredentials, remote_id: str) -> None:
        """Delete a status; one already gone counts as deleted."""
        client = self._client(account)
        with translated(client):
            try:
                client.status_delete(remote_id)
            except MastodonNotFoundError:
                return

    def fetch_recent(self, account: AccountCredentials, *, since: datetime) -> list[RemotePost]:
        """Return the account's statuses (replies included) since ``since``, newest first."""
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        client = self._client(account)
        found: list[RemotePost] = []
        older_than = None
        with translated(client):
            for _ in range(MOST_PAGES):
                page = client.account_statuses(
                    account.remote_id, exclude_reblogs=True, max_id=older_than, limit=STATUSES_PAGE
                )
                found += [_remote(s) for s in page if s.created_at >= since]
                if len(page) < STATUSES_PAGE or page[-1].created_at < since:
                    break
                older_than = page[-1].id
        return found

    def fetch_inbound(self, account: AccountCredentials, *, cursor: str) -> InboundPage:
        """Return the replies, mentions and private messages after ``cursor`` (a
        notification id), newest first; without a cursor, the latest page of them."""
        client = self._client(account)
        notifications: list[Any] = []
        with translated(client):
            if not cursor:
                notifications += client.notifications(types=["mention"], limit=NOTIFICATIONS_PAGE)
            else:
                # min_id pages forward from the cursor, so a busy hour leaves no gap.
                after = cursor
                for _ in range(MOST_PAGES):
                    page = client.notifications(
                        types=["mention"], min_id=after, limit=NOTIFICATIONS_PAGE
                    )
                    notifications += page
                    if len(page) < NOTIFICATIONS_PAGE:
                        break
                    after = max((str(n.id) for n in page), key=_id_order)
        notifications.sort(key=lambda n: _id_order(str(n.id)), reverse=True)
        items = tuple(
            _inbound_item(n.status, account) for n in notifications if n.get("status") is not None
        )
        newest = str(notifications[0].id) if notifications else cursor
        return InboundPage(items=items, cursor=newest)

    def download(self, account: AccountCredentials, *, url: str, max_bytes: int) -> DownloadedMedia:
        """Return a citizen's file from the instance's media server."""
        return media_download(self._settings, url, max_bytes=max_bytes)

    def fetch_current(
        self, account: AccountCredentials, *, remote_ids: Sequence[str]
    ) -> list[RemotePost]:
        """Return the statuses among ``remote_ids`` the instance still holds, as they read
        now (Mastodon edits a status in place), one read each: reading several at once
        needs Mastodon 4.3."""
        client = self._client(account)
        found: list[RemotePost] = []
        with translated(client):
            for remote_id in remote_ids:
                try:
                    found.append(_remote(client.status(remote_id)))
                except MastodonNotFoundError:
                    continue
        return found

    def reply(self, account: AccountCredentials, *, in_reply_to: str, text: str) -> PublishedPost:
        """Answer a status, mentioning its author and keeping its visibility, so a reply
        to a private message stays private."""
        client = self._client(account)
        with translated(client):
            parent = client.status(in_reply_to)
        author = parent.account
        mention = f"@{author.acct}"
        # Mastodon notifies only the accounts a status mentions.
        if str(author.id) != account.remote_id and mention.lower() not in text.lower():
            text = f"{mention} {text}"
        key = digest(account.remote_id, "reply", in_reply_to, text)
        with translated(client, writes=True):
            status = client.status_post(
                text, in_reply_to_id=parent.id, visibility=parent.visibility, idempotency_key=key
            )
        return _published(status)

    def comment(self, account: AccountCredentials, *, on: str, text: str) -> PublishedPost:
        """Reply to the account's own status ``on``, in its thread and visibility."""
        return self.reply(account, in_reply_to=on, text=text)

    def fetch_comments(self, account: AccountCredentials, *, on: str) -> list[RemotePost]:
        """Return the account's own replies to its status ``on``."""
        client = self._client(account)
        with translated(client):
            thread = client.status_context(on)
        return [
            _remote(status)
            for status in thread.descendants
            if str(status.account.id) == account.remote_id and str(status.in_reply_to_id) == on
        ]

    def moderations(self, kind: InboundKind) -> frozenset[Moderation]:
        """An account blocks authors; Mastodon has no hiding, and others' statuses are
        theirs to delete."""
        return frozenset({Moderation.BLOCK})

    def delete_comment(self, account: AccountCredentials, remote_id: str) -> None:
        """Refuse: a Mastodon account deletes only its own statuses."""
        raise PermanentNetworkError(
            "Mastodon does not let an account delete other people's statuses. Block the "
            "author, or report the status to its server."
        )

    def block_author(self, account: AccountCredentials, remote_id: str) -> str:
        """Block, from the account, the author of the status ``remote_id``."""
        client = self._client(account)
        # Blocking twice is harmless, so a cut-off answer means "try again".
        with translated(client):
            client.account_block(client.status(remote_id).account.id)
        return ""

    def unblock_author(self, account: AccountCredentials, remote_id: str, *, block: str) -> None:
        """Lift the account's block of the author of the status ``remote_id``."""
        client = self._client(account)
        with translated(client):
            client.account_unblock(client.status(remote_id).account.id)

    def hide(self, account: AccountCredentials, remote_id: str, *, hidden: bool) -> None:
        """Refuse: Mastodon has no way to hide a reply to an account's post."""
        raise PermanentNetworkError(
            "Mastodon cannot hide replies. To keep someone's replies out of sight, mute or "
            "block them in Mastodon, or report the reply to the server's moderators.",
            code="unsupported",
        )

    def profile(self, account: AccountCredentials) -> AccountProfile:
        """Return the account the token belongs to, as the instance describes it."""
        return verified_profile(self._client(account))

    def _client(self, account: AccountCredentials) -> Mastodon:
        """Return Mastodon.py acting as ``account``."""
        return account_client(self._settings, self._session, account)


def _upload(client: Mastodon, item: MediaItem) -> str:
    """Upload one file with its alt text and return its id once the instance can attach it."""
    attachment = client.media_post(
        io.BytesIO(item.content),
        mime_type=item.mime_type,
        description=item.alt_text or None,
        file_name=item.filename,
    )
    # The first check is immediate, then each waits a second longer: about 10 s in all.
    waits = iter(range(PROCESSING_CHECKS))
    while attachment.url is None:
        wait = next(waits, None)
        if wait is None:
            raise TransientNetworkError(
                f"Mastodon is still processing {item.filename}; govsocial will try again shortly."
            )
        time.sleep(wait)
        attachment = client.media(attachment.id)
    return str(attachment.id)


def _published(status: Any) -> PublishedPost:
    """Return what the state machine stores of a new status."""
    return PublishedPost(
        remote_id=str(status.id), permalink=status.url or status.uri, published_at=status.created_at
    )


def _remote(status: Any) -> RemotePost:
    """Return a status as reconciliation and re-reading compare it."""
    return RemotePost(
        remote_id=str(status.id),
        text=plain_text(status.content),
        created_at=status.created_at,
        permalink=status.url or status.uri,
    )


def _inbound_item(status: Any, account: AccountCredentials) -> InboundItem:
    """Return a citizen's status as an inbox item: a private message, a reply to the
    account, or a mention."""
    if status.visibility == "direct":
        kind = InboundKind.MESSAGE
    elif str(status.in_reply_to_account_id or "") == account.remote_id:
        kind = InboundKind.REPLY
    else:
        kind = InboundKind.MENTION
    return InboundItem(
        remote_id=str(status.id),
        kind=kind,
        author_handle=status.account.acct,
        author_name=status.account.display_name or status.account.username,
        text=plain_text(status.content),
        created_at=status.created_at,
        in_reply_to_remote_id=str(status.in_reply_to_id or ""),
        permalink=status.url or status.uri,
        media=_attachments(status),
    )


def _attachments(status: Any) -> tuple[InboundMedia, ...]:
    """Return the images and videos a status carries (``media_attachments``); a GIF is
    a looping video there. An attachment still being processed has no address yet."""
    kinds = {"image": InboundMediaKind.IMAGE, "video": InboundMediaKind.VIDEO}
    kinds["gifv"] = InboundMediaKind.VIDEO
    return tuple(
        InboundMedia(
            url=str(attachment.get("url") or attachment.get("remote_url")),
            kind=kinds[attachment.get("type")],
            alt_text=str(attachment.get("description") or ""),
        )
        for attachment in status.get("media_attachments") or []
        if attachment.get("type") in kinds
        and (attachment.get("url") or attachment.get("remote_url"))
    )


def _id_order(remote_id: str) -> tuple[int, str]:
    """Return a sort key under which Mastodon's ids (numbers of any length) sort by age."""
    return len(remote_id), remote_id
