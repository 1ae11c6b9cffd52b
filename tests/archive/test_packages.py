"""Export packages: what a request's saved searches find, built in the background into a
BagIt ZIP with every event's proof, the kept documents and media and pages to read;
checked offline by the verifier it carries (and by the bagit library), which names the
file when one byte changes; downloadable for a limited time by records officers, each
download recorded."""

from __future__ import annotations

import base64
import csv
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import bagit
import psycopg
import pytest
from django.core import mail
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import archive
from accounts.models import Agency, Role
from archive import rendition
from archive.exports import (
    package_build,
    package_chosen,
    package_open,
    package_start,
    packages_tend,
)
from archive.models import ArchiveEvent, ExportPackage, PackageStatus, package_name
from archive.package_check import FolderSource, PackageProblem, ZipSource, package_check
from archive.requests import search_save
from archive.services import SYSTEM, NamedActor
from archive.signing import public_key_text, signing_key
from archive.verification import event_columns, joined_in_one_pass
from emulator.tsa import Authority
from govsocial.errors import Conflict, GovsocialError
from govsocial.tenancy import agency_scope
from tests.archive.conftest import all_placed, small_agencies_counted
from tests.conftest import scans_of
from tests.emulator_client import Emulator
from tests.factories import MembershipFactory, records_request_for

# A 1 by 1 PNG: the image a citizen attached.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk+A8AAQUBAScY42YAAAAASUVORK5CYII="
)


def conversation(agency: Agency) -> None:
    """Record, committed, a citizen's comment with a photo, its hiding, an answer in the
    same thread, and something else entirely."""
    with agency_scope(agency.pk):
        with transaction.atomic():
            document = {
                "network": "mastodon",
                "thread": "109",
                "author_handle": "@amara@social.example",
                "author_name": "Amara Okafor",
                "text": "Le pont de la rue Main est fermé depuis une semaine !",
                "language": "fr",
            }
            photo, content = archive.keep(
                agency=agency,
                contents=[(PNG, "image/png"), (json.dumps(document).encode(), "application/json")],
            )
            archive.record(
                agency=agency,
                actor=SYSTEM,
                verb="inbox.item_received",
                obj=agency,
                data=document
                | {"content": content, "media": [{"sha256": photo, "alt_text": "A closed bridge"}]},
            )
        with transaction.atomic():
            archive.record(
                agency=agency, actor=SYSTEM, verb="inbox.item_hidden", obj=agency, data={}
            )
        with transaction.atomic():
            archive.record(
                agency=agency,
                actor=SYSTEM,
                verb="inbox.reply_written",
                data={"network": "mastodon", "thread": "109", "text": "Merci, nous vérifions."},
            )
        with transaction.atomic():
            archive.record(agency=agency, actor=SYSTEM, verb="post.created", data={"text": "Hi"})


def packaged(agency: Agency, *criteria: dict[str, str]) -> ExportPackage:
    """Save searches on a new request and have its package built now."""
    request = records_request_for(agency)
    officer = request.opened_by
    with agency_scope(agency.pk):
        for number, found in enumerate(criteria):
            search_save(
                request=request, actor=officer, person=officer, name=f"S{number}", criteria=found
            )
        package = package_start(
            request=request,
            actor=officer,
            person=officer,
            time_zone="America/Toronto",
            language="fr",
        )
        package.refresh_from_db()
    return package


def unzipped(package: ExportPackage, folder: Path) -> Path:
    name = package_name(package.agency_id, package.pk)
    with storages["packages"].open(name) as kept, zipfile.ZipFile(kept) as bag:
        bag.extractall(folder)
    (root,) = folder.iterdir()
    return root


def test_a_package_holds_what_the_searches_find_and_checks_offline(
    new_agency: Agency, eager: None, tmp_path: Path
) -> None:
    conversation(new_agency)
    package = packaged(new_agency, {"action": "inbox."})

    assert package.status == PackageStatus.READY, package.failure
    assert package.events == 3
    root = unzipped(package, tmp_path)
    assert bagit.Bag(str(root)).is_valid()
    assert package_check(FolderSource(root), public_key=None).events == 3
    lines = (root / "data/events.jsonl").read_text().splitlines()
    assert [json.loads(line)["entry"]["verb"] for line in lines] == [
        "inbox.item_received", "inbox.item_hidden", "inbox.reply_written",
    ]  # fmt: skip
    assert "post.created" not in (root / "data/events.csv").read_text()
    (media,) = (root / "data/media").iterdir()
    assert media.read_bytes() == PNG
    index = (root / "data/pages/index.html").read_text()
    assert 'lang="fr"' in index
    pages = sorted((root / "data/pages").glob("0*.html"))
    # The comment, its hiding and the answer in its thread are one conversation.
    assert len(pages) == 1
    page = pages[0].read_text()
    assert "Le pont de la rue Main" in page and "Merci, nous vérifions." in page
    assert 'alt="A closed bridge"' in page and "inbox.item_hidden" in page
    # In the package's language, its own words too.
    assert "Toutes les pages" in page and "Conversation sur mastodon" in page
    assert "python verify.py" in (root / "README.txt").read_text()

    # Told by email, in the package's language.
    assert "prêt" in mail.outbox[-1].subject or "ready" in mail.outbox[-1].subject


def test_a_long_conversations_page_is_written_as_it_goes_and_whole(
    new_agency: Agency, eager: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past this many characters gathered, a page goes on as a stream (a thread of
    # thousands of comments is not held in memory whole).
    monkeypatch.setattr(rendition, "_GATHERED", 100)
    conversation(new_agency)
    package = packaged(new_agency, {"action": "inbox."})

    assert package.status == PackageStatus.READY, package.failure
    root = unzipped(package, tmp_path)
    assert package_check(FolderSource(root), public_key=None).events == 3
    (page,) = sorted((root / "data/pages").glob("0*.html"))
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and text.endswith("</main></body></html>\n")
    said = ["Le pont de la rue Main", "inbox.item_hidden", "Merci, nous vérifions."]
    assert [text.index(words) for words in said] == sorted(text.index(words) for words in said)
    assert "(3 événements)" in (root / "data/pages/index.html").read_text()


def test_the_table_opens_in_a_spreadsheet_without_running_formulas(
    new_agency: Agency, eager: None, tmp_path: Path
) -> None:
    conversation(new_agency)
    with agency_scope(new_agency.pk), transaction.atomic():
        archive.record(
            agency=new_agency,
            actor=NamedActor(kind="anonymous", name='=HYPERLINK("https://evil.example")'),
            verb="inbox.item_received",
            data={"network": "x", "thread": "7", "text": "+1 and -1", "author_name": "@home"},
        )
    package = packaged(new_agency, {"action": "inbox."})

    root = unzipped(package, tmp_path)
    with (root / "data/events.csv").open(newline="", encoding="utf-8") as table:
        rows = list(csv.DictReader(table))
    lines = [json.loads(line) for line in (root / "data/events.jsonl").read_text().splitlines()]
    assert [row["id"] for row in rows] == [str(line["id"]) for line in lines]
    assert [row["position"] for row in rows] == [str(line["position"]) for line in lines]
    assert [row["verb"] for row in rows] == [line["entry"]["verb"] for line in lines]
    assert [row["occurred_at"] for row in rows] == [line["entry"]["occurred_at"] for line in lines]
    last = rows[-1]
    assert last["actor_name"] == '\'=HYPERLINK("https://evil.example")'
    # The data is JSON, which begins with a brace: shown as it is.
    assert json.loads(last["data"])["text"] == "+1 and -1"
    assert {row["content_erased"] for row in rows} == {""}
    assert {row["redacted"] for row in rows} == {""}


def fortnight_of(agency: Agency, days: int) -> None:
    """Record, committed and placed, a new agency's days of use as make run's demo has
    them: each day citizens' items in a thread, posts written and published, sign-ins."""
    with agency_scope(agency.pk):
        for day in range(days):
            thread = {"network": "mastodon", "thread": str(day), "author_name": "Amara Okafor"}
            events = [
                archive.Event("inbox.item_received", agency, thread | {"text": f"Day {day}"}),
                archive.Event("inbox.reply_written", None, thread | {"text": "Thank you"}),
                *(archive.Event(verb, agency, {"text": "Ferry times"})
                  for verb in ("post.created", "post.submitted", "post.approved")),
                archive.Event("post.published", agency, {"network": "mastodon"}),
                *(archive.Event("accounts.signed_in", agency, {}) for _ in range(4)),
            ]  # fmt: skip
            with transaction.atomic():
                archive.record_each(agency=agency, actor=SYSTEM, events=events)
    all_placed(agency)


def test_a_package_reads_each_event_of_a_new_agencys_log_once(
    new_agency: Agency, committed_agency: Callable[[int], Agency], eager: None
) -> None:
    # A new agency's log, before anything gathered the tables' statistics (make run's
    # demo just loaded): the events its searches find were read again for each event,
    # nested, and a package of 40 of a few hundred took minutes. A thousand events: at
    # a few hundred, reading a table of a few pages whole for each event costs the
    # planner about what its index does, and either plan may come; once statistics were
    # gathered over many small agencies, each event's leaf was found by reading all the
    # agency's leaves. Each scan of a table reads it once — in one pass (which reads the
    # events of the agencies other tests left too), or one row a loop, looked up by its
    # index — never again for each event.
    small_agencies_counted(committed_agency)
    days = 100
    fortnight_of(new_agency, days)
    package = packaged(new_agency, {"action": "inbox."}, {"q": "ferry"})

    assert package.status == PackageStatus.READY, package.failure
    # Each day's two inbox events and three posts that say it, and the search's and the
    # package's own records, which name the word.
    assert package.events == days * 5 + 2
    with agency_scope(new_agency.pk), transaction.atomic(), connection.cursor() as cursor:
        chosen, params = package_chosen(package, package.head)
        with joined_in_one_pass():
            cursor.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON)"
                f" SELECT l.position, {event_columns()} {chosen} ORDER BY l.position",
                params,
            )
        (plan,) = cursor.fetchone()[0]
    for table in ("archive_archiveevent", "archive_archiveleaf"):
        scans = scans_of(plan["Plan"], table)
        assert scans and all(loops == 1 or read <= 1 for read, loops in scans), (table, scans)


# The package's verifier run as its README says, reporting the installed packages it
# loaded besides ``cryptography`` and the ``cffi`` that installing it brings (what the
# interpreter loaded before it started is left out: a virtual environment's start-up).
CARRIED_ALONE = """\
import runpy, sys, sysconfig
before = set(sys.modules)
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    installed = tuple(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    new = [(m, getattr(sys.modules[m], "__file__", None)) for m in set(sys.modules) - before]
    names = {m.split(".")[0] for m, f in new if (f or "").startswith(installed)}
    print("beyond:", sorted(names - {"cryptography", "cffi", "_cffi_backend"}))
"""


def test_the_verifier_it_carries_needs_only_python_and_cryptography(
    new_agency: Agency, eager: None, tmp_path: Path
) -> None:
    conversation(new_agency)
    package = packaged(new_agency, {"q": "pont"})
    zipped = storages["packages"].path(package_name(package.agency_id, package.pk))
    root = unzipped(package, tmp_path / "package")
    checked = subprocess.run(  # noqa: S603
        [sys.executable, "-c", CARRIED_ALONE, str(root / "verify.py"), zipped],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith(f"holds: {package.events} events of request")
    assert "beyond: []" in checked.stdout, checked.stdout


def test_the_verifier_it_carries_names_the_file_one_changed_byte_is_in(
    new_agency: Agency, eager: None, tmp_path: Path
) -> None:
    conversation(new_agency)
    package = packaged(new_agency, {"q": "pont"})
    root = unzipped(package, tmp_path)
    verify = [sys.executable, str(root / "verify.py")]
    zipped = storages["packages"].path(package_name(package.agency_id, package.pk))

    held = subprocess.run(  # noqa: S603
        [*verify, zipped], capture_output=True, text=True, check=False
    )
    assert held.returncode == 0, held.stdout
    assert held.stdout.startswith(f"holds: {package.events} events of request")
    key = public_key_text(signing_key().public_key())
    pinned = subprocess.run(  # noqa: S603
        [*verify, str(root), "--public-key", key], capture_output=True, text=True, check=False
    )
    assert pinned.returncode == 0, pinned.stdout

    for name in ("data/events.jsonl", "data/events.csv", "manifest-sha256.txt", "bag-info.txt"):
        changed = root / name
        original = changed.read_bytes()
        changed.write_bytes(original[:10] + bytes([original[10] ^ 1]) + original[11:])
        broken = subprocess.run(  # noqa: S603
            [*verify, str(root)], capture_output=True, text=True, check=False
        )
        assert broken.returncode == 1
        assert broken.stdout.startswith(f"does not hold: {name}"), broken.stdout
        changed.write_bytes(original)

    # Another key than the deployment's: nothing holds.
    other = base64.b64encode(bytes(32)).decode()
    with pytest.raises(PackageProblem, match=r"package-proof\.json|head"):
        package_check(FolderSource(root), public_key=base64.b64decode(other))


def test_one_changed_byte_of_the_zip_file_is_named(
    new_agency: Agency, eager: None, tmp_path: Path
) -> None:
    conversation(new_agency)
    package = packaged(new_agency, {"action": "inbox."})
    zipped = Path(storages["packages"].path(package_name(package.agency_id, package.pk)))
    data = bytearray(zipped.read_bytes())
    with zipfile.ZipFile(zipped) as bag:
        info = next(i for i in bag.infolist() if i.filename.endswith("data/events.csv"))
    # A byte inside the file's stored (compressed) bytes.
    data[info.header_offset + 30 + len(info.filename.encode()) + 40] ^= 1
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    with pytest.raises(PackageProblem, match=r"data/events\.csv"):
        package_check(ZipSource(damaged), public_key=None)
    call_command("archive_verify_package", str(zipped))
    with pytest.raises(CommandError, match=r"data/events\.csv"):
        call_command("archive_verify_package", str(damaged))


def test_a_package_is_downloaded_by_records_officers_until_its_time_is_past(
    new_agency: Agency, eager: None
) -> None:
    conversation(new_agency)
    package = packaged(new_agency, {"action": "inbox."})
    with agency_scope(new_agency.pk):
        officer = package.request.opened_by
        with package_open(package=package, actor=officer) as opened:
            assert opened.read(2) == b"PK"
        downloads = ArchiveEvent.objects.filter(verb="records.package_downloaded")
        assert downloads.get().data["sha256"] == package.sha256
        ExportPackage.objects.filter(pk=package.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        package.refresh_from_db()
        with pytest.raises(Conflict):
            package_open(package=package, actor=officer)
        packages_tend()
        package.refresh_from_db()
        assert package.status == PackageStatus.EXPIRED
        assert not storages["packages"].exists(package_name(new_agency.pk, package.pk))
        assert ArchiveEvent.objects.filter(verb="records.package_expired").exists()


def test_a_package_needs_a_saved_search_and_is_built_once(new_agency: Agency) -> None:
    request = records_request_for(new_agency)
    officer = request.opened_by
    start: dict[str, Any] = {
        "request": request, "actor": officer, "person": officer,
        "time_zone": "UTC", "language": "en",
    }  # fmt: skip
    with agency_scope(new_agency.pk):
        with pytest.raises(GovsocialError, match="Save a search"):
            package_start(**start)
        search_save(
            request=request, actor=officer, person=officer, name="All", criteria={"action": "x"}
        )
        package = package_start(**start)
        with pytest.raises(Conflict, match="being built already"):
            package_start(**start)
        # A second worker given the same package finds it claimed.
        assert package_build(package_id=package.pk) is not None
        assert package_build(package_id=package.pk) is None
        package.refresh_from_db()
    assert package.status == PackageStatus.READY and package.events == 0


def test_a_build_kept_waiting_by_a_transaction_elsewhere_fails_and_says_why(
    new_agency: Agency, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = records_request_for(new_agency)
    officer = request.opened_by
    with agency_scope(new_agency.pk):
        search_save(
            request=request, actor=officer, person=officer, name="All", criteria={"action": "x"}
        )
        package = package_start(
            request=request, actor=officer, person=officer, time_zone="UTC", language="en"
        )
    monkeypatch.setattr("archive.exports._PLACED_WITHIN", 0.5)
    # A transaction of another connection, begun before the build and still running.
    with psycopg.connect(**connection.get_connection_params()) as elsewhere:
        elsewhere.execute("SELECT pg_current_xact_id()")
        with agency_scope(new_agency.pk):
            built = package_build(package_id=package.pk)

    assert built is not None and built.status == PackageStatus.FAILED
    assert built.failure.startswith(
        "A transaction begun earlier on the database server (by this application or another)"
        " has not ended within 0.5 seconds"
    )
    (told,) = mail.outbox
    assert "A transaction begun earlier" in told.body


def test_a_build_whose_worker_was_lost_is_taken_up_again(new_agency: Agency, eager: None) -> None:
    MembershipFactory(agency=new_agency, roles=[Role.RECORDS_OFFICER])
    request = records_request_for(new_agency)
    officer = request.opened_by
    with agency_scope(new_agency.pk):
        search_save(request=request, actor=officer, person=officer, name="A", criteria={"q": "x"})
        package = ExportPackage.objects.create(
            agency=new_agency,
            request=request,
            searches=[{"name": "A", "criteria": {"q": "x"}}],
            time_zone="UTC",
            language="en",
            requested_by=officer,
            status=PackageStatus.BUILDING,
            started_at=timezone.now() - timedelta(days=1),
            attempts=1,
        )
        packages_tend()
        package.refresh_from_db()
    assert package.status == PackageStatus.READY
    assert package.attempts == 2


def test_a_package_whose_task_was_lost_is_sent_to_the_workers_again(
    new_agency: Agency, eager: None
) -> None:
    request = records_request_for(new_agency)
    officer = request.opened_by
    with agency_scope(new_agency.pk):
        search_save(request=request, actor=officer, person=officer, name="A", criteria={"q": "x"})
        waiting = {
            "agency": new_agency, "request": request, "time_zone": "UTC", "language": "en",
            "searches": [{"name": "A", "criteria": {"q": "x"}}], "requested_by": officer,
        }  # fmt: skip
        # Asked for an hour ago, its task lost; and one asked for just now, on its way.
        lost = ExportPackage.objects.create(
            **waiting, requested_at=timezone.now() - timedelta(hours=1)
        )
        coming = ExportPackage.objects.create(**waiting)
        packages_tend()
        lost.refresh_from_db()
        coming.refresh_from_db()
    assert lost.status == PackageStatus.READY
    assert coming.status == PackageStatus.QUEUED


def test_a_records_officer_exports_from_the_request_page_and_downloads(
    new_agency: Agency, eager: None
) -> None:
    conversation(new_agency)
    request = records_request_for(new_agency)
    officer = request.opened_by
    with agency_scope(new_agency.pk):
        search_save(
            request=request,
            actor=officer,
            person=officer,
            name="Inbox",
            criteria={"action": "inbox."},
        )
    client = Client()
    client.force_login(officer)
    page = reverse("records_request", args=[new_agency.slug, request.pk])
    assert "Export a package" in client.get(page).content.decode()

    shown = client.post(page, {"export": "1"}, follow=True).content.decode()
    assert "The package is being built" in shown
    assert "The latest package is ready." in shown
    with agency_scope(new_agency.pk):
        package = ExportPackage.objects.get(request=request)
    download = reverse("records_package_download", args=[new_agency.slug, package.pk])
    assert download in shown
    assert "3 events" in shown
    fragment = client.get(reverse("records_request_packages", args=[new_agency.slug, request.pk]))
    assert 'role="status"' in fragment.content.decode()
    assert "hx-trigger" not in fragment.content.decode()

    got = client.get(download)
    assert got["Content-Type"] == "application/zip"
    assert b"".join(got.streaming_content).startswith(b"PK")  # type: ignore[attr-defined]
    with agency_scope(new_agency.pk):
        assert ArchiveEvent.objects.filter(verb="records.package_downloaded").count() == 1

    author = Client()
    author.force_login(MembershipFactory(agency=new_agency, roles=[Role.AUTHOR]).user)
    assert author.get(download).status_code == 403
    assert author.get(page).status_code == 403


def test_the_heads_time_stamps_are_checked_offline_too(
    new_agency: Agency,
    eager: None,
    emulator: Emulator,
    settings: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    chain = tmp_path / "tsa-chain.pem"
    chain.write_bytes(emulator.http.get("/tsa/chain.pem").content)
    settings.ARCHIVE_TIMESTAMP_URL = emulator.url("/tsa/")  # type: ignore[attr-defined]
    settings.ARCHIVE_TIMESTAMP_CHAIN = str(chain)  # type: ignore[attr-defined]
    conversation(new_agency)
    package = packaged(new_agency, {"action": "inbox."})
    root = unzipped(package, tmp_path / "bag")
    assert "timestamp" in json.loads((root / "data/head.json").read_text())
    verify = [sys.executable, str(root / "verify.py"), str(root), "--tsa-chain"]

    held = subprocess.run([*verify, str(chain)], capture_output=True, text=True, check=False)  # noqa: S603
    assert held.returncode == 0, held.stdout
    assert "Time-stamps not checked" not in held.stdout
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(Authority().chain_pem())
    refused = subprocess.run([*verify, str(stranger)], capture_output=True, text=True, check=False)  # noqa: S603
    assert refused.stdout.startswith("does not hold: data/head.json: the head's time-stamp")
    out = StringIO()
    zipped = storages["packages"].path(package_name(package.agency_id, package.pk))
    call_command("archive_verify_package", zipped, stdout=out)
    assert "and their time-stamps are this deployment's" in out.getvalue()
