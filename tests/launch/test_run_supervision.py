"""`make run` keeps its processes running: a worker, the dispatcher or the embedded Redis
killed outright comes back, the launcher says so and keeps serving, and SIGTERM stops
everything it started, a Redis it restarted included. ``manage`` runs an operator's
command on the same servers, beside ``run`` or alone. The demo's email goes over SMTP to
its mailbox, which a page shows.

One launcher serves the whole module (starting one on a fresh data folder takes most of
the time); the tests run in file order and the last ones stop it.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from govsocial.launch.secrets_file import load_secrets
from tests.delivery_processes import wait_for
from tests.launch.launcher_process import Launcher, group_members, running

# A fresh data folder: initdb, migrations, static files and demo data, on a busy machine.
START_TIMEOUT = 300
RESTART_TIMEOUT = 60
WORKER_READY = re.compile(r"worker-\d+@\S+ ready\.")


@pytest.fixture(scope="module")
def launcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launcher]:
    """Start ``python -m govsocial.launch run`` once for the module; yield it serving."""
    launcher = Launcher(tmp_path_factory.mktemp("launch") / "data")
    launcher.start()
    try:
        wait_for(
            lambda: not launcher.alive() or launcher.healthy(),
            timeout=START_TIMEOUT,
            what="the launcher serving /healthz",
        )
        assert launcher.alive(), "the launcher ended:\n" + launcher.output()[-4000:]
        wait_for(
            lambda: WORKER_READY.search(launcher.output()) is not None,
            timeout=START_TIMEOUT,
            what="the worker taking tasks",
        )
        yield launcher
    finally:
        if launcher.alive():
            launcher.stop()


def _said(launcher: Launcher, line: str) -> bool:
    """Return whether the launcher printed ``line``."""
    return f"[launch] {line}" in launcher.output()


def _redis_pid(launcher: Launcher) -> int | None:
    """Return the embedded Redis's recorded pid (None while the record is being written)."""
    try:
        return launcher.redis_state()["pid"]
    except (OSError, ValueError):
        return None


def _kill_until_restarted(launcher: Launcher, name: str) -> int:
    """SIGKILL the process of child ``name``; return its pid once the launcher has said
    how it ended and started another."""
    pid = launcher.pid_of(name)
    os.kill(pid, signal.SIGKILL)
    wait_for(
        lambda: launcher.pid_of(name) != pid,
        timeout=RESTART_TIMEOUT,
        what=f"the restart of the {name}",
    )
    assert _said(launcher, f"{name} (pid {pid}) was killed by SIGKILL")
    return pid


def test_a_killed_worker_is_restarted_and_takes_tasks_again(launcher: Launcher) -> None:
    ready = len(WORKER_READY.findall(launcher.output()))

    killed = _kill_until_restarted(launcher, "worker-1")

    wait_for(
        lambda: len(WORKER_READY.findall(launcher.output())) > ready,
        timeout=RESTART_TIMEOUT,
        what="the new worker taking tasks",
    )
    assert launcher.alive()
    assert running(launcher.pid_of("worker-1"))
    assert group_members(killed) == [], "nothing of the dead worker is left"


def test_a_killed_dispatcher_is_restarted_and_polls_again(launcher: Launcher) -> None:
    polling = launcher.output().count("dispatcher polling every")

    _kill_until_restarted(launcher, "dispatcher")

    wait_for(
        lambda: launcher.output().count("dispatcher polling every") > polling,
        timeout=RESTART_TIMEOUT,
        what="the new dispatcher polling",
    )
    assert launcher.alive()
    assert running(launcher.pid_of("dispatcher"))


def test_a_killed_embedded_redis_is_restarted_on_its_port(launcher: Launcher) -> None:
    before = launcher.redis_state()
    connected = launcher.output().count("Connected to redis://")

    os.kill(before["pid"], signal.SIGKILL)

    wait_for(
        lambda: _redis_pid(launcher) not in (None, before["pid"]),
        timeout=RESTART_TIMEOUT,
        what="the embedded Redis's restart",
    )
    assert _said(launcher, f"embedded Redis (pid {before['pid']}) was killed by SIGKILL")
    assert launcher.redis_state()["port"] == before["port"], "the URL every process holds"
    wait_for(launcher.healthy, timeout=RESTART_TIMEOUT, what="/healthz answering 200 again")
    wait_for(
        lambda: launcher.output().count("Connected to redis://") > connected,
        timeout=RESTART_TIMEOUT,
        what="the worker reconnecting to the broker",
    )
    # While it was away (a second at least: the launcher waits that long to restart it),
    # the worker tried it again and again in under a second each time, not after 2 s.
    assert "Trying again now... (2/" in launcher.output()
    assert launcher.alive()


def test_manage_runs_a_command_beside_run_and_leaves_its_servers_running(
    launcher: Launcher,
) -> None:
    redis = launcher.redis_state()

    verified = launcher.manage("archive_verify")

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "events intact" in verified.stdout
    assert "another launcher is using the embedded servers" in verified.stdout
    assert launcher.redis_state() == redis
    assert launcher.healthy()


def test_the_demo_sends_its_email_over_smtp_to_its_mailbox_page(launcher: Launcher) -> None:
    sent = launcher.manage("sendtestemail", "newcomer@example.gov")

    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert _said(launcher, f"mailbox: http://127.0.0.1:{launcher.port}/mailbox/")
    page = httpx.get(f"http://127.0.0.1:{launcher.port}/mailbox/", timeout=30)
    assert page.status_code == 200
    assert "newcomer@example.gov" in page.text and "Test email from" in page.text


def test_manage_commands_connect_as_the_app_role_without_the_owners_credentials(
    launcher: Launcher,
) -> None:
    probe = (
        "import os; from django.db import connection; cursor = connection.cursor(); "
        "cursor.execute('SELECT current_user'); "
        "print('role', cursor.fetchone()[0], 'DATABASE_OWNER_URL' in os.environ)"
    )

    shown = launcher.manage("shell", "-c", probe)

    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "role govsocial_app False" in shown.stdout


def test_no_process_it_runs_holds_the_owners_credentials(launcher: Launcher) -> None:
    # Only migrations, run before the children start, connect as the tables' owner.
    owner_password = load_secrets(launcher.data)["db_owner_password"].encode()
    started = dict(re.findall(r"\[launch\] (?:re)?started (\S+) \(pid (\d+)\)", launcher.output()))
    assert {"web", "worker-1", "dispatcher", "sequencer", "scheduler", "emulator"} <= started.keys()

    for name, leader in started.items():
        for pid in group_members(int(leader)):
            environment = Path(f"/proc/{pid}/environ").read_bytes()
            assert b"DATABASE_OWNER_URL" not in environment, name
            assert owner_password not in environment, name


def test_sigterm_stops_every_process_it_started_including_a_restarted_redis(
    launcher: Launcher,
) -> None:
    output = launcher.output()
    assert launcher.process is not None
    leaders = {
        int(pid) for pid in re.findall(r"\[launch\] (?:re)?started .+? \(pid (\d+)\)", output)
    }
    leaders |= {int(pid) for pid in re.findall(r"embedded Redis \(pid (\d+)\)", output)}
    leaders |= {launcher.redis_state()["pid"], launcher.process.pid}
    postmaster = int((launcher.data / "pg" / "postmaster.pid").read_text().split()[0])

    assert launcher.stop() == 0

    left = {pid for pid in leaders | {postmaster} if running(pid)}
    left |= {member for pid in leaders for member in group_members(pid)}
    assert left == set(), f"still running after the launcher ended: {sorted(left)}"
    assert not (launcher.data / "redis" / "state.json").exists()
    assert _said(launcher, "stop requested")


def test_manage_alone_starts_the_servers_and_stops_them_afterwards(launcher: Launcher) -> None:
    if launcher.alive():
        launcher.stop()

    verified = launcher.manage("archive_verify")

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "events intact" in verified.stdout
    assert "started embedded Redis" in verified.stdout
    assert not (launcher.data / "redis" / "state.json").exists(), "its Redis was stopped"
    assert not (launcher.data / "pg" / "postmaster.pid").exists(), (
        "its PostgreSQL was stopped: " + verified.stdout + verified.stderr
    )
