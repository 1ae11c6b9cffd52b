"""Monthly copies for an outside archiving service. An agency that also uses one names it
and turns the copies on. Once a month, for the month before (its days in the agency's
time zone), a records request of the kind *Monthly copy for an outside archiver* is
opened in the service's name, with a saved search of every record of that month, and
its package is built — the same package as any other, checked offline the same way.
Once ready, the package is copied to the archivers' storage (``STORAGES["archiver"]``:
a folder or a bucket) as ``<agency slug>/<YYYY-MM>.zip``; the copy is recorded and the
request answered.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from archive.exports import package_start
from archive.models import (
    ExportPackage,
    OutsideArchiver,
    RecordsRequest,
    RequestKind,
    RequestStatus,
    package_name,
)
from archive.requests import request_open, search_save
from archive.services import SYSTEM, Actor, agency_lock
from archive.transitions import request_move
from govsocial.errors import GovsocialError

ARCHIVER_SET = "records.archiver_set"
COPY_DELIVERED = "records.archiver_copy_delivered"
# The key of the lock that opens an agency's monthly copy once (with its id).
COPYING = 0x636F_7079
LONGEST_NAME = 200


def archiver_of() -> OutsideArchiver | None:
    """Return the bound agency's outside archiver, if it named one."""
    return OutsideArchiver.objects.select_related("changed_by").first()


def archiver_set(
    *, agency: Any, actor: Actor, person: Any, name: str, active: bool
) -> OutsideArchiver:
    """Name the agency's outside archiving service and turn its monthly copies on or
    off; recorded."""
    name = name.strip()
    if not name:
        raise GovsocialError(_("Name the archiving service."), field="name")
    with transaction.atomic():
        archiver, _created = OutsideArchiver.objects.update_or_create(
            agency=agency,
            defaults={
                "name": name[:LONGEST_NAME],
                "active": active,
                "changed_by": person,
                "changed_at": timezone.now(),
            },
        )
        archive.record(
            agency=agency,
            actor=actor,
            verb=ARCHIVER_SET,
            obj=archiver,
            data={"name": archiver.name, "active": active},
        )
    return archiver


def _last_month(today: date) -> tuple[date, date]:
    """Return the first and the last day of the month before ``today``'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def copies_make(*, agency: Any) -> RecordsRequest | None:
    """Open, for the bound agency's active outside archiver, the request of last month's
    copy and have its package built, unless it was opened already; return it."""
    archiver = OutsideArchiver.objects.filter(active=True).select_related("changed_by").first()
    if archiver is None:
        return None
    today = timezone.localdate(timezone=ZoneInfo(agency.time_zone))
    first, last = _last_month(today)
    month = f"{first:%Y-%m}"
    with transaction.atomic():
        agency_lock(COPYING, agency.pk, shared=False)
        copies = RecordsRequest.objects.filter(kind=RequestKind.ARCHIVER_COPY)
        if copies.filter(searches__name=month).exists():
            return None
        person = archiver.changed_by
        request = request_open(
            agency=agency,
            actor=SYSTEM,
            person=person,
            kind=RequestKind.ARCHIVER_COPY,
            requester=archiver.name,
            subject=_("Every record of %(month)s, for %(archiver)s.")
            % {"month": month, "archiver": archiver.name},
            received_on=today,
        )
        search_save(
            request=request,
            actor=SYSTEM,
            person=person,
            name=month,
            criteria={"since": first.isoformat(), "until": last.isoformat()},
        )
        package_start(
            request=request,
            actor=SYSTEM,
            person=person,
            time_zone=agency.time_zone,
            language=(agency.languages or ["en"])[0],
        )
    return request


def copy_name(package: ExportPackage) -> str:
    """Return where the archivers' storage keeps a monthly copy's package."""
    return f"{package.agency.slug}/{package.searches[0]['name']}.zip"


def copy_deliver(*, package: ExportPackage) -> None:
    """Copy a ready package of a monthly copy to the archivers' storage (in place of one
    a build taken up again left), record it and answer the request."""
    destination = storages["archiver"]
    name = copy_name(package)
    destination.delete(name)
    with storages["packages"].open(package_name(package.agency_id, package.pk)) as built:
        stored = destination.save(name, built)
    with transaction.atomic():
        archive.record(
            agency=package.agency,
            actor=SYSTEM,
            verb=COPY_DELIVERED,
            obj=package.request,
            data={
                "number": package.request.number,
                "package": package.pk,
                "file": stored,
                "sha256": package.sha256,
            },
        )
        request_move(request_id=package.request_id, status=RequestStatus.ANSWERED)
