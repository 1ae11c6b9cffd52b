"""A step of `make test` or `make bench` that is stopped (Ctrl-C, SIGTERM) is interrupted
once and left the time to stop what it started; a benchmark's processes end with it even
when it is killed outright."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from govsocial.launch.common import REPO_ROOT
from tests.delivery_processes import wait_for
from tests.launch.launcher_process import running

# What a step does: start a helper of its own (as a benchmark starts its workers), then
# on Ctrl-C take a while to stop it and say so.
STEP = """
import pathlib, subprocess, sys, time
folder = pathlib.Path(sys.argv[1])
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                          start_new_session=True)
(folder / "helper.pid").write_text(str(helper.pid))
try:
    (folder / "ready").write_text("")
    time.sleep(600)
except KeyboardInterrupt:
    time.sleep(1)
    helper.terminate()
    helper.wait()
    (folder / "stopped").write_text("")
"""
# The launcher with the step as its command, run as `make test` runs its steps.
LAUNCHER = """
import os, sys
from govsocial.launch import __main__ as launcher
from govsocial.launch.children import run_step
launcher.COMMANDS["step"] = lambda args: run_step(
    "step", [sys.executable, "-c", sys.argv[1], *args], dict(os.environ))
sys.exit(launcher.main(["step", sys.argv[2]]))
"""
# Seconds: generous for a loaded machine; each wait ends as soon as its event happens.
DEADLINE = 60.0


def _end(pid: int) -> None:
    """Kill ``pid`` if it still runs (a failed test leaves nothing behind)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _launcher_with_step(folder: Path) -> subprocess.Popen[bytes]:
    """Start the launcher running the step, in a group of its own (as a terminal's
    foreground job is)."""
    return subprocess.Popen(  # noqa: S603 - our own argv
        [sys.executable, "-c", LAUNCHER, STEP, str(folder)],
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(lambda launcher: os.killpg(launcher.pid, signal.SIGINT), id="ctrl-c"),
        pytest.param(lambda launcher: launcher.send_signal(signal.SIGTERM), id="sigterm"),
    ],
)
def test_a_stopped_step_stops_what_it_started_before_the_launcher_ends(
    tmp_path: Path, stop: Callable[[subprocess.Popen[bytes]], None]
) -> None:
    launcher = _launcher_with_step(tmp_path)
    try:
        wait_for((tmp_path / "ready").exists, timeout=DEADLINE, what="the step starting")
        helper = int((tmp_path / "helper.pid").read_text())

        stop(launcher)

        assert launcher.wait(timeout=DEADLINE) == 130
        assert (tmp_path / "stopped").exists(), "the step was killed before it had stopped"
        assert not running(helper)
    finally:
        launcher.kill()
        launcher.wait()
        if (tmp_path / "helper.pid").exists():
            _end(int((tmp_path / "helper.pid").read_text()))


def test_a_benchmarks_processes_end_when_it_is_killed_outright(tmp_path: Path) -> None:
    benchmark = subprocess.Popen(  # noqa: S603 - our own argv
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from bench._processes import Processes\n"
            "from pathlib import Path\n"
            "sleeper, _ = Processes(Path(sys.argv[1])).start(\n"
            "    'sleeper', ['-c', 'import time; time.sleep(600)'])\n"
            "(Path(sys.argv[1]) / 'sleeper.pid').write_text(str(sleeper.pid))\n"
            "time.sleep(600)\n",
            str(tmp_path),
        ],
        cwd=REPO_ROOT,
        env=os.environ | {"PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        wait_for(
            (tmp_path / "sleeper.pid").exists,
            timeout=DEADLINE,
            what="the benchmark starting its process",
        )
        sleeper = int((tmp_path / "sleeper.pid").read_text())

        benchmark.kill()
        benchmark.wait()

        wait_for(lambda: not running(sleeper), timeout=DEADLINE, what="its process ending")
    finally:
        benchmark.kill()
        benchmark.wait()
        if (tmp_path / "sleeper.pid").exists():
            _end(int((tmp_path / "sleeper.pid").read_text()))
