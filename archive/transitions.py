"""The one writer of a records request's status, of an export package's and of a
disposition's state (DESIGN.md, invariant 9)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models.functions import Now

from archive.models import (
    Disposition,
    DispositionState,
    ExportPackage,
    PackageStatus,
    RecordsRequest,
    RequestStatus,
)


def request_move(*, request_id: int, status: str) -> None:
    """Move a records request the caller holds locked to ``status``: closed now when
    answered or withdrawn, open again without a closing time."""
    RecordsRequest.objects.filter(pk=request_id).update(
        status=status, closed_at=None if status == RequestStatus.OPEN else Now()
    )


def package_move(
    *, package_id: int, status: PackageStatus, when: Collection[str], **fields: Any
) -> bool:
    """Move an export package to ``status`` (with ``fields``) if it is in one of the
    states ``when``, in one conditional update; return whether it moved. Two workers
    claiming the same package: one moves it, the other finds it moved."""
    return bool(
        ExportPackage.objects.filter(pk=package_id, status__in=list(when)).update(
            status=status, **fields
        )
    )


def disposition_move(
    *, disposition_id: int, state: DispositionState, when: Collection[str], **fields: Any
) -> bool:
    """Move a disposition to ``state`` (with ``fields``) if it is in one of the states
    ``when``, in one conditional update; return whether it moved."""
    return bool(
        Disposition.objects.filter(pk=disposition_id, state__in=list(when)).update(
            state=state, **fields
        )
    )
