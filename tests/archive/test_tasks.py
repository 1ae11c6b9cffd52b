"""The nightly check of the logs, the signing of heads and their time-stamping run in a real
Celery worker, bound to each agency in turn."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import transaction

from accounts.models import Agency
from archive.models import ArchiveHead, ArchiveTimestamp
from archive.services import head_sign
from archive.tasks import head_sign_agency, heads_timestamp_agency, log_verify_agency
from govsocial.launch.commands import WORKER_COMMAND
from govsocial.tenancy import AgencyNotBound, agency_scope, bound_agency_id, with_agency_scope
from tests.archive.conftest import tamper_as_owner
from tests.delivery_processes import wait_for
from tests.emulator_client import Emulator

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(path: Path, text: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text(errors="replace") if path.exists() else ""
        if text in content:
            return content
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear in the worker's log:\n{content[-3000:]}")


@contextmanager
def running_worker(folder: Path, **environment: str) -> Iterator[tuple[str, Path]]:
    """Start a real Celery worker on a queue of its own, with ``environment`` added to
    the tests'; yield the queue and its log."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = folder / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", *WORKER_COMMAND, "-Q", queue, "-n", f"{queue}@%h"],
            cwd=ROOT, env=os.environ | environment, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for(log, "ready.")
        yield queue, log
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    with running_worker(tmp_path) as started:
        yield started


def test_a_worker_finds_a_tampered_log(
    worker: tuple[str, Path], committed_agency: Callable[[int], Agency]
) -> None:
    queue, log = worker
    agency = committed_agency(3)
    tamper_as_owner(agency, position=1)
    log_verify_agency.apply_async(kwargs={"agency_id": agency.pk}, queue=queue)
    content = _wait_for(log, f"archive of agency {agency.pk} is damaged")
    assert "damaged at position 1: its content does not match its commitment" in content


def test_a_worker_signs_an_agencys_head_once_for_the_same_log(
    worker: tuple[str, Path],
    committed_agency: Callable[[int], Agency],
    django_db_blocker: pytest.FixtureRequest,
) -> None:
    queue, log = worker
    agency = committed_agency(3)

    def heads() -> list[tuple[int, str]]:
        with django_db_blocker.unblock(), agency_scope(agency.pk):  # type: ignore[attr-defined]
            return list(ArchiveHead.objects.values_list("size", "key_id"))

    head_sign_agency.apply_async(kwargs={"agency_id": agency.pk}, queue=queue)
    wait_for(lambda: bool(heads()), timeout=120, what="the head signed")
    # Twice over the same log: the second finds nothing new to sign.
    again = head_sign_agency.apply_async(kwargs={"agency_id": agency.pk}, queue=queue)
    _wait_for(log, f"{again.id}] succeeded", timeout=120)

    assert [size for size, _ in heads()] == [3]


def test_a_worker_has_the_authority_stamp_an_agencys_heads(
    tmp_path: Path,
    emulator: Emulator,
    committed_agency: Callable[[int], Agency],
    django_db_blocker: pytest.FixtureRequest,
) -> None:
    chain = tmp_path / "tsa-chain.pem"
    chain.write_bytes(emulator.http.get("/tsa/chain.pem").content)
    agency = committed_agency(2)
    with django_db_blocker.unblock(), agency_scope(agency.pk), transaction.atomic():  # type: ignore[attr-defined]
        head = head_sign(agency_id=agency.pk)

    def stamps() -> list[int]:
        with django_db_blocker.unblock(), agency_scope(agency.pk):  # type: ignore[attr-defined]
            return list(ArchiveTimestamp.objects.values_list("head_id", flat=True))

    authority = {
        "ARCHIVE_TIMESTAMP_URL": emulator.url("/tsa/"),
        "ARCHIVE_TIMESTAMP_CHAIN": str(chain),
    }
    with running_worker(tmp_path, **authority) as (queue, _log):
        heads_timestamp_agency.apply_async(kwargs={"agency_id": agency.pk}, queue=queue)
        wait_for(lambda: bool(stamps()), timeout=120, what="the head stamped")

    assert stamps() == [head.pk]


def test_the_task_decorator_binds_the_agency_for_the_run_only() -> None:
    @with_agency_scope
    def task(*, agency_id: int) -> int | None:
        return bound_agency_id()

    assert task(agency_id=7) == 7
    assert bound_agency_id() is None
    with pytest.raises(AgencyNotBound):
        task()
