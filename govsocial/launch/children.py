"""Run child processes: one-off steps in the foreground, long-running ones in groups of
their own that the supervisor can restart and stop."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess  # the launcher exists to start processes  # nosec B404
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from govsocial.launch.common import PYTHON, REPO_ROOT, Terminated, say

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# How long a step that was asked to stop may take to stop what it started.
STEP_STOP_SECONDS = 60


@dataclass(frozen=True)
class ChildSpec:
    """Name a child process and give its argv (one table row of ``run``)."""

    name: str
    argv: Sequence[str]


def run_step(
    name: str, argv: Sequence[str], env: Mapping[str, str], *, interactive: bool = False
) -> int:
    """Run one step to completion with output on the terminal; return its exit code.

    Only an ``interactive`` step (an operator's command) reads the terminal: CI has no
    input, and no step of ``run`` or ``test`` may wait for it. Any other step runs in a
    session of its own, so that a stop (Ctrl-C, SIGTERM) reaches it once, from the
    launcher, which then leaves it time to stop what it started (see ``_step_stop``).
    """
    shown = ["python", *argv[1:]] if argv[0] == PYTHON else list(argv)
    say(f"{name}: {' '.join(shown)}")
    if interactive:
        with _ctrl_c_for_the_step_only():
            return subprocess.run(  # noqa: S603 - argv built by the launcher, no shell  # nosec B603
                list(argv), env=dict(env), cwd=REPO_ROOT, check=False
            ).returncode
    step = subprocess.Popen(  # noqa: S603 - argv built by the launcher, no shell  # nosec B603
        list(argv),
        env=dict(env),
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=die_with_parent(),
    )
    try:
        return step.wait()
    except (KeyboardInterrupt, Terminated):
        _step_stop(name, step)
        raise


def _step_stop(name: str, step: subprocess.Popen[bytes]) -> None:
    """Interrupt ``step`` as Ctrl-C would and wait for it to stop what it started (a
    benchmark its workers, pytest its fixtures' servers); kill what is left of its group
    when it takes longer than ``STEP_STOP_SECONDS`` or when a second stop comes."""
    with contextlib.suppress(ProcessLookupError):
        step.send_signal(signal.SIGINT)
    try:
        step.wait(timeout=STEP_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        say(f"{name} did not stop within {STEP_STOP_SECONDS} s: killing it")
    finally:
        kill_group(step.pid)
        step.wait()


@contextmanager
def _ctrl_c_for_the_step_only() -> Iterator[None]:
    """Let terminal Ctrl-C reach only the step, as a shell leaves it to its foreground
    job: in ``manage shell`` it cancels a line, not the whole command."""
    # A handler, not SIG_IGN: the step's exec resets handlers but would keep SIG_IGN.
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def describe_exit(code: int) -> str:
    """Describe how a child ended, naming the signal when one killed it."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
        return f"was killed by signal {-code}"
    return f"exited with code {code}"


class Child:
    """Run one long-running child of ``run`` in a session of its own, so terminal Ctrl-C
    reaches only the launcher, which then stops the children in order."""

    def __init__(self, spec: ChildSpec, env: Mapping[str, str]) -> None:
        """Start ``spec`` with ``env`` (read again at every restart, so it can grow)."""
        self.spec = spec
        self.name = spec.name
        self._env = env
        self._process = self._spawn()

    @property
    def pid(self) -> int:
        """Return the pid of the current process (also its process group's id)."""
        return self._process.pid

    def ended(self) -> str | None:
        """Describe how the process ended, or return None while it runs."""
        code = self._process.poll()
        return None if code is None else describe_exit(code)

    def restart(self) -> None:
        """Start the process again, after killing what its dead leader left in its group."""
        kill_group(self._process.pid)
        self._process = self._spawn()

    def request_stop(self) -> bool:
        """Send SIGTERM to the leader only (gunicorn and celery then stop their own workers
        gracefully, which signalling the whole group would pre-empt); return whether it ran."""
        if self._process.poll() is not None:
            return False
        with contextlib.suppress(ProcessLookupError):
            self._process.send_signal(signal.SIGTERM)
        return True

    def finish(self) -> None:
        """SIGKILL whatever is left in the group (helpers too) and reap the leader."""
        if self._process.poll() is None:
            say(f"{self.name} did not stop in time: killing it")
        kill_group(self._process.pid)
        self._process.wait()

    def _spawn(self) -> subprocess.Popen[bytes]:
        """Start the process in a new session; the launcher runs no threads, so the
        pre-exec hook is safe."""
        process = subprocess.Popen(  # noqa: S603 - argv from the launcher's table, no shell  # nosec B603
            list(self.spec.argv),
            env=dict(self._env),
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
        return process


def kill_group(pgid: int) -> None:
    """SIGKILL every process left in the process group ``pgid``."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def die_with_parent() -> Callable[[], None] | None:
    """Return a pre-exec hook asking Linux to SIGTERM the child if the process starting
    it (on its main thread) is killed outright (SIGKILL, crash): otherwise an orphaned
    web server would keep the port, an orphaned worker its queue."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork, called after
    parent = os.getpid()

    def hook() -> None:
        """Ask for SIGTERM on the parent's death; give up if it is already gone."""
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return hook
