"""The records a package carries, written into its bag as a stream: every chosen event
in the log's order with its content and its inclusion proof (``data/events.jsonl``), the
same as a table (``data/events.csv``), and what the events kept whole — documents a line
each (``data/documents.jsonl``), media a file each (``data/media/``)."""

from __future__ import annotations

import base64
import csv
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import archive
from archive import package_check
from archive.bag import BagWriter
from archive.entries import CONTENT_FIELDS, FACT_FIELDS
from archive.merkle import Range, inclusion_folds
from archive.models import ArchiveHead
from archive.selectors import KEPT_BYTES, kept_file, kept_open, ranges_hashes
from archive.verification import EVENT_FIELDS, event_columns, rows_stream

if TYPE_CHECKING:
    from archive.redaction import Release

T = TypeVar("T")

# Events read, proven and written at a time.
_CHUNK = 5_000
# Kept contents read at a time, with the bytes of documents (up to ``SMALL_CONTENT`` each).
_CONTENTS_CHUNK = 1_000
# The strings of an event's data that may name kept content: SHA-256 hashes in hex.
_HASHES = '$.** ? (@.type() == "string" && @ like_regex "^[0-9a-f]{64}$")'
_DOCUMENT = archive.DOCUMENT_TYPE
_CSV_COLUMNS = (
    "position", "id", "occurred_at", "actor_type", "actor_id", "actor_name", "verb",
    "object_type", "object_id", "object_repr", "ip_address", "user_agent", "request_id",
    "data", "content_erased", "redacted",
)  # fmt: skip


def chunked(rows: Iterable[T], size: int = _CHUNK) -> Iterator[list[T]]:
    """Yield ``rows`` in lists of ``size`` (the last one shorter)."""
    chunk: list[T] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _events(chosen: str, params: list[Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield each chosen event in the log's order: its position and its fields (its data
    as the JSON text PostgreSQL gives)."""
    rows = rows_stream(
        # Built of the module's own SQL, the searches' through their parameters.
        f"SELECT l.position, {event_columns()} {chosen} ORDER BY l.position",  # nosec B608
        params,
        one_pass=True,
    )
    for position, *values in rows:
        yield position, dict(zip(EVENT_FIELDS, values, strict=True))


def events_write(
    bag: BagWriter,
    chosen: str,
    params: list[Any],
    head: ArchiveHead,
    progress: Callable[[int], None],
    release: Release | None = None,
) -> None:
    """Write each event with its content and its proof in the log ``head`` signed, a
    line each (``archive.proofs``'s inclusion proof, less the head); and the same
    events as a table a spreadsheet opens, its rows waiting in a temporary file meanwhile
    (the events are read once). In a released copy, an event the redactions touch is
    given redacted, without its salt."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as rows:
        table = csv.writer(rows, lineterminator="\n")
        table.writerow(_CSV_COLUMNS)
        with bag.text(package_check.EVENTS) as out:
            for chunk in chunked(_events(chosen, params)):
                proofs = _proofs([position for position, _fields in chunk], head.size)
                for (position, fields), proof in zip(chunk, proofs, strict=True):
                    redacted = None
                    if release is not None and (released := release.event(fields)):
                        redacted, reasons = released
                        release.note(fields["id"], reasons)
                    out.write(_event_line(position, fields, proof, redacted))
                    shown = fields if redacted is None else fields | redacted
                    if redacted is not None:
                        shown["data"] = _dumps(redacted["data"])
                    table.writerow(
                        [position, fields["id"]]
                        + [_cell(shown[name]) for name in _CSV_COLUMNS[2:-2]]
                        + ["" if fields["salt"] else "yes", "" if redacted is None else "yes"]
                    )
                progress(len(chunk))
        rows.seek(0)
        with bag.text("data/events.csv") as copied:
            while text := rows.read(1 << 20):
                copied.write(text)


def _proofs(positions: list[int], size: int) -> list[str]:
    """Return the inclusion proof of each leaf at ``positions`` (ascending) in the log of
    ``size`` events, as JSON (a list of base64 hashes), reading each range's hash once
    for all of them and writing what leaves share once."""
    ranges: set[Range] = set()
    inclusion_folds(positions, size, lambda _above, piece: ranges.add(piece), None)
    listed = list(ranges)
    texts = {
        piece: '"' + base64.b64encode(node).decode("ascii") + '"'
        for piece, node in zip(listed, ranges_hashes(listed), strict=True)
    }
    above = inclusion_folds(
        positions, size, lambda above, piece: texts[piece] + ("," + above if above else ""), ""
    )
    return ["[" + proof + "]" for proof in above]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _event_line(
    position: int, fields: dict[str, Any], proof: str, redacted: dict[str, Any] | None
) -> str:
    """Return an event's line: its id, position, entry, proof and, unless erased, its
    content with its salt (the data spliced in as PostgreSQL wrote it: any JSON reader
    reads the same values) — or, redacted, without it."""
    entry = {name: fields[name] for name in FACT_FIELDS} | {"content": fields["commitment"]}
    line = f'{{"id":{fields["id"]},"position":{position},"entry":{_dumps(entry)},"proof":{proof}'
    if redacted is not None:
        line += f',"redacted":{_dumps(redacted)}'
    elif fields["salt"]:
        content = {name: fields[name] for name in CONTENT_FIELDS if name != "data"}
        line += f',"event_content":{_dumps(content | {"salt": fields["salt"]})[:-1]}'
        line += f',"data":{fields["data"]}}}'
    return line + "}\n"


def _cell(value: Any) -> str:
    """Return a cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def kept_contents(
    chosen: str, params: list[Any], agency_id: int, *, documents: bool
) -> Iterator[tuple[str, str, bytes | None]]:
    """Yield the documents (or the media) the chosen events kept whole, by hash: (hash,
    media type, a document's bytes when the database holds them, else None: see
    ``kept_file``). A medium's bytes are read as it is copied, one at a time (a chunk of
    rows with theirs could take hundreds of megabytes)."""
    bytes_read = f"b.body FROM archive_archivecontent AS c{KEPT_BYTES}"
    # Built of the module's own SQL, the searches' through their parameters.
    query = (
        "SELECT c.sha256, c.media_type,"  # noqa: S608  # nosec B608
        f" {bytes_read if documents else 'NULL::bytea FROM archive_archivecontent AS c'}"
        " WHERE c.agency_id = %s AND (c.media_type = %s) = %s AND c.sha256 IN"
        f" (SELECT jsonb_path_query(e.data, %s::jsonpath) #>> '{{}}' {chosen})"
        " ORDER BY c.sha256"
    )
    arguments = [agency_id, _DOCUMENT, documents, _HASHES, *params]
    yield from rows_stream(query, arguments, chunk=_CONTENTS_CHUNK, one_pass=True)


def contents_write(
    bag: BagWriter,
    chosen: str,
    params: list[Any],
    agency_id: int,
    release: Release | None = None,
) -> None:
    """Write what the chosen events kept whole: documents a line each, media a file each
    (as released, in a released copy)."""
    with bag.text(package_check.DOCUMENTS) as out:
        for digest, media_type, body in kept_contents(chosen, params, agency_id, documents=True):
            changed = release.changed(digest) if release is not None else None
            if changed is not None:
                name, text = changed[0], changed[1].read_text(encoding="utf-8")
            else:
                with kept_file(agency_id=agency_id, sha256=digest, body=body) as kept:
                    name, text = digest, kept.read().decode("utf-8")
            out.write(_dumps({"sha256": name, "media_type": media_type, "text": text}) + "\n")
    for digest, _media_type, _body in kept_contents(chosen, params, agency_id, documents=False):
        changed = release.changed(digest) if release is not None else None
        with (
            changed[1].open("rb") if changed is not None
            else kept_open(agency_id=agency_id, sha256=digest)
        ) as kept:  # fmt: skip
            name = changed[0] if changed is not None else digest
            bag.copy(f"{package_check.MEDIA}{name}", kept, compress=False)
