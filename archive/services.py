"""Writing to the archive: recording events, placing them in each agency's log (the
sequencer's work), and signing the log's heads."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import uuid
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, partial
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archive import Event, signing, timestamps
from archive.entries import commitment, event_leaf, new_salt
from archive.errors import ArchiveError
from archive.merkle import Frontier
from archive.models import (
    SMALL_CONTENT,
    ArchiveContent,
    ArchiveContentBytes,
    ArchiveContentErasure,
    ArchiveEvent,
    ArchiveHead,
    ArchiveLeaf,
    ArchiveTimestamp,
    content_name,
)
from archive.origin import current_origin
from archive.selectors import log_end, log_size, subtree_hashes
from govsocial.bulk import rows_insert
from govsocial.tenancy import agency_scope, current_scope

# How many of the archive's files one process writes at once to object storage.
FILE_WRITERS = 8
# Two-key advisory lock namespace for "place agency N's events in its log": only
# sequencers take it, so that two never race for the same positions.
_SEQUENCER_LOCK_NAMESPACE = 7301


@dataclass(frozen=True)
class NamedActor:
    """An actor that is not a row: the system itself, or someone not signed in."""

    kind: str
    name: str


SYSTEM = NamedActor(kind="system", name="system")
# Who did something: a row (a user, an API key) or a named actor.
Actor = models.Model | NamedActor
ANONYMOUS = NamedActor(kind="anonymous", name="anonymous")


def _actor_fields(actor: Actor) -> tuple[str, str, str]:
    if isinstance(actor, NamedActor):
        return actor.kind, "", actor.name
    # A row may say how the record names it (an API key names its owner too); the
    # archive imports no app, so it asks rather than knows.
    archive_name = getattr(actor, "archive_name", None)
    name = archive_name() if callable(archive_name) else str(actor)
    return actor._meta.label_lower, str(actor.pk), str(name)[:300]


def _object_fields(obj: models.Model | None) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    return obj._meta.label_lower, str(obj.pk), str(obj)[:300]


def event_record(
    *,
    agency: models.Model,
    actor: Actor,
    verb: str,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> ArchiveEvent:
    """Record one event of ``agency`` inside the caller's transaction.

    The caller's change and this record commit or roll back together, so there is no
    change without its record and no record without its change.
    """
    (event,) = events_record(agency=agency, actor=actor, events=[Event(verb, obj, data)])
    return event


def events_record(
    *, agency: models.Model, actor: Actor, events: Sequence[Event]
) -> list[ArchiveEvent]:
    """Insert ``events``, in order, for ``agency`` inside the caller's transaction, in one
    write and under no lock: the sequencer places them in the agency's log once the
    transaction has committed."""
    if not connection.in_atomic_block:
        raise ArchiveError("archive events are written inside the transaction of their change")
    if not events:
        return []
    agency_id: int = agency.pk
    scope = current_scope()
    if scope.agency_id is not None and scope.agency_id != agency_id:
        raise ArchiveError("an event was recorded for an agency other than the bound one")
    # Events about a person rather than an agency's data (signing in) are written
    # before any agency is bound: the archive binds the event's own agency for its row.
    binding = (
        nullcontext()
        if scope.agency_id == agency_id
        else agency_scope(agency_id, user_id=scope.user_id)
    )
    actor_type, actor_id, actor_name = _actor_fields(actor)
    origin = current_origin()
    occurred_at = timezone.now()
    rows, stored = [], []
    for verb, obj, data in events:
        object_type, object_id, object_repr = _object_fields(obj)
        stored.append(json.dumps(data or {}, cls=DjangoJSONEncoder))
        fields: dict[str, Any] = {
            "agency_id": agency_id,
            "occurred_at": occurred_at,
            "actor_type": actor_type,
            "actor_id": actor_id,
            "actor_name": actor_name,
            "verb": verb,
            "object_type": object_type,
            "object_id": object_id,
            "object_repr": object_repr,
            "ip_address": origin.ip_address or "",
            "user_agent": origin.user_agent,
            "request_id": origin.request_id,
            # Read back from its JSON, so the commitment covers exactly what is stored.
            "data": json.loads(stored[-1]),
            "salt": new_salt(),
        }
        fields["commitment"] = commitment(fields, salt=fields["salt"])
        rows.append(fields)
    with binding:
        return _insert(rows, stored)


def _insert(rows: list[dict[str, Any]], data: list[str]) -> list[ArchiveEvent]:
    """Write the events (``data``: each one's data as JSON) in one plain INSERT, as
    cheap as writing any row."""
    values = [
        [text if name == "data" else row[name] for name in _COLUMNS]
        for row, text in zip(rows, data, strict=True)
    ]
    inserted = rows_insert(ArchiveEvent, _COLUMNS, values, returning=["id"])
    # As read from the table, the transaction's id left to be read when asked for.
    return [
        ArchiveEvent.from_db(connection.alias, _READ_BACK, [event_id, *(row[n] for n in _COLUMNS)])
        for (event_id,), row in zip(inserted, rows, strict=True)
    ]


# The columns an event is written with; the transaction's id is the database's to give.
_COLUMNS = tuple(
    str(f.column)
    for f in ArchiveEvent._meta.concrete_fields
    if not f.primary_key and f.name != "txid"
)
# The columns an event is built with as read back: its id, then those it was written with.
_READ_BACK = ("id", *_COLUMNS)


def contents_keep(*, agency: models.Model, contents: Sequence[tuple[bytes, str]]) -> list[str]:
    """Keep each of ``contents`` (its bytes and media type) whole in ``agency``'s archive,
    named by its SHA-256, and return the hashes in order. The same bytes are kept once:
    small ones (``SMALL_CONTENT``) in the database beside their row, larger ones in a
    file each, written before their rows, so a row always has its bytes."""
    if current_scope().agency_id != agency.pk:
        raise ArchiveError("content is kept for the bound agency")
    if not contents:
        return []
    if connection.in_atomic_block:
        # Until the caller's records naming it commit, its bytes are not deleted.
        agency_lock(KEEPING, agency.pk, shared=True)
    digests, rows = [], {}
    small: dict[str, bytes] = {}
    files: dict[str, bytes] = {}
    for content, media_type in contents:
        digest = hashlib.sha256(content).hexdigest()
        if len(content) <= SMALL_CONTENT:
            small.setdefault(digest, content)
        else:
            files.setdefault(content_name(agency.pk, digest), content)
        digests.append(digest)
        rows[digest] = (agency.pk, digest, media_type, len(content))
    _files_keep(files)
    # Kept anew after an erasure, small bytes come back as a file would.
    rows_insert(
        ArchiveContentBytes,
        ("agency_id", "sha256", "body"),
        [(agency.pk, digest, body) for digest, body in small.items()],
        conflict="ON CONFLICT (agency_id, sha256) DO NOTHING",
    )
    rows_insert(
        ArchiveContent,
        ("agency_id", "sha256", "media_type", "size"),
        list(rows.values()),
        conflict="ON CONFLICT (agency_id, sha256) DO NOTHING",
    )
    return digests


# The key of the lock that keeping content (shared) and deleting content no record names
# any more (alone) take for an agency (with its id), so that no content is kept anew
# while its bytes are being deleted.
KEEPING = 0x6B65_6570


def agency_lock(key: int, agency_id: int, *, shared: bool) -> None:
    """Take, until the transaction ends, the lock ``key`` of the agency: shared, or alone."""
    take = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {take}(%s, %s)", [key, agency_id])


def contents_erase(*, agency_id: int, event_ids: Sequence[int], reason: str) -> list[str]:
    """Note as erased, in the caller's transaction, the bound agency's kept content that
    ``event_ids`` named (their content just erased) and that no event still holding its
    content names, for ``reason``; return their hashes. Their bytes kept in the database
    go with the erasure; their files, once the transaction commits (a rolled-back erasure
    deletes nothing). The rows stay: they are the archive's record that the content was
    kept."""
    agency_lock(KEEPING, agency_id, shared=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT archive_content_unused(%s::bigint[])", [list(event_ids)])
        unused = {row[0] for row in cursor.fetchall()}
    erased = sorted(unused - _named_unplaced(agency_id, unused))
    if not erased:
        return []
    rows_insert(
        ArchiveContentErasure,
        ("agency_id", "sha256", "reason"),
        [(agency_id, digest, reason) for digest in erased],
    )
    ArchiveContentBytes.objects.filter(sha256__in=erased).delete()
    transaction.on_commit(partial(_erased_files_delete, agency_id, erased))
    return erased


def contents_unnamed(*, agency_id: int, digests: Collection[str]) -> set[str]:
    """Return which of ``digests`` no event of the bound agency still holding its content
    names (placed in the log or not yet)."""
    if not digests:
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT archive_content_unnamed(%s::varchar[])", [sorted(digests)])
        unnamed = {row[0] for row in cursor.fetchall()}
    return unnamed - _named_unplaced(agency_id, unnamed)


def _named_unplaced(agency_id: int, digests: Collection[str]) -> set[str]:
    """Return which of ``digests`` events committed but not placed yet name (the uses of
    events are indexed when they are placed)."""
    if not digests:
        return set()
    last = last_placed(agency_id) or (-1, 0)
    with connection.cursor() as cursor:
        cursor.execute(_NAMED_UNPLACED, [agency_id, *last, sorted(digests)])
        return {row[0] for row in cursor.fetchall()}


def erased_files_tend(*, agency_id: int, within: timedelta) -> None:
    """Delete the files of the bound agency's content noted as erased in the last
    ``within`` that are still there: a worker stopped between an erasure's commit and
    the deletion of its files left them (reading them already answers nothing)."""
    since = timezone.now() - within
    noted = ArchiveContentErasure.objects.filter(erased_at__gte=since)
    _erased_files_delete(agency_id, sorted(set(noted.values_list("sha256", flat=True))))


def _erased_files_delete(agency_id: int, digests: Sequence[str]) -> None:
    """Delete the files of content noted as erased, unless a record named it again since
    (kept anew): under the keeping lock, so that no keep slips between."""
    storage = storages["archive"]
    with agency_scope(agency_id), transaction.atomic():
        agency_lock(KEEPING, agency_id, shared=False)
        for digest in sorted(contents_unnamed(agency_id=agency_id, digests=digests)):
            storage.delete(content_name(agency_id, digest))  # nothing when it is gone


def _files_keep(files: dict[str, bytes]) -> None:
    """Write each content's file (by name) that the archive does not hold yet, all of
    them before any row names them. On local disk a file is a few system calls, written
    one after the other (threads would only take turns); a request to object storage
    waits on the network, so those go side by side."""
    storage = storages["archive"]
    if isinstance(storage, FileSystemStorage):
        for name, content in files.items():
            _local_file_keep(storage, storage.path(name), content)
        return
    list(_file_writers().map(partial(_stored_file_keep, storage), files.items()))


def _local_file_keep(storage: FileSystemStorage, path: str, content: bytes) -> None:
    """Write a file on local disk whole or not at all, with the storage's permissions:
    its bytes go to a file of its own, linked under its name once complete (a process
    stopped half-way leaves no partial file under the name, which would be taken for
    the content)."""
    if os.path.exists(path):
        return
    writing = f"{path}.{uuid.uuid4().hex}.partial"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        descriptor = os.open(writing, flags, 0o666)
    except FileNotFoundError:
        # The content's folder is made by the first content kept in it.
        folder = os.path.dirname(path)
        os.makedirs(folder, mode=storage.directory_permissions_mode or 0o777, exist_ok=True)
        descriptor = os.open(writing, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            if storage.file_permissions_mode is not None:
                os.fchmod(file.fileno(), storage.file_permissions_mode)
            file.write(content)
        with suppress(FileExistsError):
            # Another process kept the same bytes meanwhile.
            os.link(writing, path)
    finally:
        os.unlink(writing)


def _stored_file_keep(storage: Storage, named: tuple[str, bytes]) -> None:
    """Write one content's file to ``storage``, unless it holds it already."""
    name, content = named
    if not storage.exists(name):
        storage.save(name, ContentFile(content))


@cache
def _file_writers() -> ThreadPoolExecutor:
    """Return this process's threads that write the archive's files (made on first use,
    so in a worker after it forks)."""
    return ThreadPoolExecutor(max_workers=FILE_WRITERS, thread_name_prefix="archive-file")


# The verb of the event that records an erasure; its object is the erased event.
CONTENT_ERASED = "archive.content_erased"


def event_content_erase(*, event: ArchiveEvent, actor: Actor, reason: str) -> ArchiveEvent:
    """Erase what the bound agency's ``event`` said (its content and the salt that
    committed to it), leaving its facts, its leaf and every proof as they were, and
    record the erasure and its reason; return the erasure's event. Refused for an event
    not yet placed in the log, and for one a standing legal hold finds."""
    from archive.holds import holds_lock, holds_on

    if not reason.strip():
        raise ArchiveError(_("Give the reason for the erasure: it is recorded with it."))
    with transaction.atomic():
        if not ArchiveLeaf.objects.filter(event_id=event.pk).exists():
            # A legal hold's words find an event once the log has placed it.
            raise ArchiveError(_("This event is not in the log yet: try again in a minute."))
        holds_lock(event.agency_id, shared=True)
        held = holds_on(event)
        if held:
            raise ArchiveError(
                _("This record is under a legal hold (%(holds)s): it cannot be erased until "
                  "the hold is lifted.") % {"holds": ", ".join(map(str, held))}
            )  # fmt: skip
        erasures = events_erase(
            agency=event.agency, event_ids=[event.pk], actor=actor, reason=reason
        )
        if not erasures:
            raise ArchiveError(_("This event's content was erased already."))
        return erasures[0]


def events_erase(
    *,
    agency: models.Model,
    event_ids: Sequence[int],
    actor: Actor,
    reason: str,
    data: dict[str, Any] | None = None,
) -> list[ArchiveEvent]:
    """Erase, in the caller's transaction, the content of those of the bound agency's
    events ``event_ids`` that still hold it (the caller has checked them against the
    legal holds, under the hold lock): their content and salt go, and the kept files
    no event holding its content names any more; each erasure is recorded with
    ``reason`` (and ``data``), the ready packages that hold them are withdrawn (those
    being built are built again), and the apps that keep copies of what the records were
    about are told (``archive.signals.records_erased``). Return the erasures' events."""
    from archive.exports import packages_holding, packages_withdraw
    from archive.signals import records_erased

    holding = packages_holding(event_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT due.id FROM unnest(%s::bigint[]) AS due(id)"
            " WHERE archive_erase_content(due.id) ORDER BY due.id",
            [list(event_ids)],
        )
        erased = [row[0] for row in cursor.fetchall()]
    if not erased:
        return []
    contents_erase(agency_id=agency.pk, event_ids=erased, reason=reason)
    packages_withdraw(holding, erased=erased, reason=reason)
    about = list(ArchiveEvent.objects.filter(pk__in=erased).order_by("id"))
    records_erased.send(
        sender=ArchiveEvent,
        agency_id=agency.pk,
        objects=sorted({(e.object_type, e.object_id) for e in about if e.object_type}),
    )
    return events_record(
        agency=agency,
        actor=actor,
        events=[Event(CONTENT_ERASED, event, {"reason": reason} | (data or {})) for event in about],
    )


def log_integrate(*, agency_id: int, limit: int | None, wait: bool = False) -> int:
    """Place the bound agency's events (up to ``limit``, or all) in its log, in the order
    of their transactions, and return how many; 0 when another sequencer is at it —
    or, with ``wait``, wait for it to be done and place what it left.

    An event is placed once no transaction that began before its own is still running,
    so none can commit later with an earlier place: the log's order never changes.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if wait:
            agency_lock(_SEQUENCER_LOCK_NAMESPACE, agency_id, shared=False)
        else:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", [_SEQUENCER_LOCK_NAMESPACE, agency_id]
            )
            if not cursor.fetchone()[0]:
                return 0
        last = last_placed(agency_id) or (-1, 0)
        cursor.execute(_PENDING, [agency_id, *last, limit])
        names = [column.name for column in cursor.description]
        pending = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        if not pending:
            return 0
        size = log_size()
        pieces = Frontier.pieces(size)
        known = subtree_hashes(pieces)
        frontier = Frontier.of(size, lambda piece: bytes.fromhex(known[piece]))
        leaves: list[tuple[int, int, str]] = []
        subtrees: list[tuple[int, int, str]] = []
        for event in pending:
            leaf = event_leaf(event, commitment=event["commitment"])
            leaves.append((frontier.size, event["id"], leaf))
            for (level, index), node in frontier.append(bytes.fromhex(leaf))[1:]:
                subtrees.append((level, index, node.hex()))
        cursor.execute(
            "INSERT INTO archive_archiveleaf (agency_id, position, event_id, hash)"
            " SELECT %s, * FROM unnest(%s::bigint[], %s::bigint[], %s::text[])",
            [agency_id, *map(list, zip(*leaves, strict=True))],
        )
        if subtrees:
            cursor.execute(
                "INSERT INTO archive_archivesubtree (agency_id, level, index, hash)"
                " SELECT %s, * FROM unnest(%s::smallint[], %s::bigint[], %s::text[])",
                [agency_id, *map(list, zip(*subtrees, strict=True))],
            )
        placed = [event["id"] for event in pending]
        cursor.execute(_WORDS_INDEX, [placed])
        cursor.execute(_CONTENT_USES, [placed])
    return len(pending)


def last_placed(agency_id: int) -> tuple[int, int] | None:
    """Return the transaction and id of the last event placed in the bound agency's log,
    or None while it is empty."""
    with connection.cursor() as cursor:
        cursor.execute(_LAST_PLACED, [agency_id])
        found = cursor.fetchone()
    return None if found is None else (found[0], found[1])


def earlier_transactions_wait(*, within: float) -> None:
    """Wait until every transaction begun before now has ended, at most ``within``
    seconds (raise ArchiveError past that): the log places an event only once every
    transaction begun before its own has ended — in any database of the server, whose
    transaction ids are shared — so that afterwards every event committed before now
    can be placed (``log_integrate``, ``head_sign``)."""
    if connection.in_atomic_block:
        raise ArchiveError("a transaction cannot wait for those begun before it")
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_TRANSACTION)
        (now,) = cursor.fetchone()
        deadline = time.monotonic() + within
        cursor.execute(_OLDEST_RUNNING)
        while cursor.fetchone()[0] < now:
            if time.monotonic() > deadline:
                raise ArchiveError(
                    _("A transaction begun earlier on the database server (by this application"
                      " or another) has not ended within %(seconds)s seconds: the archive places"
                      " the latest records only once it has. Try again later.")
                    % {"seconds": f"{within:g}"}
                )  # fmt: skip
            time.sleep(0.05)
            cursor.execute(_OLDEST_RUNNING)


# The words, names, time and action of placed events, for the records officers' search
# (archive migrations 0011, 0019 and 0020: the app role may write them, and read them only
# through archive_event_found).
_WORDS_INDEX = (
    "INSERT INTO archive_eventsearch (event_id, agency_id, words, names, occurred_at, verb)"
    " SELECT id, agency_id, archive_event_words(verb, actor_name, object_repr, data),"
    " archive_event_names(actor_name, object_repr, data), occurred_at, verb"
    " FROM archive_archiveevent WHERE id = ANY(%s::bigint[])"
)
# The strings of an event ``e``'s data, at any depth, as ``s.sha256``: those of 64
# characters that are a kept content's hash are what it names (archive migration 0014,
# as ``archive.records`` reads it). Found by walking the JSON, at a tenth of the cost of
# a regular expression over its text.
_NAMED_STRINGS = (
    " CROSS JOIN LATERAL (SELECT v #>> '{}' AS sha256 FROM"
    " jsonb_path_query(e.data, 'strict $.** ? (@.type() == \"string\")') AS v) AS s"
)
# The kept content each event names. Each event's data is read for it once, before the
# join: planned as a join, the walk ran again for every content the agency keeps (a
# placement's cost grew with the archive).
_CONTENT_USES = (
    # Built of the module's own SQL.
    "WITH named AS MATERIALIZED ("  # noqa: S608  # nosec B608
    " SELECT DISTINCT e.id, e.agency_id, s.sha256 FROM archive_archiveevent AS e"
    + _NAMED_STRINGS
    + " WHERE e.id = ANY(%s::bigint[]) AND length(s.sha256) = 64)"
    " INSERT INTO archive_contentuse (event_id, agency_id, sha256)"
    " SELECT named.id, named.agency_id, c.sha256 FROM named"
    " JOIN archive_archivecontent AS c"
    " ON c.agency_id = named.agency_id AND c.sha256 = named.sha256"
)
# The kept content events not yet placed name (their uses are indexed at placement).
_NAMED_UNPLACED = (
    # Built of the module's own SQL.
    "SELECT DISTINCT s.sha256 FROM archive_archiveevent AS e"  # noqa: S608  # nosec B608
    + _NAMED_STRINGS
    + " WHERE e.agency_id = %s AND (e.txid, e.id) > (%s, %s) AND e.salt <> ''"
    " AND s.sha256 = ANY(%s)"
)
# The id the next transaction will get, and the oldest one still running (or the next).
_NEXT_TRANSACTION = "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
_OLDEST_RUNNING = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
# The transaction and id of the last event placed in the bound agency's log: the last
# leaf by its (agency, position) index, then its event by id (a join planned on stale
# statistics once walked the whole log for each row). Where the statistics estimate the
# agency at a row or two, the event is found through an index that begins with the
# agency: the agency's events are read once.
_LAST_PLACED = (
    "SELECT e.txid, e.id FROM archive_archiveevent AS e WHERE e.id ="
    " (SELECT l.event_id FROM archive_archiveleaf AS l WHERE l.agency_id = %s"
    " ORDER BY l.position DESC LIMIT 1)"
)
# The events after it whose transactions, and every transaction begun before them,
# have ended.
_PENDING = (
    "SELECT id, agency_id, occurred_at, actor_type, actor_id, verb, object_type, object_id,"
    " request_id, commitment FROM archive_archiveevent"
    " WHERE agency_id = %s AND (txid, id) > (%s, %s)"
    " AND txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
    " ORDER BY txid, id LIMIT %s"
)


def pending_agencies() -> list[int]:
    """Return the agencies with events to place in their logs."""
    # With no agency bound the archive shows nothing: the database function is the one
    # read across agencies, and it answers with agency ids only.
    with connection.cursor() as cursor:
        cursor.execute("SELECT agency_id FROM archive_pending_agencies()")
        return [agency_id for (agency_id,) in cursor.fetchall()]


def head_sign_when_grown(*, agency_id: int) -> ArchiveHead | None:
    """Sign the bound agency's log if it grew since its last head (the periodic
    signing); return the new head, or None."""
    size, root = log_end()
    previous = ArchiveHead.objects.order_by("-signed_at").values("size").first()
    if previous is not None and previous["size"] == size:
        return None
    return _head_signed(agency_id, size, root)


def head_sign(*, agency_id: int) -> ArchiveHead:
    """Place the bound agency's committed events in its log (after the sequencer, when
    it is placing some), then sign the log as it stands: its size and its root. Signing
    an unchanged log again dates the same head anew."""
    log_integrate(agency_id=agency_id, limit=None, wait=True)
    return _head_signed(agency_id, *log_end())


def _head_signed(agency_id: int, size: int, root: bytes) -> ArchiveHead:
    """Sign and store the head of a log of ``size`` events with root ``root``."""
    if not connection.in_atomic_block:
        raise ArchiveError("a head is signed inside a transaction")
    origin, signed_at = signing.origin(agency_id), timezone.now()
    key_id, signature = signing.sign(
        signing.checkpoint(origin=origin, size=size, root=root, signed_at=signed_at)
    )
    head: ArchiveHead = ArchiveHead.objects.create(
        agency_id=agency_id,
        origin=origin,
        size=size,
        root=root.hex(),
        signed_at=signed_at,
        key_id=key_id,
        signature=signature,
    )
    if timestamps.configured():
        from archive.tasks import heads_timestamp_agency

        transaction.on_commit(lambda: heads_timestamp_agency.delay(agency_id=agency_id))
    return head


def heads_timestamp() -> int:
    """Have the time-stamping authority stamp each of the bound agency's heads that it
    has not stamped yet, oldest first; return how many it stamped. Each is asked for
    outside any transaction and kept in its own, so a slow authority holds no lock; if
    another worker kept one first, its stamp stands. Raise ArchiveError when the
    authority cannot stamp one (the next run tries again)."""
    if connection.in_atomic_block:
        raise ArchiveError("heads are time-stamped outside a transaction")
    stamped = 0
    for head in ArchiveHead.objects.filter(timestamp__isnull=True).order_by("signed_at"):
        response, stamped_at = timestamps.stamp(base64.b64decode(head.signature))
        with transaction.atomic():
            _, created = ArchiveTimestamp.objects.get_or_create(
                head=head,
                defaults={
                    "agency_id": head.agency_id,
                    "authority": settings.ARCHIVE_TIMESTAMP_URL,
                    "response": response,
                    "stamped_at": stamped_at,
                },
            )
        stamped += created
    return stamped
