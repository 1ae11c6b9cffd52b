"""The inbox's writes: what reached an account, stored once per item however often it
arrives (a poll twice, a push and a poll together), every version of its text kept, and
each first sight or edit recorded in the archive with its content kept whole; and the
polling of one account, through its network's adapter, from where the last poll left off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency, Role, User
from accounts.selectors import roles_of
from accounts.services.principals import Principal, person_behind, require_admin
from archive import Event
from archive.services import SYSTEM
from govsocial.bulk import rows_insert
from govsocial.errors import GovsocialError, PermissionDenied
from inbox.languages import languages_of
from inbox.media import media_name
from inbox.models import (
    InboxItem,
    InboxItemVersion,
    InboxNote,
    InboxPoll,
    ItemStatus,
    PolicyClause,
    RoutingRule,
)
from inbox.transitions import item_status_move
from publishing.models import AccountHealth, PostTarget, SocialAccount
from publishing.networks.base import (
    InboundItem,
    InboundKind,
    NetworkError,
    RemotePost,
    TransientNetworkError,
)
from publishing.networks.registry import adapter_for
from publishing.services import account_refresh

logger = logging.getLogger(__name__)

RECEIVED = "inbox.item_received"
EDITED = "inbox.item_edited"
DELETED = "inbox.item_deleted_on_network"
# How long a claimed poll keeps others off the account (longer than any fetch takes).
POLL_LEASE = timedelta(minutes=2)
# How long an account waits after the network failed without saying how long.
POLL_BACKOFF = timedelta(minutes=1)
# How long after it arrived an item is re-read for edits and deletions, and how many
# of an account's items each poll re-reads.
REREAD_FOR = timedelta(days=7)
REREAD_EACH_POLL = 20

# What a new item's row is written with; the rest are the table's defaults.
_COLUMNS = (
    "agency_id", "account_id", "remote_id", "kind", "author_handle", "author_name", "text",
    "permalink", "in_reply_to_remote_id", "target_id", "thread", "written_at", "language",
    "version", "hidden", "status",
)  # fmt: skip
# Every column of a row, as an insert returns it to make the item.
_ITEM_FIELDS = tuple(field.attname for field in InboxItem._meta.concrete_fields)
_VERSION_COLUMNS = ("agency_id", "item_id", "number", "text", "content")


def items_receive(*, account: SocialAccount, items: Sequence[InboundItem]) -> list[InboxItem]:
    """Store what ``account`` received: each item new to it once, and a new version of
    each known item whose text changed; record each in the archive. Return the items
    stored or changed, oldest first. Safe to run at once with another receipt of the
    same items: each is stored and recorded by exactly one of them."""
    items = sorted({item.remote_id: item for item in items}.values(), key=_written)
    if not items:
        return []
    with transaction.atomic():
        known = {
            row.remote_id: row
            for row in InboxItem.objects.select_for_update(no_key=True)
            .filter(account=account, remote_id__in=[item.remote_id for item in items])
            .order_by("pk")
        }
        languages = _languages({item.remote_id: item.text for item in items}, known)
        fresh = [item for item in items if item.remote_id not in known]
        stored = _inserted(account, fresh, languages)
        edited = _edited(
            ((known[item.remote_id], item.text) for item in items if item.remote_id in known),
            languages,
        )
        _completed((known[item.remote_id], item) for item in items if item.remote_id in known)
        changed = [(row, RECEIVED) for row in stored] + [(row, EDITED) for row in edited]
        _record(account, changed)
        if any(item.media for item in items):
            by_id = {item.remote_id: item for item in items}
            media_name(
                account=account,
                found=[(row, by_id[row.remote_id]) for row in [*stored, *known.values()]],
            )
        # Imported here: routing imports this module.
        from inbox.routing import items_route

        items_route(account=account, rows=stored)
    return [row for row, _verb in changed]


def _languages(texts: Mapping[str, str], known: Mapping[str, InboxItem]) -> dict[str, str]:
    """Return the language of each of ``texts`` (by remote id) new to the account or
    changed from its locked row in ``known``: an item stored as it is needs none (a poll
    offers most items again)."""
    telling = [
        remote_id
        for remote_id, text in texts.items()
        if remote_id not in known or known[remote_id].text != text
    ]
    told = languages_of([texts[remote_id] for remote_id in telling])
    return dict(zip(telling, told, strict=True))


def _edited(
    found: Iterable[tuple[InboxItem, str]], languages: Mapping[str, str]
) -> list[InboxItem]:
    """Give each locked row whose text on the network differs the text found there (its
    language in ``languages`` by remote id), as its next version; return the rows
    changed."""
    changed = []
    for row, text in found:
        # An erased item's text is not taken back from the network.
        if row.erased_at is None and row.text != text:
            row.text, row.version = text, row.version + 1
            row.language = languages[row.remote_id]
            row.save(update_fields=["text", "version", "language"])
            changed.append(row)
    return changed


def _completed(found: Iterable[tuple[InboxItem, InboundItem]]) -> None:
    """Give each locked row the author's name and the address it lacks and the network
    now gives (a push names neither a Messenger sender nor a comment's page; the next
    poll does): what the citizen wrote is unchanged, so it is no new version."""
    for row, item in found:
        if row.erased_at is not None:
            continue
        missing = {
            field: value[:limit]
            for field, value, limit in (
                ("author_name", item.author_name, 255),
                ("permalink", item.permalink, 2000),
            )
            if value and not getattr(row, field)
        }
        if missing:
            InboxItem.objects.filter(pk=row.pk).update(**missing)


def _written(item: InboundItem) -> datetime:
    return item.created_at


def _inserted(
    account: SocialAccount, items: Sequence[InboundItem], languages: Mapping[str, str]
) -> list[InboxItem]:
    """Insert the items no row holds yet, skipping any another transaction inserted
    meanwhile; return the rows this one inserted, oldest first."""
    if not items:
        return []
    replied = {item.in_reply_to_remote_id for item in items} - {""}
    targets = dict(
        PostTarget.objects.filter(account=account, remote_id__in=replied).values_list(
            "remote_id", "id"
        )
    )
    threads = dict(
        InboxItem.objects.filter(account=account, remote_id__in=replied).values_list(
            "remote_id", "thread"
        )
    )
    rows: list[tuple[Any, ...]] = []
    for item in items:
        thread = _thread(item, threads)
        threads[item.remote_id] = thread
        rows.append(
            (
                account.agency_id, account.pk, item.remote_id, str(item.kind),
                item.author_handle[:255], item.author_name[:255], item.text,
                item.permalink[:2000], item.in_reply_to_remote_id,
                targets.get(item.in_reply_to_remote_id), thread, item.created_at,
                languages[item.remote_id], 1, False, ItemStatus.OPEN,
            )
        )  # fmt: skip
    inserted = rows_insert(
        InboxItem,
        _COLUMNS,
        rows,
        conflict="ON CONFLICT (account_id, remote_id) DO NOTHING",
        returning=[str(field.column) for field in InboxItem._meta.concrete_fields],
    )
    made = [InboxItem.from_db(connection.alias, _ITEM_FIELDS, row) for row in inserted]
    return sorted(made, key=lambda row: (row.written_at, row.pk))


def _thread(item: InboundItem, threads: dict[str, str]) -> str:
    """Return the conversation ``item`` belongs to: a direct message's is its author's;
    a reply's is that of what it answers, or what it answers when that is not known
    here; anything else starts its own."""
    if item.kind == InboundKind.MESSAGE:
        return f"@{item.author_handle}"[:255]
    parent = item.in_reply_to_remote_id
    if parent:
        return threads.get(parent, parent)
    return item.remote_id


def _record(account: SocialAccount, changed: list[tuple[InboxItem, str]]) -> None:
    """Keep each version whole, store it, and record its event."""
    if not changed:
        return
    documents = [_document(account, row) for row, _verb in changed]
    contents = archive.keep_documents(agency=account.agency, documents=documents)
    rows_insert(
        InboxItemVersion,
        _VERSION_COLUMNS,
        [
            (account.agency_id, row.pk, row.version, row.text, content)
            for (row, _verb), content in zip(changed, contents, strict=True)
        ],
    )
    archive.record_each(
        agency=account.agency,
        actor=SYSTEM,
        events=[
            Event(verb, row, document | {"version": row.version, "content": content})
            for (row, verb), document, content in zip(changed, documents, contents, strict=True)
        ],
    )


def _document(account: SocialAccount, row: InboxItem) -> dict[str, Any]:
    """Return the item as the network shows it now, for the archive."""
    return {
        "network": account.network,
        "account": account.handle,
        "remote_id": row.remote_id,
        "kind": row.kind,
        "author_handle": row.author_handle,
        "author_name": row.author_name,
        "text": row.text,
        "permalink": row.permalink,
        "written_at": row.written_at.isoformat(),
        "in_reply_to": row.in_reply_to_remote_id,
        "thread": row.thread,
        "language": row.language,
    }


def items_reread(
    *, account: SocialAccount, asked: Sequence[str], found: Sequence[RemotePost]
) -> list[InboxItem]:
    """Store what re-reading the items ``asked`` (remote ids) on the network ``found``:
    a new version of each whose text changed, and each the network no longer holds
    marked deleted there, when noticed (its versions stay); record each in the archive.
    Return the items changed."""
    texts = {post.remote_id: post.text for post in found}
    with transaction.atomic():
        rows = list(
            InboxItem.objects.select_for_update(no_key=True)
            .filter(account=account, remote_id__in=asked, deleted_on_network_at=None)
            .order_by("pk")
        )
        known = {row.remote_id: row for row in rows}
        languages = _languages({key: text for key, text in texts.items() if key in known}, known)
        edited = _edited(
            ((row, texts[row.remote_id]) for row in rows if row.remote_id in texts), languages
        )
        _record(account, [(row, EDITED) for row in edited])
        gone = _deleted(account, [row for row in rows if row.remote_id not in texts], "re-read")
        InboxItem.objects.filter(pk__in=[row.pk for row in rows]).update(checked_at=Now())
    return edited + gone


def items_pushed(
    *, account: SocialAccount, items: Sequence[InboundItem], removed: Sequence[str]
) -> list[InboxItem]:
    """Store what the network pushed about ``account``: ``items`` as ``items_receive``
    does, and the items ``removed`` (remote ids) marked deleted on the network. Return
    the items stored or changed."""
    changed = items_receive(account=account, items=items)
    with transaction.atomic():
        rows = (
            InboxItem.objects.select_for_update(no_key=True)
            .filter(account=account, remote_id__in=removed, deleted_on_network_at=None)
            .order_by("pk")
        )
        return changed + _deleted(account, list(rows), "push")


def _deleted(account: SocialAccount, rows: list[InboxItem], noticed_by: str) -> list[InboxItem]:
    """Mark the locked ``rows`` deleted on the network, noticed now by ``noticed_by``
    (a re-read or a push); record each. Return them."""
    noticed = timezone.now()
    InboxItem.objects.filter(pk__in=[row.pk for row in rows]).update(deleted_on_network_at=noticed)
    for row in rows:
        row.deleted_on_network_at = noticed
    archive.record_each(
        agency=account.agency,
        actor=SYSTEM,
        events=[
            Event(DELETED, row, {"noticed_at": noticed.isoformat(), "noticed_by": noticed_by})
            for row in rows
        ],
    )
    return rows


def _to_reread(account: SocialAccount) -> list[str]:
    """Return the remote ids of the account's items due to be re-read: those received
    in the last ``REREAD_FOR``, not yet found deleted, read longest ago first."""
    return list(
        InboxItem.objects.filter(
            account=account,
            deleted_on_network_at=None,
            received_at__gte=Now() - REREAD_FOR,
        )
        .order_by("checked_at", "pk")
        .values_list("remote_id", flat=True)[:REREAD_EACH_POLL]
    )


def account_poll(*, account: SocialAccount) -> int:
    """Fetch what reached ``account`` since its last poll and store it, and re-read a
    few of its recent items for edits and deletions, if the account is due (at most one
    poll of an account at a time); return how many items were new or changed. A network
    that throttles or fails defers the account's next poll."""
    if account.disconnected_at is not None or account.health == AccountHealth.NEEDS_REAUTHORISATION:
        return 0
    # The database's clock decides when an account is due, whichever host asks.
    poll = _poll_row(account)
    claimed = InboxPoll.objects.filter(pk=poll.pk, next_poll_at__lte=Now()).update(
        next_poll_at=Now() + POLL_LEASE
    )
    if not claimed:
        return 0
    cursor = InboxPoll.objects.values_list("cursor", flat=True).get(pk=poll.pk)
    asked = _to_reread(account)
    try:
        account = account_refresh(account=account)
        adapter = adapter_for(account.network)
        page = adapter.fetch_inbound(account.credentials(), cursor=cursor)
    except NetworkError as error:
        wait = POLL_BACKOFF
        if isinstance(error, TransientNetworkError) and error.retry_after is not None:
            wait = timedelta(seconds=error.retry_after)
        InboxPoll.objects.filter(pk=poll.pk).update(
            next_poll_at=Now() + max(wait, POLL_BACKOFF), problem=error.reason[:500]
        )
        logger.info("inbox of account %s not polled: %s", account.pk, error.reason)
        return 0
    found: Sequence[RemotePost] | None = None
    try:
        found = adapter.fetch_current(account.credentials(), remote_ids=asked) if asked else []
    except NetworkError as error:
        logger.info("items of account %s not re-read: %s", account.pk, error.reason)
    with transaction.atomic():
        # Every known item this poll may change, locked at once and by id, as every
        # receipt locks them: taken in two goes (received, then re-read), two polls of
        # the account deadlocked.
        list(
            InboxItem.objects.select_for_update(no_key=True)
            .filter(account=account, remote_id__in=[*asked, *(i.remote_id for i in page.items)])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        received = items_receive(account=account, items=page.items)
        if found is None:
            # Asked again after the others, so that no item the network will not read
            # holds the others up.
            InboxItem.objects.filter(account=account, remote_id__in=asked).update(checked_at=Now())
        else:
            received += items_reread(account=account, asked=asked, found=found)
        InboxPoll.objects.filter(pk=poll.pk).update(
            cursor=page.cursor,
            # Due again half an interval after this poll ended: the scheduler's next tick,
            # an interval after the one that queued this poll, finds it due however long
            # the fan-out took to reach it (under half an interval). Polls stay an
            # interval apart: only the ticks start them.
            polled_at=Now(),
            problem="",
            next_poll_at=Now() + timedelta(seconds=settings.INBOX_POLL_SECONDS / 2),
        )
    return len(received)


def _poll_row(account: SocialAccount) -> InboxPoll:
    """Return the account's polling row, made on its first poll."""
    poll: InboxPoll = InboxPoll.objects.get_or_create(
        account=account, defaults={"agency_id": account.agency_id}
    )[0]
    return poll


# Who works the inbox: answers, assigns, changes an item's status.
WORKER_ROLES = frozenset({Role.ADMIN, Role.APPROVER, Role.AUTHOR})


def kept_retire(
    *,
    row: PolicyClause | RoutingRule,
    actor: Principal,
    refusal: str,
    verb: str,
    data: dict[str, Any],
) -> None:
    """Retire what admins keep for the inbox (a policy clause, a routing rule): nothing
    new uses it, what used it keeps it; recorded as ``verb``. Refused to anyone but an
    admin (``refusal`` says why); retiring it again does nothing."""
    require_admin(agency=row.agency, actor=actor, refusal=refusal)
    if row.retired_at is not None:
        return
    with transaction.atomic():
        row.retired_at = timezone.now()
        row.save(update_fields=["retired_at"])
        archive.record(agency=row.agency, actor=actor, verb=verb, obj=row, data=data)


def require_within(field: str, value: str, longest: int) -> None:
    """Refuse ``value`` when it is longer than ``longest`` characters, naming ``field``."""
    if len(value) > longest:
        raise GovsocialError(
            _("Keep it under %(count)s characters.") % {"count": longest}, field=field
        )


def require_on_network(item: InboxItem) -> None:
    """Refuse to act on the network on an item deleted there, or whose processing its
    author had restricted."""
    if item.restricted_under:
        raise GovsocialError(
            _(
                "Its author had its processing restricted (request %(number)s): it cannot be "
                "answered or moderated until the restriction is lifted."
            )
            % {"number": item.restricted_under}
        )
    if item.deleted_by_agency:
        raise GovsocialError(
            _(
                "It was deleted on the network under the comment policy: it can no longer "
                "be answered or moderated there."
            )
        )
    if item.deleted_on_network_at is not None:
        raise GovsocialError(
            _(
                "Its author deleted it on the network: it can no longer be answered or "
                "moderated there."
            )
        )


def works_inbox(*, agency: Agency, actor: Principal) -> bool:
    """Return whether ``actor`` works ``agency``'s inbox."""
    return bool(roles_of(agency=agency, actor=actor) & WORKER_ROLES)


def require_worker(*, agency: Agency, actor: Principal) -> None:
    """Refuse the action unless ``actor`` works ``agency``'s inbox."""
    if not works_inbox(agency=agency, actor=actor):
        raise PermissionDenied(_("Only the agency's admins, approvers and authors work its inbox."))


def item_status_set(*, item: InboxItem, status: str, actor: Principal) -> InboxItem:
    """Move ``item`` to ``status`` (open, waiting for the citizen, closed), recorded."""
    require_worker(agency=item.agency, actor=actor)
    if status not in ItemStatus.values:
        raise GovsocialError(_("Choose open, waiting or closed."), field="status")
    with transaction.atomic():
        item = InboxItem.objects.select_for_update(no_key=True).get(pk=item.pk)
        before = item_status_move(item=item, status=status)
        if before is None:
            return item
        archive.record(
            agency=item.agency,
            actor=actor,
            verb="inbox.item_status_changed",
            obj=item,
            data={"before": before, "after": status},
        )
    return item


def item_assign(*, item: InboxItem, assignee: User | None, actor: Principal) -> InboxItem:
    """Give ``item`` to ``assignee`` (a member who works the inbox), or to nobody."""
    require_worker(agency=item.agency, actor=actor)
    if assignee is not None and not works_inbox(agency=item.agency, actor=assignee):
        raise GovsocialError(_("Assign items to a member who works the inbox."), field="assignee")
    with transaction.atomic():
        item = InboxItem.objects.select_for_update(no_key=True).get(pk=item.pk)
        if item.assignee_id == (assignee.pk if assignee else None):
            return item
        item.assignee = assignee
        item.save(update_fields=["assignee"])
        archive.record(
            agency=item.agency,
            actor=actor,
            verb="inbox.item_assigned",
            obj=item,
            data={"assignee": assignee.email if assignee else None},
        )
    return item


NOTE_LONGEST = 5000
TAG_LONGEST = 50
TAGS_MOST = 10


def note_add(*, item: InboxItem, text: str, actor: Principal) -> InboxNote:
    """Write a note on ``item`` for the agency's members; recorded."""
    require_worker(agency=item.agency, actor=actor)
    text = text.strip()
    if not text:
        raise GovsocialError(_("Write the note."), field="note")
    require_within("note", text, NOTE_LONGEST)
    with transaction.atomic():
        note: InboxNote = InboxNote.objects.create(
            agency=item.agency, item=item, text=text, written_by=person_behind(actor)
        )
        archive.record(
            agency=item.agency,
            actor=actor,
            verb="inbox.note_added",
            obj=note,
            data={"item": item.pk, "text": text},
        )
    return note


def item_tags_set(*, item: InboxItem, tags: Sequence[str], actor: Principal) -> InboxItem:
    """Give ``item`` these tags (trimmed, each once, in the order given); recorded."""
    require_worker(agency=item.agency, actor=actor)
    chosen = list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
    if len(chosen) > TAGS_MOST:
        raise GovsocialError(
            _("Give an item at most %(count)s tags.") % {"count": TAGS_MOST}, field="tags"
        )
    if any(len(tag) > TAG_LONGEST for tag in chosen):
        raise GovsocialError(
            _("Keep each tag under %(count)s characters.") % {"count": TAG_LONGEST},
            field="tags",
        )
    with transaction.atomic():
        item = InboxItem.objects.select_for_update(no_key=True).get(pk=item.pk)
        if item.tags == chosen:
            return item
        before, item.tags = item.tags, chosen
        item.save(update_fields=["tags"])
        archive.record(
            agency=item.agency,
            actor=actor,
            verb="inbox.item_tagged",
            obj=item,
            data={"before": before, "after": chosen},
        )
    return item
