"""The one writer of a records request's status (DESIGN.md, invariant 9)."""

from __future__ import annotations

from django.db.models.functions import Now

from archive.models import RecordsRequest, RequestStatus


def request_move(*, request_id: int, status: str) -> None:
    """Move a records request the caller holds locked to ``status``: closed now when
    answered or withdrawn, open again without a closing time."""
    RecordsRequest.objects.filter(pk=request_id).update(
        status=status, closed_at=None if status == RequestStatus.OPEN else Now()
    )
