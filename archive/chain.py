"""The hash chain: canonical bytes of an event, its hash, and verification.

Pure functions over plain values (no ORM), so the chain can be checked by anyone who
has the exported rows. The serialisation is JSON with sorted keys, no spaces, UTF-8,
and timestamps in UTC with microseconds: the same bytes in every time zone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64

# The fields that the hash covers, in the order they are listed to people.
CHAINED_FIELDS = (
    "agency_id",
    "sequence",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_name",
    "verb",
    "object_type",
    "object_id",
    "object_repr",
    "ip_address",
    "user_agent",
    "request_id",
    "data",
    "prev_hash",
)


def utc_text(moment: dt.datetime) -> str:
    """Return ``moment`` as ISO 8601 in UTC with microseconds, e.g. 2026-01-02T03:04:05.000006Z."""
    if moment.tzinfo is None:
        raise ValueError("archive timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """Return the canonical serialisation of one event's chained fields."""
    document = {name: fields[name] for name in CHAINED_FIELDS}
    document["occurred_at"] = utc_text(fields["occurred_at"])
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_hash(fields: Mapping[str, Any]) -> str:
    """Return the SHA-256 hex digest that seals one event onto its predecessor."""
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking one agency's chain."""

    events_checked: int
    first_bad_sequence: int | None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.first_bad_sequence is None


def chain_check(events: Iterable[Mapping[str, Any]]) -> ChainReport:
    """Check events given in sequence order; name the first one that does not hold."""
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    for event in events:
        sequence = event["sequence"]
        if sequence != expected_sequence:
            return ChainReport(checked, expected_sequence, f"event {expected_sequence} is missing")
        if event["prev_hash"] != previous_hash:
            return ChainReport(checked, sequence, "it does not follow the previous event")
        if event_hash(event) != event["hash"]:
            return ChainReport(checked, sequence, "its content does not match its hash")
        previous_hash = event["hash"]
        expected_sequence += 1
        checked += 1
    return ChainReport(checked, None)
