"""What a leaf of an agency's log commits to: an event's canonical bytes, and its
salted commitment to the content that may one day have to be erased.

An event has two parts. Its facts say which agency, when, who by kind and id, what was
done, to which object, in which request; they are in its log entry in the clear. Its
content says what people could be named by or said (the actor's name, the object's
name, the address and browser it came from, the event's data); the entry holds only
``SHA-256(salt || content)``. Erasing the content and its salt leaves the entry, the
leaf and every proof as they were, and nothing left can be guessed back into it.

Pure functions over plain values (no Django), so that anyone holding exported events
can check them with this file and ``archive.merkle``. Serialisation is JSON with sorted
keys, no spaces, UTF-8, timestamps in UTC with microseconds: the same bytes in every
time zone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

from archive.merkle import leaf_hash

# The facts of an event, in the clear in its entry.
FACT_FIELDS = (
    "agency_id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "verb",
    "object_type",
    "object_id",
    "request_id",
)
# Its content, committed to through a salted hash.
CONTENT_FIELDS = ("actor_name", "object_repr", "ip_address", "user_agent", "data")
SALT_BYTES = 16


def utc_text(moment: dt.datetime) -> str:
    """Return ``moment`` as ISO 8601 in UTC with microseconds, e.g. 2026-01-02T03:04:05.000006Z."""
    if moment.tzinfo is None:
        raise ValueError("archive timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# One encoder for every entry: json.dumps would make a new one each time.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical(document: Mapping[str, Any]) -> bytes:
    """Return the canonical serialisation of a JSON document."""
    return _ENCODER.encode(document).encode("utf-8")


def new_salt() -> str:
    """Return a fresh salt for one event's content, in hex."""
    return secrets.token_hex(SALT_BYTES)


def commitment(fields: Mapping[str, Any], *, salt: str) -> str:
    """Return the hex SHA-256 over the salt and the canonical bytes of the content."""
    content = canonical({name: fields[name] for name in CONTENT_FIELDS})
    return hashlib.sha256(bytes.fromhex(salt) + content).hexdigest()


def entry(fields: Mapping[str, Any], *, commitment: str) -> dict[str, Any]:
    """Return the log entry of an event: its facts, its time as text, and the
    commitment to its content."""
    document = {name: fields[name] for name in FACT_FIELDS}
    occurred_at = fields["occurred_at"]
    # Given as text by whoever already has it so (a proof, the log's verification).
    if not isinstance(occurred_at, str):
        document["occurred_at"] = utc_text(occurred_at)
    document["content"] = commitment
    return document


def entry_bytes(fields: Mapping[str, Any], *, commitment: str) -> bytes:
    """Return the canonical bytes of an event's log entry."""
    return canonical(entry(fields, commitment=commitment))


def event_leaf(fields: Mapping[str, Any], *, commitment: str) -> str:
    """Return the hex leaf hash of an event's entry (RFC 6962's, 0x00-prefixed)."""
    return leaf_hash(entry_bytes(fields, commitment=commitment)).hex()


def event_problem(fields: Mapping[str, Any], *, leaf: str) -> str:
    """Return what does not hold of a stored event (its ``commitment`` and ``salt``, the
    salt empty once its content was erased) against its ``leaf`` in the log, or ""."""
    if fields["salt"] and commitment(fields, salt=fields["salt"]) != fields["commitment"]:
        return "its content does not match its commitment"
    if event_leaf(fields, commitment=fields["commitment"]) != leaf:
        return "its entry does not match its leaf"
    return ""
