"""Run delivery as it runs in production, for tests: dispatchers and Celery workers as
processes of their own, on committed data, publishing to the test session's emulator.

Each test gets a Celery queue of its own, so its workers take only its tasks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import pytest

from accounts.models import Agency, Membership, User
from govsocial.launch.commands import WORKER_COMMAND
from govsocial.tenancy import agency_scope
from publishing.models import (
    MediaAsset,
    Post,
    PostTarget,
    PublishingPause,
    QueueSlot,
    SocialAccount,
)
from tests.emulator_client import Emulator
from tests.factories import AgencyFactory
from tests.publishing.delivery import fast_delivery_environment

ROOT = Path(__file__).resolve().parents[1]


def wait_for(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    state: Callable[[], str] | None = None,
) -> None:
    """Return once ``condition()`` holds; fail saying ``what`` did not happen in time,
    and what ``state()`` says holds then."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            now = f"; now: {state()}" if state is not None else ""
            raise AssertionError(f"{what} did not happen within {timeout} s{now}")
        time.sleep(0.05)


class Delivery:
    """Start and stop the dispatchers and workers of one test."""

    def __init__(self, networks: Mapping[str, str], logs: Path, **environment: str) -> None:
        """Prepare the environment: the emulator's networks as the web server has them
        (``network_environment``), fast timings, a queue."""
        self.queue = f"delivery-{uuid.uuid4().hex[:8]}"
        self.env = (
            os.environ.copy()
            | fast_delivery_environment()
            | dict(networks)
            | {"DELIVERY_QUEUE": self.queue}
            | environment
        )
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []
        self._files: list[IO[bytes]] = []

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}-{len(self.processes)}.log").open("wb")
        self._files.append(log)
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, *argv],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # A group of its own: a SIGKILL reaches the worker and nothing else.
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def worker(self, *, wait: bool = True) -> subprocess.Popen[bytes]:
        """Start a Celery worker as the run command does, on the test's queue; return
        once it takes tasks (or at once, without ``wait``)."""
        name = f"{self.queue}-{len(self.processes)}@%h"
        process = self._start("worker", ["-m", *WORKER_COMMAND, "-Q", self.queue, "-n", name])
        log = Path(self._files[-1].name)
        if wait:
            wait_for(lambda: b"ready." in log.read_bytes(), timeout=120, what="the worker starting")
        return process

    def dispatcher(self) -> subprocess.Popen[bytes]:
        """Start a dispatcher (``manage.py dispatch``)."""
        return self._start("dispatcher", ["manage.py", "dispatch"])

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """Kill ``process`` with SIGKILL, as the machine's OOM killer would."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        """Stop every process still running (SIGTERM, then SIGKILL), close the logs."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
        for file in self._files:
            file.close()


@pytest.fixture
def live_db(django_db_blocker: Any) -> Iterator[None]:
    """Let the test write committed rows, which the processes it starts can read."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def live_agency(live_db: None) -> Iterator[Agency]:
    """Commit an agency of its own for the test; afterwards remove what it committed
    (its archive stays: it cannot be removed), so no later test meets its due targets,
    tokens or two-factor secrets."""
    agency: Agency = AgencyFactory(slug=f"delivery-{uuid.uuid4().hex[:12]}")
    yield agency
    forget(agency)


def forget(agency: Agency) -> None:
    """Delete ``agency``'s pauses, posts, files, accounts, members and their people."""
    with agency_scope(agency.pk):
        for model in (PublishingPause, QueueSlot, Post, MediaAsset, SocialAccount):
            model.objects.all().delete()
        people = list(Membership.objects.values_list("user_id", flat=True))
        Membership.objects.all().delete()
        User.objects.filter(pk__in=people).delete()


@pytest.fixture
def delivery(
    emulator: Emulator, network_environment: dict[str, str], tmp_path: Path
) -> Iterator[Delivery]:
    """Give the test dispatchers and workers to start; stop them afterwards."""
    emulator.configure(citizens=False)
    running = Delivery(network_environment, tmp_path)
    try:
        yield running
    finally:
        running.stop()


def states(agency: Agency, targets: list[PostTarget]) -> dict[int, str]:
    """Return the targets' states as stored now, by id."""
    with agency_scope(agency.pk):
        return dict(
            PostTarget.objects.filter(pk__in=[t.pk for t in targets]).values_list("pk", "state")
        )
