"""The supervisor restarts a child that ends, with a growing delay, and stops everything,
naming the child, when one keeps crashing."""

from __future__ import annotations

import os
import re
import sys
import time

import pytest

from govsocial.launch.children import ChildSpec
from govsocial.launch.common import LaunchError
from govsocial.launch.restarts import CrashHistory, RestartPolicy
from govsocial.launch.supervisor import Supervisor
from tests.launch.launcher_process import running

QUICK = RestartPolicy(first_delay=0.05, max_delay=0.2, healthy_after=60, crash_limit=3)
CRASHING = ChildSpec("crasher", [sys.executable, "-c", "raise SystemExit(3)"])
STEADY = ChildSpec("steady", [sys.executable, "-c", "import time; time.sleep(300)"])


def _pids(printed: str, name: str) -> list[int]:
    """Return the pids the supervisor said it (re)started ``name`` with."""
    return [int(pid) for pid in re.findall(rf"started {name} \(pid (\d+)\)", printed)]


def test_a_child_that_keeps_crashing_stops_everything_with_a_clear_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(LaunchError) as stopped, Supervisor(os.environ, QUICK) as supervisor:
        supervisor.start(STEADY)
        supervisor.start(CRASHING)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            supervisor.check()
            time.sleep(0.02)

    printed = capsys.readouterr().out
    assert "crasher" in str(stopped.value)
    assert "exited with code 3" in str(stopped.value)
    assert "3 times within 300 s" in str(stopped.value)
    assert "stopped everything" in str(stopped.value)
    assert len(_pids(printed, "crasher")) == 3, "started, then restarted twice"
    assert "crasher (pid" in printed and "restarting it in 0.05 s" in printed
    assert not running(_pids(printed, "steady")[0]), "the steady child was stopped too"


def test_a_restarted_child_gets_the_environment_added_since() -> None:
    marker = ChildSpec(
        "marker", [sys.executable, "-c", "import os, sys; sys.exit(int(os.environ['CODE']))"]
    )
    with Supervisor(os.environ | {"CODE": "4"}, QUICK) as supervisor:
        supervisor.start(marker)
        supervisor.add_env({"CODE": "5"})
        with pytest.raises(LaunchError) as stopped:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                supervisor.check()
                time.sleep(0.02)

    assert "exited with code 5" in str(stopped.value)


def test_the_delay_doubles_up_to_its_ceiling() -> None:
    history = CrashHistory(RestartPolicy(crash_limit=100))

    delays = [history.delay_after_crash(now=float(n), ran_for=1) for n in range(7)]

    assert delays == [1, 2, 4, 8, 16, 30, 30]


def test_a_process_that_ran_a_while_starts_again_from_the_first_delay() -> None:
    history = CrashHistory(RestartPolicy(crash_limit=100))
    for n in range(4):
        history.delay_after_crash(now=float(n), ran_for=1)

    assert history.delay_after_crash(now=100, ran_for=60) == 1


def test_crashes_older_than_the_window_are_forgotten() -> None:
    history = CrashHistory(RestartPolicy(crash_limit=3, crash_window=300))

    assert history.delay_after_crash(now=0, ran_for=1) is not None
    assert history.delay_after_crash(now=10, ran_for=1) is not None
    assert history.delay_after_crash(now=305, ran_for=1) is not None, "the first is too old"
    assert history.delay_after_crash(now=306, ran_for=1) is None, "three within 300 s"
