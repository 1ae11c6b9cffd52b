"""The files citizens attach, kept like published media: each file is named when its
item is stored (no download then, so storing stays one quick write), fetched in the
background through the account's adapter, and its bytes kept whole in the archive,
recorded once (``inbox.media_kept``). A fetch the network fails is tried again later,
a few times, through ``next_attempt_at``; one that cannot succeed is marked failed with
its reason, recorded too (``inbox.media_failed``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import Now
from django.utils import timezone

import archive
from archive.services import SYSTEM
from govsocial.bulk import rows_insert
from inbox.models import InboxItem, InboxItemMedia, MediaState
from publishing.models import SocialAccount
from publishing.networks.base import (
    DownloadedMedia,
    InboundItem,
    NetworkError,
    PermanentNetworkError,
    TransientNetworkError,
)
from publishing.networks.registry import adapter_for

logger = logging.getLogger(__name__)

KEPT = "inbox.media_kept"
FAILED = "inbox.media_failed"
# How long a claimed fetch keeps others off the file (longer than any download takes).
FETCH_LEASE = timedelta(minutes=5)
# The wait before the next try after the network failed: one minute, then four, then
# sixteen… (or what the network asked for, when longer).
FIRST_WAIT = timedelta(minutes=1)
# The media types kept: what the networks attach to replies and messages.
KEPT_TYPES = ("image/", "video/")

_COLUMNS = (
    "agency_id", "item_id", "version", "position", "remote_url", "kind", "mime_type",
    "alt_text", "state", "attempts", "content", "failure_reason",
)  # fmt: skip


def media_name(*, account: SocialAccount, found: Iterable[tuple[InboxItem, InboundItem]]) -> None:
    """Name, for fetching, the files each item found carries (its row, locked by the
    caller, and what the network showed): all of them for an item that has none named
    yet (new, or pushed without them before), and those of a new version whose files
    differ from the last version's. Nothing is removed; an item without files costs
    nothing. Their fetch is queued once the caller's transaction commits."""
    found = [(row, item) for row, item in found if item.media]
    if not found:
        return
    named: dict[int, dict[int, list[str]]] = {}
    for item_id, version, url in InboxItemMedia.objects.filter(
        item_id__in=[row.pk for row, _item in found]
    ).values_list("item_id", "version", "remote_url"):
        named.setdefault(item_id, {}).setdefault(version, []).append(url)
    rows: list[tuple[Any, ...]] = []
    for row, item in found:
        versions = named.get(row.pk, {})
        urls = [media.url for media in item.media]
        if versions and (row.version in versions or versions[max(versions)] == urls):
            continue
        rows.extend(
            (
                account.agency_id, row.pk, row.version, position, media.url, str(media.kind),
                media.mime_type[:100], media.alt_text, MediaState.WAITING, 0, "", "",
            )
            for position, media in enumerate(item.media, start=1)
        )  # fmt: skip
    inserted = rows_insert(
        InboxItemMedia,
        _COLUMNS,
        rows,
        conflict="ON CONFLICT (item_id, version, position) DO NOTHING",
        returning=["id"],
    )
    if inserted:
        # Imported here: tasks import this module's callers.
        from inbox.tasks import item_media_keep

        transaction.on_commit(
            partial(
                item_media_keep.delay,
                agency_id=account.agency_id,
                media_ids=[media_id for (media_id,) in inserted],
            )
        )


def media_due(*, account: SocialAccount) -> list[int]:
    """Return the ids of the account's files waiting to be fetched whose time has come
    (a fetch tried again, or one whose queued task was lost)."""
    return list(
        InboxItemMedia.objects.filter(
            item__account=account, state=MediaState.WAITING, next_attempt_at__lte=Now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:50]
    )


def account_media_keep(*, account: SocialAccount) -> int:
    """Fetch and keep each of the account's files that is due; return how many were
    kept."""
    kept = [media_keep(media_id=media_id) for media_id in media_due(account=account)]
    return sum(1 for media in kept if media is not None and media.state == MediaState.KEPT)


def media_keep(*, media_id: int) -> InboxItemMedia | None:
    """Fetch one waiting file through its account's adapter and keep its bytes in the
    archive, recorded; or, when the network fails, try later or mark it failed with its
    reason. Return the file, or None when it was not due (another fetch claimed it, or
    it is kept or failed). Safe to run twice: the fetch is claimed first."""
    claimed = InboxItemMedia.objects.filter(
        pk=media_id, state=MediaState.WAITING, next_attempt_at__lte=Now()
    ).update(next_attempt_at=Now() + FETCH_LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return None
    media = InboxItemMedia.objects.select_related("item__account", "agency").get(pk=media_id)
    account = media.item.account
    if media.attempts > settings.INBOX_MEDIA_ATTEMPTS:
        # Claimed that often only when fetches died half-way (a worker killed): stop.
        return _not_fetched(
            media_id, PermanentNetworkError("Fetching the file never finished; it was stopped.")
        )
    try:
        downloaded = adapter_for(account.network).download(
            account.credentials(),
            url=media.remote_url,
            max_bytes=settings.INBOX_MEDIA_MAX_BYTES,
        )
        _require_kept_type(downloaded)
    except NetworkError as error:
        return _not_fetched(media_id, error)
    with transaction.atomic():
        media = (
            InboxItemMedia.objects.select_for_update()
            .select_related("item", "agency")
            .get(pk=media_id)
        )
        if media.state != MediaState.WAITING:
            return media
        [digest] = archive.keep(
            agency=media.agency, contents=[(downloaded.content, downloaded.mime_type)]
        )
        media.state, media.content = MediaState.KEPT, digest
        media.mime_type, media.size = downloaded.mime_type, len(downloaded.content)
        media.kept_at, media.failure_reason = timezone.now(), ""
        media.save(
            update_fields=["state", "content", "mime_type", "size", "kept_at", "failure_reason"]
        )
        archive.record(
            agency=media.agency, actor=SYSTEM, verb=KEPT, obj=media.item, data=_described(media)
        )
    return media


def _require_kept_type(downloaded: DownloadedMedia) -> None:
    """Refuse what is neither an image nor a video (a page served in its place)."""
    if not downloaded.mime_type.startswith(KEPT_TYPES):
        raise PermanentNetworkError(
            f"The network served a file of type {downloaded.mime_type}, not an image or a video."
        )


def _not_fetched(media_id: int, error: NetworkError) -> InboxItemMedia | None:
    """Settle a fetch the network failed: try again later while tries are left and the
    failure may pass; else mark the file failed with the reason, recorded."""
    with transaction.atomic():
        media = (
            InboxItemMedia.objects.select_for_update()
            .select_related("item", "agency")
            .get(pk=media_id)
        )
        if media.state != MediaState.WAITING:
            return media
        if isinstance(error, TransientNetworkError) and (
            media.attempts < settings.INBOX_MEDIA_ATTEMPTS
        ):
            wait = FIRST_WAIT * 4 ** (media.attempts - 1)
            if error.retry_after is not None:
                wait = max(wait, timedelta(seconds=error.retry_after))
            media.next_attempt_at = timezone.now() + wait
            media.failure_reason = error.reason
            media.save(update_fields=["next_attempt_at", "failure_reason"])
            logger.info("file %s not fetched, tried again later: %s", media_id, error.reason)
            return media
        media.state, media.failure_reason = MediaState.FAILED, error.reason
        media.save(update_fields=["state", "failure_reason"])
        archive.record(
            agency=media.agency,
            actor=SYSTEM,
            verb=FAILED,
            obj=media.item,
            data=_described(media) | {"attempts": media.attempts, "reason": error.reason},
        )
    return media


def _described(media: InboxItemMedia) -> dict[str, Any]:
    """Return what the archive records of a file."""
    described = {
        "item": media.item_id,
        "version": media.version,
        "position": media.position,
        "remote_url": media.remote_url,
        "kind": media.kind,
        "mime_type": media.mime_type,
        "alt_text": media.alt_text,
    }
    if media.content:
        described |= {"sha256": media.content, "size": media.size}
    return described


# Reading -------------------------------------------------------------------------------


def item_files(*, item: InboxItem) -> list[InboxItemMedia]:
    """Return the files of ``item``, every version's, in order."""
    return list(InboxItemMedia.objects.filter(item=item).order_by("version", "position"))


def file_get(*, item_id: int, media_id: int, restricted: bool = False) -> InboxItemMedia | None:
    """Return one file of one of the bound agency's items (of a restricted one only for
    a records officer: ``restricted``), or None."""
    files = InboxItemMedia.objects.filter(pk=media_id, item_id=item_id)
    if not restricted:
        files = files.filter(item__restricted_under="")
    return files.first()


def with_files_marked(items: QuerySet[InboxItem]) -> QuerySet[InboxItem]:
    """Return ``items`` each with ``has_files``: whether a citizen attached any file."""
    return items.annotate(has_files=Exists(InboxItemMedia.objects.filter(item_id=OuterRef("pk"))))
