"""A person's requests about their personal data, each a records request of its own
kind whose saved searches find the person's records (by handle, name, email or words).

Erasure (GDPR Art. 17): the review counts the records by series, saying which series the
law exempts and why (``archive.retention.SERIES``) and how many a legal hold keeps;
carrying it out erases the content of the rest — from the log (leaves and proofs stay),
its words, the kept files no other record names and the inbox's copy — and answers the
request, recording per series what was erased and what was refused with its reason.

Restriction (GDPR Art. 18): what the records are about (the person's inbox items) is
kept but no longer used: only records officers see it, it is not answered, moderated or
counted, until a records officer lifts the restriction with a reason. The archive itself
is read by records officers and admins only, as before.

Objection (GDPR Art. 21): upheld, it stops the processing as a restriction does, until
lifted with a reason; refused, the compelling legitimate grounds are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

import archive
from archive.holds import held_among, holds_lock
from archive.models import (
    ArchiveEvent,
    ArchiveLeaf,
    RecordSeries,
    RecordsRequest,
    RequestKind,
    RequestStatus,
)
from archive.retention import BATCH, SERIES, Series, series_records
from archive.services import Actor, events_erase
from archive.signals import records_restricted
from archive.transitions import request_move
from govsocial.errors import Conflict, GovsocialError

ERASURE_ANSWERED = "records.erasure_answered"
RESTRICTION_APPLIED = "records.restriction_applied"
RESTRICTION_LIFTED = "records.restriction_lifted"
OBJECTION_REFUSED = "records.objection_refused"
# The requests whose answer may be to stop processing the person's data.
_STOPPING = (RequestKind.RESTRICTION, RequestKind.OBJECTION)


@dataclass(frozen=True)
class SeriesFound:
    """What a request's searches find in one series: records still holding their
    content, of which ``held`` under a legal hold; ``erased`` once carried out."""

    series: Series
    found: int
    held: int
    erased: int = 0

    @property
    def exemption(self) -> str:
        """Why the law keeps this series' records from erasure ("" when it does not)."""
        return str(self.series.exempt_from_erasure or "")

    @property
    def to_erase(self) -> int:
        return 0 if self.exemption else self.found - self.held

    def as_record(self) -> dict[str, Any]:
        return {
            "series": self.series.code.value,
            "found": self.found,
            "held": self.held,
            "erased": self.erased,
            "exemption": self.exemption,
        }


def _found(request: RecordsRequest) -> QuerySet[ArchiveEvent]:
    """Return the records the request's saved searches find that still hold their
    content, placed in the log."""
    from archive.forms import saved_searches_found

    searches = list(request.searches.all())
    if not searches:
        raise GovsocialError(
            _("Save a search on the request first: it finds the person's records.")
        )
    found = saved_searches_found(
        ((search.name, search.criteria) for search in searches), ZoneInfo(request.agency.time_zone)
    )
    placed = ArchiveLeaf.objects.filter(event_id=OuterRef("pk"))
    return ArchiveEvent.objects.filter(found).exclude(salt="").filter(Exists(placed))


def _locked(request: RecordsRequest, *, open_only: bool) -> RecordsRequest:
    """Return the request locked for the caller's transaction; refused when it must be
    open and is not."""
    locked = (
        RecordsRequest.objects.select_for_update(of=("self",))
        .select_related("agency")
        .get(pk=request.pk)
    )
    if open_only and locked.status != RequestStatus.OPEN:
        raise Conflict(_("The request is answered or withdrawn: open it again first."))
    return locked


def _in_series(found: QuerySet[ArchiveEvent], series: Series) -> QuerySet[ArchiveEvent]:
    return series_records(series.code).filter(pk__in=found.values("pk"))


def erasure_review(*, request: RecordsRequest) -> list[SeriesFound]:
    """Count, by series, the records the request's searches find, with what the law
    exempts and what a legal hold keeps."""
    return _review(_found(request), ZoneInfo(request.agency.time_zone))


def _review(found: QuerySet[ArchiveEvent], zone: ZoneInfo) -> list[SeriesFound]:
    review = []
    for series in SERIES.values():
        in_series = _in_series(found, series)
        count = in_series.count()
        if count:
            review.append(SeriesFound(series, count, held_among(in_series, zone).count()))
    return review


def erasure_carry_out(*, request: RecordsRequest, actor: Actor) -> list[SeriesFound]:
    """Erase what the erasure request's searches find, but for exempt series and what a
    legal hold keeps; answer the request, recording what was erased and what was
    refused and why. Return the outcome by series."""
    if request.kind != RequestKind.ERASURE:
        raise GovsocialError(_("Only a request to erase personal data erases records."))
    with transaction.atomic():
        request = _locked(request, open_only=True)
        holds_lock(request.agency_id, shared=True)
        zone = ZoneInfo(request.agency.time_zone)
        found = _found(request)
        reason = _("Erasure of personal data (GDPR Art. 17), request %(number)s.") % {
            "number": request.number
        }
        outcome = []
        for row in _review(found, zone):
            erased = 0
            if not row.exemption:
                in_series = _in_series(found, row.series)
                free = in_series.exclude(pk__in=held_among(in_series, zone).values("pk"))
                ids = list(free.order_by("id").values_list("pk", flat=True))
                for start in range(0, len(ids), BATCH):
                    erased += len(
                        events_erase(
                            agency=request.agency,
                            event_ids=ids[start : start + BATCH],
                            actor=actor,
                            reason=reason,
                            data={"request": request.number},
                        )
                    )
            outcome.append(SeriesFound(row.series, row.found, row.held, erased))
        archive.record(
            agency=request.agency,
            actor=actor,
            verb=ERASURE_ANSWERED,
            obj=request,
            data={"number": request.number, "series": [row.as_record() for row in outcome]},
        )
        request_move(request_id=request.pk, status=RequestStatus.ANSWERED)
    return outcome


def erasure_outcome(*, request: RecordsRequest) -> list[SeriesFound] | None:
    """Return what carrying out the erasure request did, by series, as it was recorded;
    None before it was."""
    answered = (
        ArchiveEvent.objects.filter(
            verb=ERASURE_ANSWERED, object_type=RecordsRequest._meta.label_lower,
            object_id=str(request.pk),
        )
        .order_by("-id")
        .values_list("data", flat=True)
        .first()
    )  # fmt: skip
    if answered is None:
        return None
    return [
        SeriesFound(SERIES[RecordSeries(row["series"])], row["found"], row["held"], row["erased"])
        for row in answered.get("series", [])
    ]


def erasure_shown(*, request: RecordsRequest) -> tuple[list[SeriesFound], bool] | None:
    """Return what a request's page shows of its erasure: what was done (True) once it
    was carried out, or else what carrying it out would do (False); None for another
    kind of request, or before a search is saved on it."""
    if request.kind != RequestKind.ERASURE:
        return None
    outcome = erasure_outcome(request=request)
    if outcome is not None:
        return outcome, True
    if not request.searches.exists():
        return None
    return erasure_review(request=request), False


def _about(request: RecordsRequest) -> list[tuple[str, str]]:
    """Return what the request's records are about: (object type, object id) pairs."""
    return sorted(
        set(
            _found(request)
            .exclude(object_type="")
            .values_list("object_type", "object_id")
            .distinct()
        )
    )


def _restrict(request: RecordsRequest, objects: list[tuple[str, str]], *, lifted: bool) -> int:
    answers = records_restricted.send(
        sender=RecordsRequest,
        agency_id=request.agency_id,
        objects=objects,
        under=request.number,
        lifted=lifted,
    )
    # Each app that keeps copies answers how many of its things changed.
    changed = 0
    for _receiver, answer in answers:
        changed += answer if isinstance(answer, int) else 0
    return changed


def restriction_standing(*, request: RecordsRequest) -> bool | None:
    """Whether the restriction (or upheld objection) of the request stands (None: a
    request of another kind)."""
    if request.kind not in _STOPPING:
        return None
    last = (
        ArchiveEvent.objects.filter(
            verb__in=[RESTRICTION_APPLIED, RESTRICTION_LIFTED],
            object_type=RecordsRequest._meta.label_lower,
            object_id=str(request.pk),
        )
        .order_by("-id")
        .values_list("verb", flat=True)
        .first()
    )
    return last == RESTRICTION_APPLIED


def restriction_apply(*, request: RecordsRequest, actor: Actor) -> int:
    """Restrict the processing of what the request's searches find — a restriction
    request, or an objection upheld — and answer the request; recorded. Return how many
    things were restricted."""
    if request.kind not in _STOPPING:
        raise GovsocialError(_("Only a request to restrict processing, or an objection, stops it."))
    with transaction.atomic():
        request = _locked(request, open_only=True)
        restricted = _restrict(request, _about(request), lifted=False)
        archive.record(
            agency=request.agency,
            actor=actor,
            verb=RESTRICTION_APPLIED,
            obj=request,
            data={"number": request.number, "restricted": restricted},
        )
        request_move(request_id=request.pk, status=RequestStatus.ANSWERED)
    return restricted


def restriction_lift(*, request: RecordsRequest, actor: Actor, reason: str) -> int:
    """Lift the restriction request's restriction, for ``reason``; recorded. Return how
    many things are used again."""
    reason = reason.strip()
    if not reason:
        raise GovsocialError(
            _("Say why the restriction is lifted: it is recorded."), field="reason"
        )
    with transaction.atomic():
        request = _locked(request, open_only=False)
        if not restriction_standing(request=request):
            raise Conflict(_("No restriction of this request stands."))
        lifted = _restrict(request, [], lifted=True)
        archive.record(
            agency=request.agency,
            actor=actor,
            verb=RESTRICTION_LIFTED,
            obj=request,
            data={"number": request.number, "lifted": lifted, "reason": reason},
        )
    return lifted


def objection_refuse(*, request: RecordsRequest, actor: Actor, grounds: str) -> None:
    """Refuse an objection to processing, for the compelling legitimate grounds that
    override the person's interests, or for legal claims (GDPR Art. 21(1)); answer the
    request; recorded."""
    grounds = grounds.strip()
    if not grounds:
        raise GovsocialError(
            _("Give the compelling legitimate grounds: they are recorded."), field="grounds"
        )
    if request.kind != RequestKind.OBJECTION:
        raise GovsocialError(_("Only an objection is refused so."))
    with transaction.atomic():
        request = _locked(request, open_only=True)
        archive.record(
            agency=request.agency,
            actor=actor,
            verb=OBJECTION_REFUSED,
            obj=request,
            data={"number": request.number, "grounds": grounds[:4000]},
        )
        request_move(request_id=request.pk, status=RequestStatus.ANSWERED)


def objection_refused(*, request: RecordsRequest) -> str | None:
    """Return the grounds an objection was refused for ("" while it is not; None for
    another kind of request)."""
    if request.kind != RequestKind.OBJECTION:
        return None
    refused = (
        ArchiveEvent.objects.filter(
            verb=OBJECTION_REFUSED,
            object_type=RecordsRequest._meta.label_lower,
            object_id=str(request.pk),
        )
        .order_by("-id")
        .values_list("data", flat=True)
        .first()
    )
    return str((refused or {}).get("grounds", ""))
