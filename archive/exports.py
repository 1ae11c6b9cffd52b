"""Export packages: what a records request's saved searches find, built in the background
into a ZIP in BagIt layout that anyone can check offline (``archive.package_check``),
downloadable by the agency's records officers for a limited time.

A package holds, under ``data/``: the signed head its events are proven against
(``head.json``, signed when the build starts), every matching event in the log's order
with its content and its inclusion proof (``events.jsonl``), the same as a table
(``events.csv``), the documents and media the events kept (``documents.jsonl``,
``media/``) — all written by ``archive.package_records`` — and pages a person reads
(``pages/``, ``archive.rendition``). Once the payload
is written, the build is itself recorded with the manifest's SHA-256, the log is signed
again, and the proof of that record goes in ``package-proof.json``: the deployment's log
vouches for every byte of the payload. The verifier travels in the package.

Rows and files are streamed, a chunk at a time, never held all at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import storages
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import archive
from archive import package_check, package_records, rendition, signing
from archive.bag import BagWriter
from archive.entries import utc_text
from archive.errors import ArchiveError
from archive.models import (
    ArchiveEvent,
    ArchiveHead,
    ArchiveLeaf,
    ExportPackage,
    PackageStatus,
    RecordsRequest,
    RequestKind,
    RequestStatus,
    package_name,
)
from archive.redaction import Release, redactions_recorded
from archive.selectors import consistency_document, head_document, inclusion_document
from archive.services import SYSTEM, Actor, earlier_transactions_wait, head_sign
from archive.transitions import package_move
from archive.verification import joined_in_one_pass
from govsocial.errors import Conflict, GovsocialError
from notifications.models import Kind
from notifications.services import notify

logger = logging.getLogger("govsocial.archive")

PACKAGE_REQUESTED = "records.package_requested"
PACKAGE_BUILT = package_check.PACKAGE_BUILT
PACKAGE_FAILED = "records.package_failed"
PACKAGE_DOWNLOADED = "records.package_downloaded"
PACKAGE_EXPIRED = "records.package_expired"
PACKAGE_WITHDRAWN = "records.package_withdrawn"
# What a released copy lists of its redactions.
REDACTIONS = "data/redactions.json"
# How many times a build is taken up again after its worker was lost, or started again
# after an erasure outdated it.
ATTEMPTS = 3
# The states of a package not built yet.
_UNFINISHED = (PackageStatus.QUEUED, PackageStatus.BUILDING)
# How long a package waits for a worker before it is sent to the workers again: the
# broker may have lost its task (restarted before writing it down); a worker given both
# builds it once (``package_build`` claims it).
_SENT_AGAIN_AFTER = timedelta(minutes=10)
# How long a build waits for transactions begun before it to end (the log places their
# events only then).
_PLACED_WITHIN = 600.0
# The files of the verifier that travels in each package, from this app's own folder.
_VERIFIER = ("merkle.py", "entries.py", "rfc3161.py", "proofs.py", "package_check.py")
_VERIFY = '''"""Check this records package: python verify.py PACKAGE.zip (or this folder).

Needs Python 3.11 or later and the cryptography package; see README.txt."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "verifier"))

from archive.package_check import main  # noqa: E402

sys.exit(main())
'''


def package_start(
    *,
    request: RecordsRequest,
    actor: Actor,
    person: Any,
    time_zone: str,
    language: str,
    released: bool = False,
) -> ExportPackage:
    """Ask for a package of what ``request``'s saved searches find (their days read in
    ``time_zone``, the pages written in ``language``), built in the background; recorded.
    A ``released`` copy leaves out what the request's redactions keep out
    (``archive.redaction``). One package of a request is built at a time."""
    with transaction.atomic():
        request = RecordsRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == RequestStatus.WITHDRAWN:
            raise Conflict(_("The request was withdrawn: open it again to export for it."))
        searches = list(request.searches.order_by("saved_at", "id").values("name", "criteria"))
        if not searches:
            raise GovsocialError(
                _("Save a search on the request first: a package holds what its searches find.")
            )
        if request.packages.filter(status__in=_UNFINISHED).exists():
            raise Conflict(_("A package of this request is being built already."))
        package: ExportPackage = ExportPackage.objects.create(
            agency=request.agency,
            request=request,
            searches=searches,
            time_zone=time_zone,
            language=language,
            requested_by=person,
            released=released,
            redactions=redactions_recorded(request) if released else [],
        )
        _record(
            package,
            actor,
            PACKAGE_REQUESTED,
            searches=searches,
            released=released,
            redactions=len(package.redactions),
        )
        _dispatch(package)
    return package


def _record(package: ExportPackage, actor: Actor, verb: str, **data: Any) -> ArchiveEvent:
    """Record what happened to a package, about its request (whose history shows it)."""
    return archive.record(
        agency=package.agency,
        actor=actor,
        verb=verb,
        obj=package.request,
        data={"number": package.request.number, "package": package.pk, **data},
    )


def _dispatch(package: ExportPackage) -> None:
    from archive.tasks import package_build_agency

    agency_id, package_id = package.agency_id, package.pk
    transaction.on_commit(
        lambda: package_build_agency.delay(agency_id=agency_id, package_id=package_id)
    )


def package_progress(package: ExportPackage) -> int | None:
    """Return how far the package's build is, in percent, while it is being built."""
    if package.status != PackageStatus.BUILDING:
        return None
    done = cache.get(_progress_key(package.pk))
    return int(done) if done is not None else 0


def _progress_key(package_id: int) -> str:
    return f"archive:package:{package_id}:progress"


@dataclass
class _Progress:
    """The build's progress, told to the page through the cache."""

    package_id: int
    total: int
    done: int = 0
    told: int = -1

    def add(self, count: int) -> None:
        self.done += count
        percent = min(99, self.done * 100 // max(self.total, 1))
        if percent != self.told:
            cache.set(_progress_key(self.package_id), percent, timeout=24 * 60 * 60)
            self.told = percent


def package_build(*, package_id: int) -> ExportPackage | None:
    """Build the bound agency's package if it waits and this worker claims it; tell
    the person who asked for it when it is ready or has failed. Safe to run twice: the
    second finds it claimed."""
    if connection.in_atomic_block:
        raise ArchiveError("a package is built outside a transaction")
    claimed = package_move(
        package_id=package_id,
        status=PackageStatus.BUILDING,
        when=[PackageStatus.QUEUED],
        started_at=Now(),
        attempts=F("attempts") + 1,
        # What it reads from now on is read after any erasure that marked it.
        outdated=False,
    )
    if not claimed:
        return None
    package = ExportPackage.objects.select_related("request", "requested_by").get(pk=package_id)
    try:
        with translation.override(package.language):
            for _round in range(ATTEMPTS):
                if _build(package):
                    break
            else:
                raise ArchiveError(
                    _("Records it held were erased while it was being built, %(count)d times: "
                      "ask for it again.") % {"count": ATTEMPTS}
                )  # fmt: skip
    except Exception as error:
        # Whatever stopped it, the person who asked is told, and may ask again.
        logger.exception("records package %s failed", package.pk)
        _failed(package, str(error) or error.__class__.__name__)
    package.refresh_from_db()
    if package.status == PackageStatus.READY and package.request.kind == RequestKind.ARCHIVER_COPY:
        # Imported here: the monthly copies start packages.
        from archive.archiver import copy_deliver

        copy_deliver(package=package)
    _tell(package)
    return package


def _failed(package: ExportPackage, reason: str) -> None:
    with transaction.atomic():
        moved = package_move(
            package_id=package.pk,
            status=PackageStatus.FAILED,
            when=[PackageStatus.BUILDING, PackageStatus.QUEUED],
            finished_at=Now(),
            failure=reason[:2000],
        )
        if moved:
            _record(package, SYSTEM, PACKAGE_FAILED, reason=reason)


def _tell(package: ExportPackage) -> None:
    """Tell the person who asked for the package that it is ready, or why not."""
    if package.status not in (PackageStatus.READY, PackageStatus.FAILED):
        return
    link = settings.SITE_URL + reverse(
        "records_request",
        kwargs={"agency_slug": package.agency.slug, "request_id": package.request_id},
    )
    with translation.override(package.language):
        ready = package.status == PackageStatus.READY
        subject = (
            _("The records package of request %(number)s is ready")
            if ready
            else _("The records package of request %(number)s could not be built")
        ) % {"number": package.request.number}
        body = render_to_string(
            "emails/records_package.txt",
            {"package": package, "ready": ready, "link": link, "reason": package.failure,
             "expires": _local(package, package.expires_at)},
        )  # fmt: skip
    notify(user=package.requested_by, kind=Kind.RECORDS, subject=subject, body=body, link=link)


def _local(package: ExportPackage, moment: Any) -> str:
    if moment is None:
        return ""
    return f"{moment.astimezone(ZoneInfo(package.time_zone)):%Y-%m-%d %H:%M} ({package.time_zone})"


def _build(package: ExportPackage) -> bool:
    """Write the package, keep it in the packages' storage, and mark it ready; return
    False, leaving it to be built again, when an erasure marked it outdated meanwhile."""
    agency_id = package.agency_id
    head = _head_of_all_committed(agency_id)
    ExportPackage.objects.filter(pk=package.pk).update(head=head)
    chosen, params = package_chosen(package, head)
    with tempfile.TemporaryFile() as file, tempfile.TemporaryDirectory() as waiting:
        bag = BagWriter(file, root=package.file_name.removesuffix(".zip"))
        release = Release(package.redactions, Path(waiting)) if package.released else None
        with transaction.atomic():
            total = _count(chosen, params)
            progress = _Progress(package.pk, total * 2)
            if release is not None:
                for documents in (False, True):
                    kept = package_records.kept_contents(
                        chosen, params, agency_id, documents=documents
                    )
                    release.contents_prepare(kept, agency_id)
            bag.add("data/head.json", _pretty(head_document(head)))
            request = _request_document(package)
            if release is not None:
                request = release.value(request, set())
            bag.add("data/request.json", _pretty(request))
            package_records.events_write(bag, chosen, params, head, progress.add, release)
            rendition.pages_write(
                bag,
                chosen=chosen,
                params=params,
                package=package,
                progress=progress.add,
                release=release,
            )
            package_records.contents_write(bag, chosen, params, agency_id, release)
        if release is not None:
            bag.add(REDACTIONS, _pretty(release.listed()))
        manifest = bag.manifest_close()
        bag.add(package_check.PACKAGE_PROOF, _pretty(_recorded(package, manifest, total, head)))
        bag.add(package_check.PUBLIC_KEY, f"{_current_key()}\n".encode())
        bag.add("README.txt", rendition.readme(package, head).encode("utf-8"))
        bag.add("verify.py", _VERIFY.encode("utf-8"))
        bag.add("verifier/archive/__init__.py", b"")
        folder = Path(__file__).resolve().parent
        for name in _VERIFIER:
            bag.add(f"verifier/archive/{name}", (folder / name).read_bytes())
        bag.close(_bag_info(package, head, total))
        size, digest = _stored(file, package)
    with transaction.atomic():
        # Locked first: an erasure committing now marks it outdated before it is ready,
        # or finds it ready and withdraws it (``packages_withdraw``).
        locked = ExportPackage.objects.select_for_update().only("outdated").get(pk=package.pk)
        if locked.outdated:
            ExportPackage.objects.filter(pk=package.pk).update(outdated=False)
            return False
        package_move(
            package_id=package.pk,
            status=PackageStatus.READY,
            when=[PackageStatus.BUILDING],
            finished_at=Now(),
            expires_at=timezone.now() + timedelta(days=settings.ARCHIVE_PACKAGE_DAYS),
            events=total,
            size=size,
            sha256=digest,
        )
    return True


def _head_of_all_committed(agency_id: int) -> ArchiveHead:
    """Sign the bound agency's log once it holds every event committed before now."""
    earlier_transactions_wait(within=_PLACED_WITHIN)
    with transaction.atomic():
        return head_sign(agency_id=agency_id)


def package_chosen(package: ExportPackage, head: ArchiveHead) -> tuple[str, list[Any]]:
    """Return the FROM and WHERE (and their parameters) of the bound agency's events one
    of the package's searches finds that ``head`` holds: each as ``e``, its leaf as
    ``l``.

    Statements that read it are planned ``joined_in_one_pass``: planned with loops on
    a new agency's log, the events found by an ``id IN`` of ``id IN``s were loops over
    all its events for each event, and each event's leaf was found by reading all the
    agency's leaves: minutes for a few hundred."""
    matching, params = _matching(package)
    chosen = (
        # Built of the module's own SQL, the searches' through their parameters.
        f"FROM ({matching}) AS e"  # nosec B608
        " JOIN archive_archiveleaf AS l ON l.event_id = e.id"
        " WHERE l.position < %s"
    )
    return chosen, [*params, head.size]


def _matching(package: ExportPackage) -> tuple[str, list[Any]]:
    """Return the SQL (and its parameters) of the bound agency's events one of the
    package's searches finds, every column of each."""
    from archive.forms import saved_searches_found

    searches = ((search["name"], search["criteria"]) for search in package.searches)
    found = saved_searches_found(searches, ZoneInfo(package.time_zone))
    sql, params = ArchiveEvent.objects.filter(found).order_by().query.sql_with_params()
    return sql, list(params)


def _count(chosen: str, params: list[Any]) -> int:
    with joined_in_one_pass(), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {chosen}", params)  # nosec B608
        return int(cursor.fetchone()[0])


def _recorded(
    package: ExportPackage, manifest: str, events: int, head: ArchiveHead
) -> dict[str, Any]:
    """Record the package as built, naming its manifest; sign the log once that record
    has its place; return the proof of the record in that head, and that the head
    extends ``head``."""
    with transaction.atomic():
        event = _record(
            package, SYSTEM, PACKAGE_BUILT, events=events, head_size=head.size, manifest=manifest
        )
    closing = _head_of_all_committed(package.agency_id)
    return {
        "inclusion": inclusion_document(event=event, head=closing),
        "consistency": consistency_document(first=head, second=closing),
    }


def _current_key() -> str:
    return signing.public_key_text(signing.signing_key().public_key())


def _pretty(document: Any) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _request_document(package: ExportPackage) -> dict[str, Any]:
    request = package.request
    return {
        "number": request.number,
        "kind": request.kind,
        "requester": request.requester,
        "subject": request.subject,
        "received_on": request.received_on.isoformat(),
        "due_on": request.due_on.isoformat(),
        "package": package.pk,
        "released": package.released,
        "searches": package.searches,
        "time_zone": package.time_zone,
    }


def _bag_info(package: ExportPackage, head: ArchiveHead, events: int) -> dict[str, str]:
    return {
        "Source-Organization": str(package.agency),
        "External-Identifier": package.request.number,
        "External-Description": f"{events} archive events found by the request's searches",
        "Bagging-Date": timezone.now().date().isoformat(),
        "Bag-Software-Agent": "govsocial",
        "Govsocial-Log": head.origin,
        "Govsocial-Log-Size": str(head.size),
        "Govsocial-Head-Signed-At": utc_text(head.signed_at),
    }


def _stored(file: IO[bytes], package: ExportPackage) -> tuple[int, str]:
    """Keep the written package in the packages' storage; return its size and SHA-256."""
    file.seek(0)
    hasher = hashlib.sha256()
    while chunk := file.read(1 << 20):
        hasher.update(chunk)
    size = file.tell()
    file.seek(0)
    storage = storages["packages"]
    name = package_name(package.agency_id, package.pk)
    # A build taken up again after its worker was lost replaces what it left.
    storage.delete(name)
    storage.save(name, File(file, name=name))
    return size, hasher.hexdigest()


def package_open(*, package: ExportPackage, actor: Actor) -> IO[bytes]:
    """Open the bound agency's ready package to download, recording the download;
    refuse one not ready or past its time."""
    if package.status != PackageStatus.READY or (
        package.expires_at is not None and package.expires_at <= timezone.now()
    ):
        raise Conflict(
            _("This package cannot be downloaded: it is not ready, or its time is past.")
        )
    with transaction.atomic():
        _record(package, actor, PACKAGE_DOWNLOADED, sha256=package.sha256)
    return storages["packages"].open(package_name(package.agency_id, package.pk))


def packages_tend() -> None:
    """Delete the bound agency's packages past their time (recorded), send again to the
    workers those waiting long for one, and take up again the builds whose worker was
    lost (failed after ``ATTEMPTS``)."""
    now = timezone.now()
    for package in ExportPackage.objects.select_related("request").filter(
        status=PackageStatus.READY, expires_at__lte=now
    ):
        with transaction.atomic():
            if package_move(
                package_id=package.pk, status=PackageStatus.EXPIRED, when=[PackageStatus.READY]
            ):
                _record(package, SYSTEM, PACKAGE_EXPIRED)
        storages["packages"].delete(package_name(package.agency_id, package.pk))
    for package in ExportPackage.objects.filter(
        status=PackageStatus.QUEUED, requested_at__lt=now - _SENT_AGAIN_AFTER
    ):
        _dispatch(package)
    lost = now - timedelta(seconds=settings.ARCHIVE_PACKAGE_LEASE_SECONDS)
    for package in ExportPackage.objects.select_related("request").filter(
        status=PackageStatus.BUILDING, started_at__lt=lost
    ):
        if package.attempts >= ATTEMPTS:
            _failed(package, _("The build was interrupted %(count)d times.") % {"count": ATTEMPTS})
            continue
        with transaction.atomic():
            if package_move(
                package_id=package.pk,
                status=PackageStatus.QUEUED,
                when=[PackageStatus.BUILDING],
                started_at=None,
            ):
                _dispatch(package)


def packages_holding(event_ids: Sequence[int]) -> list[tuple[ExportPackage, set[int] | None]]:
    """Return the bound agency's packages that hold some of ``event_ids`` (found by their
    searches, and placed in the log below their head), each with those it holds — or
    None for one waiting or being built without its head yet, which may hold any;
    asked before the events' content is erased, while their words still find them."""
    from archive.forms import saved_searches_found

    holding: list[tuple[ExportPackage, set[int] | None]] = []
    for package in ExportPackage.objects.select_related("request", "head").filter(
        status__in=[PackageStatus.READY, *_UNFINISHED]
    ):
        if package.head is None:
            holding.append((package, None))
            continue
        placed = ArchiveLeaf.objects.filter(event_id=OuterRef("pk"), position__lt=package.head.size)
        chosen = ArchiveEvent.objects.filter(pk__in=event_ids).filter(Exists(placed))
        searches = ((search["name"], search["criteria"]) for search in package.searches)
        # A search that no longer runs may have found them all.
        with contextlib.suppress(ArchiveError):
            chosen = chosen.filter(saved_searches_found(searches, ZoneInfo(package.time_zone)))
        if held := set(chosen.values_list("pk", flat=True)):
            holding.append((package, held))
    return holding


def packages_withdraw(
    holding: Sequence[tuple[ExportPackage, set[int] | None]],
    *,
    erased: Sequence[int],
    reason: str,
) -> None:
    """In the caller's transaction, of the packages among ``holding`` that may hold
    records whose content was just erased (``erased``): mark outdated those still waiting
    or being built, which are built again before they are ready; withdraw the ready ones
    (recorded, each file deleted once it commits)."""
    storage = storages["packages"]
    for package, held in holding:
        if held is not None and held.isdisjoint(erased):
            continue
        unfinished = ExportPackage.objects.filter(pk=package.pk, status__in=_UNFINISHED)
        if unfinished.update(outdated=True):
            continue
        withdrawn = package_move(
            package_id=package.pk, status=PackageStatus.WITHDRAWN, when=[PackageStatus.READY]
        )
        if withdrawn:
            _record(package, SYSTEM, PACKAGE_WITHDRAWN, reason=reason)
            name = package_name(package.agency_id, package.pk)
            transaction.on_commit(lambda name=name: storage.delete(name))  # type: ignore[misc]


def packages_of(request: RecordsRequest) -> list[tuple[ExportPackage, int | None]]:
    """Return the request's packages, newest first, each with its build's progress."""
    packages = request.packages.select_related("requested_by").order_by("-requested_at", "-id")
    return [(package, package_progress(package)) for package in packages]
