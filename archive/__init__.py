"""The append-only, tamper-evident archive of every action.

Apps record through ``archive.record(agency=…, actor=…, verb=…, obj=…, data=…)``, and
keep what was published whole through ``archive.keep(agency=…, contents=…)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from django.db import models

    from archive.models import ArchiveEvent
    from archive.services import Actor


class Event(NamedTuple):
    """One event of ``record_each``: what was done, to what, and what to keep of it."""

    verb: str
    obj: models.Model | None = None
    data: dict[str, Any] | None = None


def record(
    *,
    agency: models.Model,
    actor: Actor,
    verb: str,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> ArchiveEvent:
    """Record an event of ``agency`` in the caller's transaction."""
    from archive.services import event_record

    return event_record(agency=agency, actor=actor, verb=verb, obj=obj, data=data)


def record_each(
    *, agency: models.Model, actor: Actor, events: Sequence[Event]
) -> list[ArchiveEvent]:
    """Record several events of ``agency``, in order, in the caller's transaction, with
    one write for all of them."""
    from archive.services import events_record

    return events_record(agency=agency, actor=actor, events=events)


def keep(*, agency: models.Model, contents: Sequence[tuple[bytes, str]]) -> list[str]:
    """Keep each of ``contents`` (bytes and media type) whole in ``agency``'s archive,
    named by its SHA-256; return the hashes, for events to point to."""
    from archive.services import contents_keep

    return contents_keep(agency=agency, contents=contents)


def keep_documents(*, agency: models.Model, documents: Sequence[dict[str, Any]]) -> list[str]:
    """Keep each JSON document whole in ``agency``'s archive, in its canonical bytes (see
    ``archive.entries``); return the hashes."""
    from archive.entries import canonical
    from archive.services import contents_keep

    contents = [(canonical(document), DOCUMENT_TYPE) for document in documents]
    return contents_keep(agency=agency, contents=contents)


# The media type of the documents the archive keeps.
DOCUMENT_TYPE = "application/json"
