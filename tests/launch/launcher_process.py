"""Start ``python -m govsocial.launch run`` as `make run` does on a fresh machine, for
tests: embedded PostgreSQL and Redis in a data folder of its own, free ports, and none
of the test session's servers or secrets (the launcher provisions its own roles, so it
must never get near the test database's cluster).

The launcher's output, its children's included, goes to one log file the tests read.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
# What would point the launcher at the test session's servers, secrets or networks.
SESSION_VARIABLES = (
    "DATABASE_URL",
    "DATABASE_OWNER_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ENCRYPTION_KEYS",
    "GOVSOCIAL_DATA_DIR",
    "SITE_URL",
    "EMULATOR_URL",
    "MASTODON_CLIENT_ID",
    "MASTODON_CLIENT_SECRET",
    "EMAIL_BACKEND",
    "DEMO_MAILBOX",
)


def free_port() -> int:
    """Return a port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def running(pid: int) -> bool:
    """Return whether ``pid`` runs (an unreaped zombie does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def group_members(pgid: int) -> list[int]:
    """Return the running processes of process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        # After the command name: state, ppid, pgrp.
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


class Launcher:
    """Run the launcher's ``run`` command in a data folder of its own."""

    def __init__(self, data: Path) -> None:
        """Choose the ports and the environment; nothing starts yet."""
        self.data = data
        self.port = free_port()
        self.emulator_port = free_port()
        self.mail_port = free_port()
        self.log = data.parent / "launcher.log"
        self.env = {k: v for k, v in os.environ.items() if k not in SESSION_VARIABLES} | {
            "GOVSOCIAL_DATA_DIR": str(data),
            "PORT": str(self.port),
            "EMULATOR_PORT": str(self.emulator_port),
            "MAIL_PORT": str(self.mail_port),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the launcher in a session of its own (as a terminal's job would be)."""
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "govsocial.launch", "run"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        """Return everything the launcher and its children printed so far."""
        return self.log.read_text(errors="replace")

    def pid_of(self, name: str) -> int:
        """Return the pid the launcher last said it (re)started ``name`` with."""
        found = re.findall(
            rf"\[launch\] (?:re)?started {re.escape(name)} \(pid (\d+)\)", self.output()
        )
        assert found, f"the launcher never said it started {name}"
        return int(found[-1])

    def redis_state(self) -> Mapping[str, int]:
        """Return the port and pid the embedded Redis recorded in the data folder."""
        state: dict[str, int] = json.loads((self.data / "redis" / "state.json").read_text())
        return state

    def healthy(self) -> bool:
        """Return whether ``/healthz`` answers 200 (PostgreSQL and Redis both answer)."""
        try:
            answer = httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=5)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200

    def alive(self) -> bool:
        """Return whether the launcher itself still runs."""
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 120) -> int:
        """Send SIGTERM (as a service manager would) and return the launcher's exit code;
        kill its whole group if it does not end in ``timeout`` seconds."""
        assert self.process is not None, "the launcher was never started"
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``python -m govsocial.launch manage ARGS`` on the same data folder."""
        return subprocess.run(  # noqa: S603
            [sys.executable, "-m", "govsocial.launch", "manage", *args],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
