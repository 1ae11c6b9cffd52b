"""Reading the bound agency's log: its size, the hashes of its subtrees, its root, and
the proofs that an event is in it or that it extends an earlier head, as hashes and as
the documents ``archive.proofs`` checks offline; and the content it keeps, to read."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.utils.translation import gettext as _

from archive.entries import CONTENT_FIELDS, FACT_FIELDS, entry, utc_text
from archive.errors import ArchiveError
from archive.merkle import (
    EMPTY_ROOT,
    Range,
    Subtree,
    consistency_ranges,
    inclusion_ranges,
    range_hash,
    range_subtrees,
)
from archive.models import (
    ArchiveContent,
    ArchiveContentBytes,
    ArchiveContentErasure,
    ArchiveEvent,
    ArchiveHead,
    ArchiveLeaf,
    ArchiveTimestamp,
    content_name,
)
from govsocial.tenancy import current_scope


def log_size() -> int:
    """Return how many events the bound agency's log holds."""
    last = ArchiveLeaf.objects.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


def subtree_hashes(pieces: Iterable[Subtree]) -> dict[Subtree, str]:
    """Return the stored hashes (hex) of the complete subtrees ``pieces`` of the bound
    agency's log, a leaf's (level 0) included; raise ArchiveError if one is missing."""
    wanted = set(pieces)
    if not wanted:
        return {}
    leaves = [index for level, index in wanted if level == 0]
    higher = [(level, index) for level, index in wanted if level]
    levels, indexes = [level for level, _ in higher], [index for _, index in higher]
    agency_id = current_scope().agency_id
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 0, position, hash FROM archive_archiveleaf"
            " WHERE agency_id = %s AND position = ANY(%s::bigint[])"
            " UNION ALL SELECT level, index, hash FROM archive_archivesubtree"
            " WHERE agency_id = %s AND (level, index) IN"
            " (SELECT * FROM unnest(%s::smallint[], %s::bigint[]))",
            [agency_id, leaves, agency_id, levels, indexes],
        )
        found = {(level, index): node for level, index, node in cursor.fetchall()}
    missing = wanted - found.keys()
    if missing:
        level, index = min(missing)
        raise ArchiveError(f"the log's subtree at level {level}, index {index} is missing")
    return found


def ranges_hashes(ranges: list[Range]) -> list[bytes]:
    """Return the hash of each range of leaves of the bound agency's log, from the
    stored subtrees (a few for each range)."""
    known = subtree_hashes(piece for start, end in ranges for piece in range_subtrees(start, end))
    return [
        range_hash(start, end, lambda piece: bytes.fromhex(known[piece])) for start, end in ranges
    ]


def log_root(size: int) -> bytes:
    """Return the root of the bound agency's log as it stood at ``size`` events."""
    return ranges_hashes([(0, size)])[0] if size else EMPTY_ROOT


def log_end() -> tuple[int, bytes]:
    """Return the bound agency's log size and its root."""
    size = log_size()
    return size, log_root(size)


def inclusion_proof(*, position: int, size: int) -> list[bytes]:
    """Return the proof that the leaf at ``position`` is in the log of ``size`` events."""
    return ranges_hashes(inclusion_ranges(position, size))


def consistency_proof(*, first: int, second: int) -> list[bytes]:
    """Return the proof that the log of ``second`` events extends that of ``first``."""
    return ranges_hashes(consistency_ranges(first, second))


def head_document(head: ArchiveHead) -> dict[str, Any]:
    """Return a signed head as ``archive.proofs`` reads it, with its time-stamp once it
    has one."""
    document: dict[str, Any] = {
        "origin": head.origin,
        "size": head.size,
        "root": _text(bytes.fromhex(head.root)),
        "signed_at": utc_text(head.signed_at),
        "key_id": head.key_id,
        "signature": head.signature,
    }
    try:
        stamp = head.timestamp
    except ArchiveTimestamp.DoesNotExist:
        return document
    document["timestamp"] = {
        "authority": stamp.authority,
        "stamped_at": utc_text(stamp.stamped_at),
        "response": _text(bytes(stamp.response)),
    }
    return document


def inclusion_document(*, event: ArchiveEvent, head: ArchiveHead) -> dict[str, Any]:
    """Return the proof that the bound agency's ``event`` is in its log as ``head``
    signed it, with the event's content while it has not been erased; raise
    ArchiveError when the head was signed before the event was placed."""
    position = (
        ArchiveLeaf.objects.filter(event_id=event.pk).values_list("position", flat=True).first()
    )
    if position is None or position >= head.size:
        raise ArchiveError(_("The event is not in the log as this head signed it."))
    fields = {name: getattr(event, name) for name in (*FACT_FIELDS, *CONTENT_FIELDS)}
    document: dict[str, Any] = {
        "head": head_document(head),
        "position": position,
        "entry": entry(fields, commitment=event.commitment),
        "proof": [_text(node) for node in inclusion_proof(position=position, size=head.size)],
    }
    if event.salt:
        content = {name: fields[name] for name in CONTENT_FIELDS}
        document["event_content"] = content | {"salt": event.salt}
    return document


def consistency_document(*, first: ArchiveHead, second: ArchiveHead) -> dict[str, Any]:
    """Return the proof that the bound agency's log as ``second`` signed it extends the
    log as ``first`` signed it; raise ArchiveError when ``second`` is the smaller."""
    if first.size > second.size:
        raise ArchiveError(_("The later head must be at least as large as the earlier one."))
    proof = consistency_proof(first=first.size, second=second.size)
    return {
        "first": head_document(first),
        "second": head_document(second),
        "proof": [_text(node) for node in proof],
    }


def _text(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def content_open(*, sha256: str) -> tuple[File[bytes], ArchiveContent] | None:
    """Return the bound agency's kept content of this hash, opened for reading, with
    what the archive knows of it (media type, size); None when it keeps none such, or
    erased it."""
    row = ArchiveContent.objects.filter(sha256=sha256).first()
    if row is None or content_erased(agency_id=row.agency_id, sha256=sha256):
        return None
    return kept_open(agency_id=row.agency_id, sha256=sha256), row


def kept_open(*, agency_id: int, sha256: str) -> File[bytes]:
    """Return the bound agency's kept bytes of this hash, opened for reading; raise
    FileNotFoundError when they are gone (erased)."""
    body = (
        ArchiveContentBytes.objects.for_agency(agency_id)
        .filter(sha256=sha256)
        .values_list("body", flat=True)
        .first()
    )
    return kept_file(agency_id=agency_id, sha256=sha256, body=body)


def kept_file(*, agency_id: int, sha256: str, body: bytes | None) -> File[bytes]:
    """Return kept bytes opened for reading: ``body``, read from the database with the
    content's row (small content), else the content's file; raise FileNotFoundError
    when neither holds them."""
    if body is not None:
        return ContentFile(bytes(body), name=sha256)
    return storages["archive"].open(content_name(agency_id, sha256))


# Joined to a query of kept content (``c``): the bytes of small content, NULL for the
# rest (``kept_file`` opens its file).
KEPT_BYTES = (
    " LEFT JOIN archive_archivecontentbytes AS b"
    " ON b.agency_id = c.agency_id AND b.sha256 = c.sha256"
)


def content_erased(*, agency_id: int, sha256: str) -> bool:
    """Return whether the bound agency's kept content of this hash is erased: noted so
    (``services.contents_erase``) and named by no record still holding its content — the
    same bytes kept again since are not."""
    from archive.services import contents_unnamed

    if not ArchiveContentErasure.objects.filter(sha256=sha256).exists():
        return False
    return bool(contents_unnamed(agency_id=agency_id, digests=[sha256]))
