"""Checking an agency's log from its events up: each event against its leaf, the tree
rebuilt from the leaves and compared with the one stored, each signed head against the
rebuilt tree at its size (and its time-stamp against the authority's chain, when one is
configured), and no recorded event left out of the log before its last; and checking
that every content the archive keeps whole still holds its bytes."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Subquery

from archive import proofs, signing, timestamps
from archive.entries import CONTENT_FIELDS, FACT_FIELDS, event_problem
from archive.errors import ArchiveError
from archive.merkle import Frontier
from archive.models import (
    ArchiveContent,
    ArchiveContentBytes,
    ArchiveContentErasure,
    ArchiveEvent,
    ArchiveHead,
)
from archive.selectors import head_document, kept_file
from archive.services import CONTENT_ERASED, last_placed

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
    # Heads whose time-stamp was checked against the authority's chain.
    stamps_checked: int = 0

    @property
    def intact(self) -> bool:
        return not self.problem


def log_verify(*, agency_id: int) -> LogReport:
    """Check the bound agency's log (inside a transaction, for its cursors); stop at the
    first problem and name it."""
    if not connection.in_atomic_block:
        raise ArchiveError("a log is checked inside a transaction")
    heads = list(
        ArchiveHead.objects.for_agency(agency_id)
        .select_related("timestamp")
        .order_by("size", "signed_at")
    )
    keys = signing.public_keys()
    chains = timestamps.chains() if settings.ARCHIVE_TIMESTAMP_CHAIN else None
    stamps_checked = 0
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
        document = head_document(head)
        if chains is not None and "timestamp" in document:
            problem = proofs.timestamp_problem(document, chains)
            if problem:
                return LogReport(0, 0, problem, bad_head=head)
            stamps_checked += 1
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
    return LogReport(frontier.size, heads_checked, stamps_checked=stamps_checked)


@dataclass(frozen=True)
class ContentReport:
    """The outcome of checking what an agency's archive keeps whole: how many files
    hold their bytes, and the first that does not (its hash) and how."""

    files_checked: int
    bad_file: str = ""
    problem: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


def contents_verify(*, agency_id: int) -> ContentReport:
    """Check that the bytes of every content the bound agency's archive keeps are there
    (or were erased, and so noted) and still hash to its name; stop at the first that do
    not."""
    held = ArchiveContentBytes.objects.for_agency(agency_id).filter(sha256=OuterRef("sha256"))
    kept = (
        ArchiveContent.objects.for_agency(agency_id)
        .annotate(body=Subquery(held.values("body")))
        .order_by("id")
    )
    checked = 0
    # A few at a time: each row brings the bytes of small content.
    for digest, body in kept.values_list("sha256", "body").iterator(chunk_size=_CHUNK // 10):
        hasher = hashlib.sha256()
        try:
            with kept_file(agency_id=agency_id, sha256=digest, body=body) as stored:
                for chunk in stored.chunks():
                    hasher.update(chunk)
        except FileNotFoundError:
            if ArchiveContentErasure.objects.for_agency(agency_id).filter(sha256=digest).exists():
                continue
            return ContentReport(checked, digest, "its bytes are missing")
        if hasher.hexdigest() != digest:
            return ContentReport(checked, digest, "its bytes no longer match its hash")
        checked += 1
    return ContentReport(checked)


def rows_stream(
    query: str, params: list[Any], *, chunk: int = _CHUNK, one_pass: bool = False
) -> Iterator[tuple[Any, ...]]:
    """Yield the rows of ``query`` from a server-side cursor, ``chunk`` rows at a time
    (inside a transaction); with ``one_pass``, planned ``joined_in_one_pass``."""
    connection.ensure_connection()
    # Every row is read: have the query planned for all of them, not for the first few
    # (PostgreSQL's default for a cursor), which on a large log is the slower plan.
    connection.connection.execute("SET LOCAL cursor_tuple_fraction = 1.0")
    with connection.connection.cursor(name=f"archive_{uuid.uuid4().hex}") as cursor:
        cursor.itersize = chunk
        # Declaring the cursor plans its query.
        with joined_in_one_pass() if one_pass else nullcontext():
            cursor.execute(query, params)
        yield from cursor


@contextmanager
def joined_in_one_pass() -> Iterator[None]:
    """Have the statements planned meanwhile (inside a transaction) join their tables in
    one pass over each, hashed or merged: never a scan of one table for each row of
    another, whatever the statistics say.

    Behind row-level security, an agency the statistics do not know yet (a new one, or
    one of many small ones) is estimated at a row or two, so an index that begins with
    the agency looks as cheap a way to find one event's row as the event's own index:
    planned in a loop over the events, it read all the agency's rows for each."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_nestloop')")
        (before,) = cursor.fetchone()
        cursor.execute("SELECT set_config('enable_nestloop', 'off', true)")
        try:
            yield
        finally:
            cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [before])


# An event's fields as ``event_columns`` reads them.
EVENT_FIELDS = ("id", *FACT_FIELDS, *CONTENT_FIELDS, "salt", "commitment")
# An event's time as ``archive.entries.utc_text`` writes it.
_UTC_TEXT = """to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def event_columns() -> str:
    """Return the columns of ``EVENT_FIELDS`` of an event ``e``, its time as its entry
    has it: written by PostgreSQL rather than parsed and written again here, a million
    times over in a large log."""
    return ", ".join(_UTC_TEXT if name == "occurred_at" else f"e.{name}" for name in EVENT_FIELDS)


def _leaves(agency_id: int) -> Iterator[tuple[int, str, dict[str, Any] | None]]:
    """Yield each leaf of the log in order: its position, its hash, and its event's
    fields (None when the event is gone)."""
    rows = rows_stream(
        # Built of the module's own column names, no input.
        f"SELECT l.position, l.hash, {event_columns()} FROM archive_archiveleaf AS l"  # noqa: S608  # nosec B608
        " LEFT JOIN archive_archiveevent AS e ON e.id = l.event_id"
        " WHERE l.agency_id = %s ORDER BY l.position",
        [agency_id],
        one_pass=True,
    )
    for position, leaf, *values in rows:
        fields = dict(zip(EVENT_FIELDS, values, strict=True))
        if fields["id"] is None:
            yield position, leaf, None
            continue
        # Django has PostgreSQL hand JSON over as text, for its fields to decode.
        fields["data"] = json.loads(fields["data"])
        yield position, leaf, fields


def _stored_subtrees(agency_id: int) -> Iterator[tuple[int, int, str]]:
    """Yield the stored subtrees in the order a frontier completes them: by their last
    leaf, then from the bottom up."""
    return rows_stream(
        "SELECT level, index, hash FROM archive_archivesubtree WHERE agency_id = %s"
        " ORDER BY ((index + 1) << level), level",
        [agency_id],
    )


def _left_out(agency_id: int) -> int | None:
    """Return the first event that comes before the log's last one in the sequencer's
    order and is not in the log, or None. (Events after it wait to be placed.)"""
    last = last_placed(agency_id)
    if last is None:
        return None
    with joined_in_one_pass(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id FROM archive_archiveevent AS e"
            " WHERE e.agency_id = %s AND (e.txid, e.id) < (%s, %s)"
            " AND NOT EXISTS (SELECT 1 FROM archive_archiveleaf AS l WHERE l.event_id = e.id)"
            " ORDER BY e.txid, e.id LIMIT 1",
            [agency_id, *last],
        )
        found = cursor.fetchone()
    return found[0] if found else None
