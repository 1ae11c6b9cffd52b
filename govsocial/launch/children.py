"""Run child processes: one-off steps in the foreground, long-running ones supervised."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess  # the launcher exists to start processes  # nosec B404
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from govsocial.launch.common import PYTHON, REPO_ROOT, say, shielded

STOP_GRACE_SECONDS = 10.0
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@dataclass(frozen=True)
class ChildSpec:
    """Name a child process and give its argv (one table row of ``run``)."""

    name: str
    argv: Sequence[str]


def run_step(name: str, argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run one step to completion with output on the terminal; return its exit code."""
    shown = ["python", *argv[1:]] if argv[0] == PYTHON else list(argv)
    say(f"{name}: {' '.join(shown)}")
    # stdin is closed: CI has none, and no step may wait for input.
    completed = subprocess.run(  # noqa: S603 - argv built by the launcher, no shell  # nosec B603
        list(argv), env=dict(env), cwd=REPO_ROOT, stdin=subprocess.DEVNULL, check=False
    )
    return completed.returncode


class Supervisor:
    """Start children in their own process groups and stop them together."""

    def __init__(self, env: Mapping[str, str]) -> None:
        """Remember the environment every child gets."""
        self._env = dict(env)
        self._children: list[tuple[ChildSpec, subprocess.Popen[bytes]]] = []

    def __enter__(self) -> Supervisor:
        """Return the supervisor; children are stopped when the block exits."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Stop every child, whatever ended the block."""
        self.stop_all()

    def add_env(self, values: Mapping[str, str]) -> None:
        """Give the children started from now on these variables too."""
        self._env.update(values)

    def start(self, spec: ChildSpec) -> None:
        """Start ``spec`` in a new session, so terminal Ctrl-C reaches only the launcher,
        which then stops the children in order."""
        say(f"starting {spec.name}")
        process = subprocess.Popen(  # noqa: S603 - argv from the launcher's table, no shell  # nosec B603
            list(spec.argv),
            env=self._env,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            # preexec_fn is safe here: the launcher runs no threads.
            preexec_fn=_die_with_launcher(),
        )
        self._children.append((spec, process))

    def first_exited(self) -> tuple[str, int] | None:
        """Return (name, exit code) of a child that has exited, if any."""
        for spec, process in self._children:
            code = process.poll()
            if code is not None:
                return spec.name, code
        return None

    def stop_all(self) -> None:
        """Send SIGTERM, wait up to the grace period, then SIGKILL whole process groups."""
        with shielded():
            running = [(spec, proc) for spec, proc in self._children if proc.poll() is None]
            if running:
                say("stopping " + ", ".join(spec.name for spec, _ in running))
            for _spec, process in running:
                _signal_leader(process, signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            while time.monotonic() < deadline and any(p.poll() is None for _, p in running):
                time.sleep(0.1)
            for spec, process in self._children:
                if process.poll() is None:
                    say(f"{spec.name} did not stop in {STOP_GRACE_SECONDS:.0f}s: killing it")
                # Also reaps helpers (gunicorn workers, celery pool) a leader left behind.
                _kill_group(process.pid)
                process.wait()
            self._children.clear()


def _signal_leader(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Signal only the group leader: gunicorn and celery then shut their workers down
    gracefully, which signalling the whole group would pre-empt."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(sig)


def _kill_group(pgid: int) -> None:
    """SIGKILL every process left in the process group ``pgid``."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _die_with_launcher() -> Callable[[], None] | None:
    """Return a pre-exec hook asking Linux to SIGTERM the child if the launcher is killed
    outright (SIGKILL, crash): otherwise an orphaned web server would keep the port."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork, called after
    launcher = os.getpid()

    def hook() -> None:
        """Ask for SIGTERM on the launcher's death; give up if it is already gone."""
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != launcher:  # the launcher died before the request took effect
            os._exit(1)

    return hook
