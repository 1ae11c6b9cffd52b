"""Retention schedules and disposition: how long each series of the archive's records is
kept, and the disposal of those whose time is up.

Every record belongs to one series (``series_of``), found from its action alone. Each
series is kept for a number of days after each record, or for good, by default as
``SERIES`` says (common practice for public bodies) and as the agency's admin changes
it. Citizens' messages that were answered or moderated are kept as long as the replies
and moderation (the series ``INBOX_WORK``); the archive's own records (requests, holds,
erasures, dispositions) are never disposed of.

Once a day each agency's series with a schedule are looked at: where records are due, a
disposition is proposed, counting what is due and what a legal hold keeps. A records
officer reviews it and runs it, or cancels it with a reason. Running erases the content
of the due records from the log a batch at a time (their facts, leaves and every proof
stay; each erasure is recorded, naming the disposition), leaves alone whatever a
standing legal hold finds at that moment, and ends with a certificate of disposition —
the series, the schedule, how many records, from when to when, which, who reviewed it —
signed with the archive's key and kept whole in the archive, its hash recorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import archive
from archive import signing
from archive.entries import canonical, utc_text
from archive.holds import held_among, holds_lock
from archive.models import (
    ArchiveEvent,
    ArchiveLeaf,
    Disposition,
    DispositionState,
    RecordSeries,
    RetentionSchedule,
)
from archive.services import CONTENT_ERASED, SYSTEM, Actor, events_erase
from archive.transitions import disposition_move
from govsocial.errors import Conflict, GovsocialError
from notifications.models import Kind
from notifications.services import notify

logger = logging.getLogger("govsocial.archive")

SCHEDULE_CHANGED = "records.schedule_changed"
DISPOSITION_PROPOSED = "records.disposition_proposed"
DISPOSITION_APPROVED = "records.disposition_approved"
DISPOSITION_CANCELLED = "records.disposition_cancelled"
DISPOSITION_DONE = "records.disposition_done"
# How many records one transaction of a run erases.
BATCH = 500
# A run that has not gone forward for this long lost its worker: it is taken up again.
STALLED_AFTER = timedelta(minutes=10)
# The longest schedule an admin may set, in days (a hundred years).
LONGEST_DAYS = 36_500


# The lawful basis of most series.
_PUBLIC_TASK = gettext_lazy(
    "Public task (GDPR Art. 6(1)(e)): the agency's dealings with the public."
)


@dataclass(frozen=True)
class Series:
    """A series of records: its default time kept (None: for good), where the default
    comes from, why a person's request to erase its records is refused (None: they are
    erased), the series whose schedule it follows instead of its own, and the lawful
    basis of its processing."""

    code: RecordSeries
    default_days: int | None
    basis: Any
    exempt_from_erasure: Any
    follows: RecordSeries | None = None
    legal_basis: Any = _PUBLIC_TASK


SERIES = {
    series.code: series
    for series in (
        Series(
            RecordSeries.PUBLISHED,
            None,
            gettext_lazy("Kept for good: what the agency published is a permanent record."),
            gettext_lazy(
                "GDPR Art. 17(3)(b) and (d): what the agency published in its public task is "
                "kept as a record in the public interest."
            ),
        ),
        Series(
            RecordSeries.CITIZENS_ROUTINE,
            90,
            gettext_lazy(
                "Routine comments that needed no action: 90 days after capture, as in NARA "
                "General Records Schedule 6.4, item 020."
            ),
            None,
        ),
        Series(
            RecordSeries.CITIZENS_ANSWERED,
            None,
            gettext_lazy("Kept as long as the replies and moderation that answered them."),
            None,
            follows=RecordSeries.INBOX_WORK,
        ),
        Series(
            RecordSeries.INBOX_WORK,
            None,
            gettext_lazy("Kept for good by default: the agency's answers to the public."),
            gettext_lazy(
                "GDPR Art. 17(3)(b): the agency's answers and moderation are records of its "
                "public task."
            ),
        ),
        Series(
            RecordSeries.ACTIVITY,
            None,
            gettext_lazy(
                "Kept for good by default; system access records may go when no longer "
                "needed (NARA General Records Schedule 3.2)."
            ),
            gettext_lazy(
                "GDPR Art. 17(3)(b) and (e): records of access and administration the agency "
                "keeps under a legal obligation and for legal claims."
            ),
            legal_basis=gettext_lazy(
                "Legal obligation and public task (GDPR Art. 6(1)(c) and (e)): the security "
                "and accountability of the service."
            ),
        ),
    )
}

# What citizens said, and the inbox item it is about.
_CITIZENS_SAID = (
    "inbox.item_received",
    "inbox.item_edited",
    "inbox.item_deleted_on_network",
    "inbox.media_kept",
    "inbox.media_failed",
)
_ITEM = "inbox.inboxitem"
# What the agency did about an item that makes it more than routine.
_MODERATED = ("inbox.item_hidden", "inbox.item_shown", "inbox.item_deleted")
# How the agency set up its inbox: administration, not work on messages.
_INBOX_SETUP = (
    "inbox.coverage_set",
    "inbox.policy_clause_",
    "inbox.routing_rule_",
    "inbox.saved_reply_",
)
_PUBLISHED = ("post.", "target.", "approval.", "emergency.", "media.")
# The archive's record of itself, never disposed of.
_NEVER = ("records.", "archive.")


def _starting(prefixes: tuple[str, ...]) -> Q:
    found = Q(pk__in=[])
    for prefix in prefixes:
        found |= Q(verb__startswith=prefix)
    return found


def _answered_items() -> Q:
    """Inbox items the agency replied to or moderated."""
    replied = ArchiveEvent.objects.filter(verb="inbox.reply_written").values(item=KT("data__item"))
    moderated = ArchiveEvent.objects.filter(verb__in=_MODERATED, object_type=_ITEM)
    return Q(object_id__in=replied) | Q(object_id__in=moderated.values("object_id"))


def series_records(series: RecordSeries) -> QuerySet[ArchiveEvent]:
    """Return the bound agency's records of ``series``."""
    said = Q(verb__in=_CITIZENS_SAID, object_type=_ITEM)
    work = _starting(("inbox.",)) & ~Q(verb__in=_CITIZENS_SAID) & ~_starting(_INBOX_SETUP)
    found = {
        RecordSeries.PUBLISHED: _starting(_PUBLISHED),
        RecordSeries.CITIZENS_ROUTINE: said & ~_answered_items(),
        RecordSeries.CITIZENS_ANSWERED: said & _answered_items(),
        RecordSeries.INBOX_WORK: work,
        RecordSeries.ACTIVITY: ~_starting((*_PUBLISHED, "inbox.", *_NEVER))
        | _starting(_INBOX_SETUP),
    }[series]
    return ArchiveEvent.objects.filter(found)


@dataclass(frozen=True)
class Schedule:
    """A series' schedule as it stands for the bound agency."""

    series: Series
    keep_days: int | None
    changed: RetentionSchedule | None

    @property
    def code(self) -> str:
        return self.series.code.value

    @property
    def label(self) -> str:
        return str(self.series.code.label)

    @property
    def follows(self) -> RecordSeries | None:
        return self.series.follows


def schedules() -> list[Schedule]:
    """Return every series' schedule for the bound agency, in the order of ``SERIES``."""
    changed = {row.series: row for row in RetentionSchedule.objects.select_related("changed_by")}

    def days(series: Series) -> int | None:
        if series.follows is not None:
            return days(SERIES[series.follows])
        row = changed.get(series.code)
        return row.keep_days if row is not None else series.default_days

    return [Schedule(series, days(series), changed.get(series.code)) for series in SERIES.values()]


def schedule_set(
    *, agency: Any, actor: Actor, person: Any, series: str, keep_days: int | None
) -> Schedule:
    """Keep ``series``' records ``keep_days`` after each (None: for good); recorded."""
    if series not in SERIES:
        raise GovsocialError(_("There is no such series of records."), field="series")
    if SERIES[RecordSeries(series)].follows is not None:
        raise GovsocialError(
            _("This series is kept as long as the series it follows: change that one."),
            field="series",
        )
    if keep_days is not None and not 1 <= keep_days <= LONGEST_DAYS:
        raise GovsocialError(
            _("Keep records from 1 to %(most)s days, or for good.") % {"most": LONGEST_DAYS},
            field="keep_days",
        )
    with transaction.atomic():
        before = _by_code()[series].keep_days
        row, _created = RetentionSchedule.objects.update_or_create(
            agency=agency,
            series=series,
            defaults={"keep_days": keep_days, "changed_by": person, "changed_at": timezone.now()},
        )
        archive.record(
            agency=agency,
            actor=actor,
            verb=SCHEDULE_CHANGED,
            obj=row,
            data={"series": series, "from_days": before, "to_days": keep_days},
        )
    return _by_code()[series]


def schedule_of(series: str) -> Schedule | None:
    """Return the bound agency's schedule of ``series``; None when there is no such."""
    return _by_code().get(series)


def _by_code() -> dict[str, Schedule]:
    return {schedule.code: schedule for schedule in schedules()}


def due_records(series: str, before: datetime) -> QuerySet[ArchiveEvent]:
    """Return the bound agency's records of ``series`` from before ``before`` whose content
    is still there, placed in the log."""
    placed = ArchiveLeaf.objects.filter(event_id=OuterRef("pk"))
    return (
        series_records(RecordSeries(series))
        .filter(occurred_at__lt=before)
        .exclude(salt="")
        .filter(Exists(placed))
    )


def _zone(agency: Any) -> ZoneInfo:
    return ZoneInfo(agency.time_zone)


def dispositions_propose(*, agency_id: int) -> list[Disposition]:
    """Propose, for each of the bound agency's series with a schedule and records due,
    a disposition for a records officer to review (one open at a time per series);
    recorded. Return those proposed."""
    agency = apps.get_model("accounts", "Agency").objects.get(pk=agency_id)
    proposed = []
    now = timezone.now()
    for schedule in schedules():
        if schedule.keep_days is None:
            continue
        if Disposition.objects.filter(
            series=schedule.code,
            state__in=[DispositionState.PROPOSED, DispositionState.RUNNING],
        ).exists():
            continue
        before = now - timedelta(days=schedule.keep_days)
        due = due_records(schedule.code, before)
        span = due.aggregate(first=Min("occurred_at"), last=Max("occurred_at"), found=Count("pk"))
        if not span["found"]:
            continue
        try:
            with transaction.atomic():
                disposition: Disposition = Disposition.objects.create(
                    agency=agency,
                    series=schedule.code,
                    keep_days=schedule.keep_days,
                    before=before,
                    found=span["found"],
                    held=held_among(due, _zone(agency)).count(),
                    first_at=span["first"],
                    last_at=span["last"],
                )
                _record(disposition, SYSTEM, DISPOSITION_PROPOSED)
                _tell_officers(disposition)
        except IntegrityError:
            # Another proposer opened one for the series meanwhile (one at a time).
            continue
        proposed.append(disposition)
    return proposed


def _tell_officers(disposition: Disposition) -> None:
    """Tell the agency's records officers that a disposition waits for their review.
    (The archive imports no app: it asks the registry for the agency's members.)"""
    members = apps.get_model("accounts", "Membership").objects.filter(
        agency_id=disposition.agency_id, is_active=True, roles__contains=["records_officer"]
    )
    link = settings.SITE_URL + reverse(
        "records_retention", kwargs={"agency_slug": disposition.agency.slug}
    )
    subject = _("Records are due for disposal: %(series)s") % {
        "series": disposition.get_series_display()
    }
    for member in members.select_related("user").order_by("pk"):
        body = render_to_string(
            "emails/disposition_proposed.txt",
            {"disposition": disposition, "name": member.user.display_name, "link": link},
        )
        notify(user=member.user, kind=Kind.RECORDS, subject=subject, body=body, link=link)


def _facts(disposition: Disposition) -> dict[str, Any]:
    return {
        "series": disposition.series,
        "keep_days": disposition.keep_days,
        "before": utc_text(disposition.before),
        "found": disposition.found,
        "held": disposition.held,
    }


def _record(disposition: Disposition, actor: Actor, verb: str, **data: Any) -> None:
    archive.record(
        agency=disposition.agency, actor=actor, verb=verb, obj=disposition,
        data=_facts(disposition) | data,
    )  # fmt: skip


def disposition_approve(*, disposition: Disposition, actor: Actor, person: Any, note: str) -> None:
    """Approve a proposed disposition after review, and have it run; recorded."""
    with transaction.atomic():
        if not disposition_move(
            disposition_id=disposition.pk,
            state=DispositionState.RUNNING,
            when=[DispositionState.PROPOSED],
            reviewed_by=person,
            reviewed_at=Now(),
            review_note=note.strip(),
            progressed_at=Now(),
        ):
            raise Conflict(_("This disposition was reviewed already."))
        _record(disposition, actor, DISPOSITION_APPROVED, note=note.strip())
        _dispatch(disposition)


def disposition_cancel(*, disposition: Disposition, actor: Actor, person: Any, note: str) -> None:
    """Cancel a proposed disposition, saying why; recorded. The records stay until a
    later disposition of their series."""
    if not note.strip():
        raise GovsocialError(_("Say why it is cancelled: it is recorded."), field="note")
    with transaction.atomic():
        if not disposition_move(
            disposition_id=disposition.pk,
            state=DispositionState.CANCELLED,
            when=[DispositionState.PROPOSED],
            reviewed_by=person,
            reviewed_at=Now(),
            review_note=note.strip(),
        ):
            raise Conflict(_("This disposition was reviewed already."))
        _record(disposition, actor, DISPOSITION_CANCELLED, note=note.strip())


def _dispatch(disposition: Disposition) -> None:
    from archive.tasks import disposition_run_agency

    agency_id, disposition_id = disposition.agency_id, disposition.pk
    transaction.on_commit(
        lambda: disposition_run_agency.delay(agency_id=agency_id, disposition_id=disposition_id)
    )


def disposition_run(*, disposition_id: int) -> Disposition | None:
    """Run an approved disposition of the bound agency to its end: erase its due records
    a batch at a time (each erasure recorded), then make and keep its certificate. Safe
    to run twice (a second run finds nothing left to erase, or the disposition done)."""
    disposition = Disposition.objects.select_related("agency").filter(pk=disposition_id).first()
    if disposition is None or disposition.state != DispositionState.RUNNING:
        return disposition
    while _batch_dispose(disposition):
        pass
    with transaction.atomic():
        disposition = (
            Disposition.objects.select_for_update(of=("self",))
            .select_related("agency", "reviewed_by")
            .get(pk=disposition_id)
        )
        if disposition.state != DispositionState.RUNNING:
            return disposition
        certificate = _certificate(disposition)
        (kept,) = archive.keep_documents(agency=disposition.agency, documents=[certificate])
        disposition_move(
            disposition_id=disposition.pk,
            state=DispositionState.DONE,
            when=[DispositionState.RUNNING],
            done_at=Now(),
            certificate=kept,
        )
        _record(
            disposition,
            SYSTEM,
            DISPOSITION_DONE,
            disposed=certificate["records"],
            kept_under_hold=certificate["kept_under_hold"],
            certificate=kept,
        )
    disposition.refresh_from_db()
    return disposition


def _batch_dispose(disposition: Disposition) -> bool:
    """Erase the next batch of ``disposition``'s due records that no standing hold finds
    (each erasure recorded). Return whether there was one."""
    with transaction.atomic():
        holds_lock(disposition.agency_id, shared=True)
        # One batch at a time, should two workers run it.
        running = Disposition.objects.select_for_update(of=("self",)).filter(
            pk=disposition.pk, state=DispositionState.RUNNING
        )
        if not running.exists():
            return False
        due = due_records(disposition.series, disposition.before)
        free = due.exclude(pk__in=held_among(due, _zone(disposition.agency)).values("pk"))
        batch = list(free.order_by("id").values_list("pk", flat=True)[:BATCH])
        if not batch:
            return False
        reason = _("Disposed of: %(series)s, kept %(days)s days (disposition %(number)s).") % {
            "series": RecordSeries(disposition.series).label,
            "days": disposition.keep_days,
            "number": disposition.pk,
        }
        erased = events_erase(
            agency=disposition.agency,
            event_ids=batch,
            actor=SYSTEM,
            reason=reason,
            data={"disposition": disposition.pk},
        )
        running.update(disposed=F("disposed") + len(erased), progressed_at=Now())
    return True


def _certificate(disposition: Disposition) -> dict[str, Any]:
    """Return the signed certificate of ``disposition``, once run: what it disposed of,
    by the erasures its run recorded."""
    disposed = sorted(
        int(event)
        for event in ArchiveEvent.objects.filter(
            verb=CONTENT_ERASED, data__disposition=disposition.pk
        ).values_list("object_id", flat=True)
    )
    span = ArchiveEvent.objects.filter(pk__in=disposed).aggregate(
        first=Min("occurred_at"), last=Max("occurred_at")
    )
    due = due_records(disposition.series, disposition.before)
    reviewer = disposition.reviewed_by
    body: dict[str, Any] = {
        "certificate": "disposition",
        "agency": {"id": disposition.agency_id, "name": disposition.agency.name},
        "disposition": disposition.pk,
        "series": disposition.series,
        "series_name": str(RecordSeries(disposition.series).label),
        "keep_days": disposition.keep_days,
        "records_from_before": utc_text(disposition.before),
        "records": len(disposed),
        "first_record_at": utc_text(span["first"]) if span["first"] else None,
        "last_record_at": utc_text(span["last"]) if span["last"] else None,
        "events": disposed,
        "kept_under_hold": held_among(due, _zone(disposition.agency)).count(),
        "reviewed_by": reviewer.email if reviewer else None,
        "reviewed_at": utc_text(disposition.reviewed_at) if disposition.reviewed_at else None,
        "review_note": disposition.review_note,
        "completed_at": utc_text(timezone.now()),
    }
    key_id, signature = signing.sign(canonical(body))
    return body | {"signature": {"key_id": key_id, "ed25519": signature}}


def certificate_check(certificate: dict[str, Any]) -> bool:
    """Return whether ``certificate`` is as the deployment's key signed it."""
    signed = certificate.get("signature") or {}
    body = {name: value for name, value in certificate.items() if name != "signature"}
    return signing.signature_valid(
        canonical(body),
        key=signing.public_keys().get(str(signed.get("key_id"))),
        signature=str(signed.get("ed25519", "")),
    )


def dispositions_tend() -> int:
    """Take up again the bound agency's runs whose worker was lost; return how many."""
    stalled = list(
        Disposition.objects.filter(
            state=DispositionState.RUNNING, progressed_at__lt=timezone.now() - STALLED_AFTER
        )
    )
    for disposition in stalled:
        logger.warning("disposition %s stalled: taken up again", disposition.pk)
        Disposition.objects.filter(pk=disposition.pk).update(progressed_at=Now())
        with transaction.atomic():
            _dispatch(disposition)
    return len(stalled)
