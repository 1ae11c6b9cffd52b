"""Checking an agency's log from its events up: each event against its leaf, the tree
rebuilt from the leaves and compared with the one stored, each signed head against the
rebuilt tree at its size, and no recorded event left out of the log before its last."""

from __future__ import annotations

import json
import queue
import threading
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from archive import signing
from archive.entries import CONTENT_FIELDS, FACT_FIELDS, event_problem
from archive.errors import ArchiveError
from archive.merkle import Frontier
from archive.models import ArchiveEvent, ArchiveHead
from archive.services import CONTENT_ERASED
from govsocial.tenancy import agency_scope

# Rows read from the server at a time, so that a log of millions is checked in little
# memory.
_CHUNK = 10_000


@dataclass(frozen=True)
class LogReport:
    """The outcome of checking one agency's log: what was checked, and the first
    problem found, at a position of the log or against a signed head."""

    events_checked: int
    heads_checked: int
    problem: str = ""
    bad_position: int | None = None
    bad_head: ArchiveHead | None = None

    @property
    def intact(self) -> bool:
        return not self.problem


def log_verify(*, agency_id: int) -> LogReport:
    """Check the bound agency's log (inside a transaction, for its cursors); stop at the
    first problem and name it."""
    if not connection.in_atomic_block:
        raise ArchiveError("a log is checked inside a transaction")
    heads = list(ArchiveHead.objects.for_agency(agency_id).order_by("size", "signed_at"))
    keys = signing.public_keys()
    for head in heads:
        message = signing.checkpoint(
            origin=head.origin,
            size=head.size,
            root=bytes.fromhex(head.root),
            signed_at=head.signed_at,
        )
        if not signing.signature_valid(
            message, key=keys.get(head.key_id), signature=head.signature
        ):
            return LogReport(0, 0, "its signature is not the deployment's", bad_head=head)
    waiting = iter(heads)
    head = next(waiting, None)
    heads_checked = 0
    frontier = Frontier()
    stored = _stored_subtrees(agency_id)
    erased = set(
        ArchiveEvent.objects.for_agency(agency_id)
        .filter(verb=CONTENT_ERASED, object_type=ArchiveEvent._meta.label_lower)
        .values_list("object_id", flat=True)
    )

    def head_problem(head: ArchiveHead) -> str:
        if frontier.root().hex() != head.root:
            return f"the log's first {head.size} events were rewritten"
        return ""

    for position, leaf, fields in _leaves(agency_id):
        while head is not None and head.size == frontier.size:
            if problem := head_problem(head):
                return LogReport(frontier.size, heads_checked, problem, bad_head=head)
            heads_checked, head = heads_checked + 1, next(waiting, None)
        if position != frontier.size:
            return LogReport(
                frontier.size, heads_checked, "no event is at this position", frontier.size
            )
        if fields is None:
            return LogReport(frontier.size, heads_checked, "its event was deleted", position)
        if problem := event_problem(fields, leaf=leaf):
            return LogReport(frontier.size, heads_checked, problem, position)
        if not fields["salt"] and str(fields["id"]) not in erased:
            return LogReport(
                frontier.size,
                heads_checked,
                "its content was erased with no record of it",
                position,
            )
        for (level, index), node in frontier.append(bytes.fromhex(leaf))[1:]:
            if next(stored, None) != (level, index, node.hex()):
                return LogReport(
                    frontier.size,
                    heads_checked,
                    f"the stored subtree at level {level}, index {index} is not its leaves'",
                    index << level,
                )
    while head is not None and head.size == frontier.size:
        if problem := head_problem(head):
            return LogReport(frontier.size, heads_checked, problem, bad_head=head)
        heads_checked, head = heads_checked + 1, next(waiting, None)
    if head is not None:
        return LogReport(
            frontier.size,
            heads_checked,
            f"the log holds {frontier.size} events, fewer than the {head.size} it was signed with",
            bad_head=head,
        )
    if extra := next(stored, None):
        level, index, _ = extra
        return LogReport(
            frontier.size,
            heads_checked,
            f"the stored subtree at level {level}, index {index} has no leaves",
            index << level,
        )
    if left_out := _left_out(agency_id):
        return LogReport(
            frontier.size, heads_checked, f"event {left_out} was recorded but left out of the log"
        )
    return LogReport(frontier.size, heads_checked)


def _stream(agency_id: int, query: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
    """Yield the rows of ``query`` about the agency, read a chunk ahead on a thread and
    a connection of their own: the database prepares the next rows while Python hashes
    these. (The log only grows, so what another transaction reads of it holds.)"""
    chunks: queue.Queue[list[tuple[Any, ...]] | BaseException | None] = queue.Queue(maxsize=2)
    stopping = threading.Event()

    def offer(item: list[tuple[Any, ...]] | BaseException | None) -> bool:
        while not stopping.is_set():
            with suppress(queue.Full):
                chunks.put(item, timeout=0.1)
                return True
        return False

    def read() -> None:
        try:
            with agency_scope(agency_id), transaction.atomic():
                # A first statement through Django binds the agency in this transaction.
                ArchiveHead.objects.exists()
                # The same plan whatever the statistics say (a log just written has
                # none yet): each leaf's event found by its id, never by a scan.
                raw = connection.connection
                for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
                    raw.execute(f"SET LOCAL {setting} = off")
                with raw.cursor(name=f"verify_{uuid.uuid4().hex}") as cursor:
                    cursor.execute(query, params)
                    while chunk := cursor.fetchmany(_CHUNK):
                        if not offer(chunk):
                            return
            offer(None)
        except BaseException as error:  # handed over, and raised by the one reading
            offer(error)
        finally:
            connection.close()

    reader = threading.Thread(target=read, name="archive-verify-read")
    reader.start()
    try:
        while (chunk := chunks.get()) is not None:
            if isinstance(chunk, BaseException):
                raise chunk
            yield from chunk
    finally:
        stopping.set()
        reader.join()


_EVENT_FIELDS = ("id", *FACT_FIELDS, *CONTENT_FIELDS, "salt", "commitment")
# An event's time as ``archive.entries.utc_text`` writes it.
_UTC_TEXT = """to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def _leaves(agency_id: int) -> Iterator[tuple[int, str, dict[str, Any] | None]]:
    """Yield each leaf of the log in order: its position, its hash, and its event's
    fields (None when the event is gone)."""
    # The time as the entry has it, written by PostgreSQL rather than parsed and
    # written again here, a million times over in a large log.
    columns = ", ".join(
        _UTC_TEXT if name == "occurred_at" else f"e.{name}" for name in _EVENT_FIELDS
    )
    rows = _stream(
        agency_id,
        f"SELECT l.position, l.hash, {columns} FROM archive_archiveleaf AS l"  # noqa: S608
        " LEFT JOIN archive_archiveevent AS e ON e.id = l.event_id"
        " WHERE l.agency_id = %s ORDER BY l.position",
        [agency_id],
    )
    for position, leaf, *values in rows:
        fields = dict(zip(_EVENT_FIELDS, values, strict=True))
        if fields["id"] is None:
            yield position, leaf, None
            continue
        # Django has PostgreSQL hand JSON over as text, for its fields to decode.
        fields["data"] = json.loads(fields["data"])
        yield position, leaf, fields


def _stored_subtrees(agency_id: int) -> Iterator[tuple[int, int, str]]:
    """Yield the stored subtrees in the order a frontier completes them: by their last
    leaf, then from the bottom up."""
    return _stream(
        agency_id,
        "SELECT level, index, hash FROM archive_archivesubtree WHERE agency_id = %s"
        " ORDER BY ((index + 1) << level), level",
        [agency_id],
    )


def _left_out(agency_id: int) -> int | None:
    """Return the first event that comes before the log's last one in the sequencer's
    order and is not in the log, or None. (Events after it wait to be placed.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH placed AS (SELECT e.txid, e.id FROM archive_archiveleaf AS l"
            " JOIN archive_archiveevent AS e ON e.id = l.event_id"
            " WHERE l.agency_id = %s ORDER BY l.position DESC LIMIT 1)"
            " SELECT e.id FROM archive_archiveevent AS e, placed"
            " WHERE e.agency_id = %s AND (e.txid, e.id) < (placed.txid, placed.id)"
            " AND NOT EXISTS (SELECT 1 FROM archive_archiveleaf AS l WHERE l.event_id = e.id)"
            " ORDER BY e.txid, e.id LIMIT 1",
            [agency_id, agency_id],
        )
        found = cursor.fetchone()
    return found[0] if found else None
