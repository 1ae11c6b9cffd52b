"""Legal holds: while a hold on a saved search stands, nothing that search finds — now or
as it arrives — may be erased or disposed of. A records officer places a hold with its
reason and lifts it with another; both are archive events. Placing a hold and erasing
take one lock of the agency in turn (erasures share it), so that no erasure slips
between a hold's placing and its first check."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from archive.models import ArchiveEvent, LegalHold, SavedSearch
from archive.services import agency_lock
from govsocial.errors import Conflict, GovsocialError

# The key of the lock holds and erasures of an agency take (with its id).
HOLDING = 0x686F_6C64


def holds_lock(agency_id: int, *, shared: bool) -> None:
    """Take, until the transaction ends, the agency's hold lock: shared to erase (holds
    stay as they are meanwhile), alone to place a hold (erasures under way end first)."""
    agency_lock(HOLDING, agency_id, shared=shared)


def hold_place(*, search: SavedSearch, actor: Any, person: Any, reason: str) -> LegalHold:
    """Hold what ``search`` finds, now and as it arrives, for ``reason``; recorded."""
    reason = reason.strip()
    if not reason:
        raise GovsocialError(_("Say why the records are held: it is recorded."), field="reason")
    with transaction.atomic():
        holds_lock(search.agency_id, shared=False)
        if LegalHold.objects.filter(search=search, lifted_at__isnull=True).exists():
            raise Conflict(_("What this search finds is held already."))
        hold: LegalHold = LegalHold.objects.create(
            agency_id=search.agency_id, search=search, reason=reason, placed_by=person
        )
        archive.record(
            agency=search.agency,
            actor=actor,
            verb="records.hold_placed",
            obj=hold,
            data=_facts(hold),
        )
    return hold


def hold_lift(*, hold: LegalHold, actor: Any, person: Any, reason: str) -> LegalHold:
    """Lift ``hold`` for ``reason``: what its search finds may be erased or disposed of
    again, unless another hold finds it; recorded."""
    reason = reason.strip()
    if not reason:
        raise GovsocialError(_("Say why the hold is lifted: it is recorded."), field="reason")
    with transaction.atomic():
        lifted = LegalHold.objects.filter(pk=hold.pk, lifted_at__isnull=True).update(
            lifted_by=person, lifted_at=timezone.now(), lift_reason=reason
        )
        if not lifted:
            raise Conflict(_("This hold was lifted already."))
        hold.refresh_from_db()
        archive.record(
            agency=hold.agency,
            actor=actor,
            verb="records.hold_lifted",
            obj=hold,
            data=_facts(hold) | {"lift_reason": reason},
        )
    return hold


def _facts(hold: LegalHold) -> dict[str, Any]:
    search = hold.search
    return {
        "number": search.request.number,
        "search": search.name,
        "criteria": search.criteria,
        "reason": hold.reason,
    }


def holds_shown(holds: QuerySet[LegalHold]) -> QuerySet[LegalHold]:
    """Return ``holds`` standing ones first, newest first, with what shows them."""
    return holds.select_related("search__request", "placed_by", "lifted_by").order_by(
        "lifted_at", "-placed_at", "-id"
    )


def holds_on(event: ArchiveEvent) -> list[LegalHold]:
    """Return the standing holds of the bound agency whose search finds ``event`` (its
    days read in the agency's time zone)."""
    from archive.forms import saved_search_found

    zone = ZoneInfo(event.agency.time_zone)
    standing = LegalHold.objects.filter(lifted_at__isnull=True).select_related("search__request")
    return [
        hold
        for hold in standing
        if saved_search_found(hold.search.name, hold.search.criteria, zone)
        .filter(pk=event.pk)
        .exists()
    ]


def held_among(events: QuerySet[ArchiveEvent], zone: ZoneInfo) -> QuerySet[ArchiveEvent]:
    """Return those of the bound agency's ``events`` that a standing hold's search finds
    (its days read in ``zone``)."""
    from archive.forms import saved_searches_found

    standing = LegalHold.objects.filter(lifted_at__isnull=True).select_related("search")
    searches = ((hold.search.name, hold.search.criteria) for hold in standing)
    return events.filter(saved_searches_found(searches, zone))
