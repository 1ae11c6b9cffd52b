"""Work on the archive in the background, one task per agency: signing each log's head,
having the heads time-stamped, checking each log from its events up, building and
tending records packages, proposing and running dispositions, and making the monthly
copies for outside archivers."""

from __future__ import annotations

import logging

from celery import shared_task

from govsocial.tenancy import each_agency, with_agency_scope

logger = logging.getLogger("govsocial.archive")


@shared_task(acks_late=True)
def logs_verify() -> None:
    """Queue a check of every agency's log."""
    each_agency(log_verify_agency, active_only=False)


@shared_task(acks_late=True)
@with_agency_scope
def log_verify_agency(*, agency_id: int) -> None:
    """Check one agency's log and kept files; raise the alarm in the log when they do
    not hold."""
    from django.db import transaction

    from archive.verification import contents_verify, log_verify

    with transaction.atomic():
        report = log_verify(agency_id=agency_id)
        kept = contents_verify(agency_id=agency_id)
    if not kept.intact:
        logger.critical(
            "archive of agency %s: kept file %s: %s", agency_id, kept.bad_file, kept.problem
        )
    if report.bad_head is not None:
        logger.critical(
            "archive of agency %s does not match its head signed at %s: %s",
            agency_id,
            report.bad_head.signed_at,
            report.problem,
        )
    elif not report.intact:
        logger.critical(
            "archive of agency %s is damaged at position %s: %s",
            agency_id,
            report.bad_position,
            report.problem,
        )


@shared_task(acks_late=True)
def heads_sign() -> None:
    """Queue the signing of every agency's head."""
    each_agency(head_sign_agency, active_only=False)


@shared_task(acks_late=True)
@with_agency_scope
def head_sign_agency(*, agency_id: int) -> None:
    """Sign one agency's head if its log grew since the last. Safe to run twice: the
    second finds the log the same size as its head and signs nothing."""
    from django.db import transaction

    from archive.services import head_sign_when_grown

    with transaction.atomic():
        head_sign_when_grown(agency_id=agency_id)


@shared_task(acks_late=True)
def heads_timestamp() -> None:
    """Queue, when an authority is configured, the stamping of every agency's heads
    that it has not stamped yet (those it could not stamp when they were signed)."""
    from archive import timestamps

    if timestamps.configured():
        each_agency(heads_timestamp_agency, active_only=False)


@shared_task(acks_late=True)
@with_agency_scope
def heads_timestamp_agency(*, agency_id: int) -> None:
    """Have one agency's unstamped heads stamped; when the authority cannot, say so in
    the log and leave them for the next run. Nothing when no authority is configured
    (any longer)."""
    from archive import timestamps
    from archive.errors import ArchiveError
    from archive.services import heads_timestamp

    if not timestamps.configured():
        return
    try:
        heads_timestamp()
    except ArchiveError as error:
        logger.warning("heads of agency %s not time-stamped: %s", agency_id, error)


@shared_task(acks_late=True)
@with_agency_scope
def package_build_agency(*, agency_id: int, package_id: int) -> None:
    """Build one records package. Safe to run twice: the service claims it first."""
    from archive.exports import package_build

    package_build(package_id=package_id)


@shared_task(acks_late=True)
def packages_tend() -> None:
    """Queue, for every agency, the deletion of packages past their time and the
    taking up again of builds whose worker was lost."""
    each_agency(packages_tend_agency, active_only=False)


@shared_task(acks_late=True)
@with_agency_scope
def packages_tend_agency(*, agency_id: int) -> None:
    """Tend one agency's records packages."""
    from archive.exports import packages_tend as tend

    tend()


@shared_task(acks_late=True)
def dispositions_propose() -> None:
    """Queue, for every agency, the proposal of the dispositions its schedules make due."""
    each_agency(dispositions_propose_agency, active_only=False)


@shared_task(acks_late=True)
@with_agency_scope
def dispositions_propose_agency(*, agency_id: int) -> None:
    """Propose one agency's due dispositions, for its records officers to review."""
    from archive.retention import dispositions_propose as propose

    propose(agency_id=agency_id)


@shared_task(acks_late=True)
@with_agency_scope
def disposition_run_agency(*, agency_id: int, disposition_id: int) -> None:
    """Run one approved disposition. Safe to run twice."""
    from archive.retention import disposition_run

    disposition_run(disposition_id=disposition_id)


@shared_task(acks_late=True)
def dispositions_tend() -> None:
    """Queue, for every agency, the taking up again of runs whose worker was lost and
    of erased files left behind."""
    each_agency(dispositions_tend_agency, active_only=False)


@shared_task(acks_late=True)
@with_agency_scope
def dispositions_tend_agency(*, agency_id: int) -> None:
    """Take up one agency's stalled dispositions again, and delete the files of content
    erased in the last day that a stopped worker left."""
    from datetime import timedelta

    from archive.retention import dispositions_tend as tend
    from archive.services import erased_files_tend

    tend()
    erased_files_tend(agency_id=agency_id, within=timedelta(days=1))


@shared_task(acks_late=True)
def archiver_copies_make() -> None:
    """Queue, for every agency, last month's copy for its outside archiver."""
    each_agency(archiver_copies_make_agency, active_only=False)


@shared_task(acks_late=True)
@with_agency_scope
def archiver_copies_make_agency(*, agency_id: int) -> None:
    """Open one agency's copy of last month for its outside archiver, once."""
    from django.apps import apps

    from archive.archiver import copies_make

    copies_make(agency=apps.get_model("accounts", "Agency").objects.get(pk=agency_id))
