"""The append-only, tamper-evident archive of every action.

Apps record through ``archive.record(agency=…, actor=…, verb=…, obj=…, data=…)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db import models

    from archive.models import ArchiveEvent
    from archive.services import Actor


def record(
    *,
    agency: models.Model,
    actor: Actor,
    verb: str,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> ArchiveEvent:
    """Append an event to ``agency``'s chain in the caller's transaction."""
    from archive.services import event_record

    return event_record(agency=agency, actor=actor, verb=verb, obj=obj, data=data)
