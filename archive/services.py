"""Writing to the archive, signing its heads, and checking its chains against them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone
from psycopg import sql

from archive import Event, signing
from archive.chain import CHAINED_FIELDS, GENESIS_HASH, ChainReport, chain_check, event_hash
from archive.models import ArchiveEvent, ArchiveHead
from archive.origin import current_origin
from govsocial.errors import GovsocialError
from govsocial.tenancy import agency_scope, current_scope

# Two-key advisory lock namespace for "append to agency N's chain".
_CHAIN_LOCK_NAMESPACE = 7301


class ArchiveError(GovsocialError):
    """An archive write that would break an invariant."""


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
    """Append one event to ``agency``'s chain inside the caller's transaction.

    The caller's change and this record commit or roll back together, so there is no
    change without its record and no record without its change.
    """
    (event,) = events_record(agency=agency, actor=actor, events=[Event(verb, obj, data)])
    return event


def events_record(
    *, agency: models.Model, actor: Actor, events: Sequence[Event]
) -> list[ArchiveEvent]:
    """Append ``events``, in order, to ``agency``'s chain inside the caller's
    transaction, under one lock of the chain and in one write."""
    if not connection.in_atomic_block:
        raise ArchiveError("archive events are written inside the transaction of their change")
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
    with binding:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_CHAIN_LOCK_NAMESPACE, agency_id]
            )
        head = ArchiveEvent.objects.order_by("-sequence").values("sequence", "hash").first()
        sequence, prev_hash = (head["sequence"], head["hash"]) if head else (0, GENESIS_HASH)
        actor_type, actor_id, actor_name = _actor_fields(actor)
        origin = current_origin()
        occurred_at = timezone.now()
        rows = []
        for verb, obj, data in events:
            object_type, object_id, object_repr = _object_fields(obj)
            sequence += 1
            fields: dict[str, Any] = {
                "agency_id": agency_id,
                "sequence": sequence,
                "occurred_at": occurred_at,
                "actor_type": actor_type,
                "actor_id": actor_id,
                "actor_name": actor_name,
                "verb": verb,
                "object_type": object_type,
                "object_id": object_id,
                "object_repr": object_repr,
                "ip_address": origin.ip_address,
                "user_agent": origin.user_agent,
                "request_id": origin.request_id,
                # Round-trip through JSON so the hash covers exactly what is stored.
                "data": json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
                "prev_hash": prev_hash,
            }
            fields["hash"] = prev_hash = event_hash(fields)
            rows.append(fields)
        return _insert(rows)


def _insert(rows: list[dict[str, Any]]) -> list[ArchiveEvent]:
    """Write the events in one statement: their rows travel as one JSON document, so
    that appending costs the database's work rather than the ORM's, field by field."""
    document = json.dumps(
        [row | {"occurred_at": row["occurred_at"].isoformat()} for row in rows],
        cls=DjangoJSONEncoder,
    )
    with connection.cursor() as cursor:
        cursor.execute(_INSERT.as_string(connection.connection), [document])
        ids = dict(cursor.fetchall())
    return [ArchiveEvent(id=ids[row["sequence"]], **row) for row in rows]


# The columns an event is written with, each named and typed as the table has it.
_COLUMNS: list[tuple[str, str]] = [
    (str(f.column), str(f.db_type(connection)))
    for f in ArchiveEvent._meta.concrete_fields
    if not f.primary_key
]
_INSERT = sql.SQL(
    "INSERT INTO {table} ({columns}) SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) "
    "AS event({typed}) RETURNING sequence, id"
).format(
    table=sql.Identifier(ArchiveEvent._meta.db_table),
    columns=sql.SQL(", ").join([sql.Identifier(name) for name, _ in _COLUMNS]),
    typed=sql.SQL(", ").join(
        [sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind)) for name, kind in _COLUMNS]
    ),
)


def chain_verify(*, agency_id: int) -> ChainReport:
    """Check the bound agency's chain from its first event; name the first bad one."""
    rows = (
        ArchiveEvent.objects.for_agency(agency_id)
        .order_by("sequence")
        .values("hash", *CHAINED_FIELDS)
        .iterator(chunk_size=2000)
    )
    return chain_check(rows)


def head_sign_when_grown(*, agency_id: int) -> ArchiveHead | None:
    """Sign the bound agency's log if it grew since its last head (the periodic
    signing); return the new head, or None."""
    size, root = _log_end()
    previous = ArchiveHead.objects.order_by("-signed_at").values("size").first()
    if previous is not None and previous["size"] == size:
        return None
    return _head_signed(agency_id, size, root)


def head_sign(*, agency_id: int) -> ArchiveHead:
    """Sign the bound agency's log as it stands: its size and the hash of its last
    event. Signing an unchanged log again dates the same head anew."""
    return _head_signed(agency_id, *_log_end())


def _head_signed(agency_id: int, size: int, root: str) -> ArchiveHead:
    """Sign and store the head of a log of ``size`` events ending in ``root``."""
    if not connection.in_atomic_block:
        raise ArchiveError("a head is signed inside a transaction")
    origin, signed_at = signing.origin(agency_id), timezone.now()
    key_id, signature = signing.sign(
        signing.checkpoint(origin=origin, size=size, root=bytes.fromhex(root), signed_at=signed_at)
    )
    head: ArchiveHead = ArchiveHead.objects.create(
        agency_id=agency_id,
        origin=origin,
        size=size,
        root=root,
        signed_at=signed_at,
        key_id=key_id,
        signature=signature,
    )
    return head


def _log_end() -> tuple[int, str]:
    """Return the bound agency's log size and the hash it ends in."""
    last = ArchiveEvent.objects.order_by("-sequence").values("sequence", "hash").first()
    return (last["sequence"], last["hash"]) if last else (0, GENESIS_HASH)


@dataclass(frozen=True)
class HeadReport:
    """The outcome of checking one agency's log against the heads it was signed with."""

    heads_checked: int
    # The first head the log no longer matches, and how.
    bad_head: ArchiveHead | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.bad_head is None


def heads_check(*, agency_id: int) -> HeadReport:
    """Check the bound agency's signed heads, oldest first: each is signed by one of
    the deployment's keys, and the log still ends, at its size, in its hash. (Whether
    the events before it still lead to that hash is the chain's check.)"""
    heads = list(ArchiveHead.objects.for_agency(agency_id).order_by("signed_at"))
    ends = dict(
        ArchiveEvent.objects.for_agency(agency_id)
        .filter(sequence__in={head.size for head in heads})
        .values_list("sequence", "hash")
    )
    ends[0] = GENESIS_HASH
    keys = signing.public_keys()
    for checked, head in enumerate(heads):
        message = signing.checkpoint(
            origin=head.origin,
            size=head.size,
            root=bytes.fromhex(head.root),
            signed_at=head.signed_at,
        )
        key = keys.get(head.key_id)
        if not signing.signature_valid(message, key=key, signature=head.signature):
            return HeadReport(checked, head, "its signature is not the deployment's")
        if head.size not in ends:
            return HeadReport(checked, head, f"the log no longer holds its event {head.size}")
        if ends[head.size] != head.root:
            return HeadReport(checked, head, f"the log's event {head.size} was rewritten")
    return HeadReport(len(heads))
