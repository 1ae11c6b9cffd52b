"""Keep the processes of ``run`` running: restart what ends, with backoff, and stop
everything together on the way out, or when one process keeps crashing."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from govsocial.launch.children import Child, ChildSpec
from govsocial.launch.common import LaunchError, say, shielded
from govsocial.launch.restarts import CrashHistory, RestartPolicy

STOP_GRACE_SECONDS = 10.0


class Supervised(Protocol):
    """Describe what the supervisor watches: a child it started, or a server (the
    embedded Redis) that someone else starts and stops."""

    @property
    def name(self) -> str:
        """Return the name the launcher's messages use."""

    @property
    def pid(self) -> int:
        """Return the pid of the current process."""

    def ended(self) -> str | None:
        """Describe how the process ended, or return None while it runs."""

    def restart(self) -> None:
        """Start the process again."""


@dataclass
class _Watch:
    """Hold one watched process with its crash history and its pending restart."""

    unit: Supervised
    crashes: CrashHistory
    started_at: float = field(default_factory=time.monotonic)
    restart_at: float | None = None


class Supervisor:
    """Start children, restart whatever ends, and stop the children together."""

    def __init__(self, env: Mapping[str, str], policy: RestartPolicy | None = None) -> None:
        """Remember the environment every child gets and the restart policy."""
        self._env = dict(env)
        self._policy = policy or RestartPolicy()
        self._children: list[Child] = []
        self._watches: list[_Watch] = []

    def __enter__(self) -> Supervisor:
        """Return the supervisor; children are stopped when the block exits."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Stop every child, whatever ended the block."""
        self.stop_all()

    def add_env(self, values: Mapping[str, str]) -> None:
        """Give the children started (or restarted) from now on these variables too."""
        self._env.update(values)

    def start(self, spec: ChildSpec) -> None:
        """Start ``spec`` and watch it; ``stop_all`` stops it."""
        child = Child(spec, self._env)
        self._children.append(child)
        self.watch(child)
        say(f"started {child.name} (pid {child.pid})")

    def watch(self, unit: Supervised) -> None:
        """Restart ``unit`` whenever it ends; whoever started it also stops it."""
        self._watches.append(_Watch(unit, CrashHistory(self._policy)))

    def check(self) -> None:
        """Notice what ended and restart what has waited its delay; raise LaunchError
        (the caller's with-blocks then stop everything) when one keeps crashing."""
        for watch in self._watches:
            now = time.monotonic()
            if watch.restart_at is None:
                self._notice_end(watch, now)
            elif now >= watch.restart_at:
                watch.unit.restart()
                watch.started_at, watch.restart_at = time.monotonic(), None
                say(f"restarted {watch.unit.name} (pid {watch.unit.pid})")

    def stop_all(self) -> None:
        """Send SIGTERM, wait up to the grace period, then SIGKILL whole process groups."""
        with shielded():
            running = [child for child in self._children if child.request_stop()]
            if running:
                say("stopping " + ", ".join(child.name for child in running))
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            while time.monotonic() < deadline and any(c.ended() is None for c in running):
                time.sleep(0.1)
            for child in self._children:
                # Also reaps helpers (gunicorn workers, celery pool) a leader left behind.
                child.finish()
            self._children.clear()
            self._watches.clear()

    def _notice_end(self, watch: _Watch, now: float) -> None:
        """Schedule the restart of ``watch`` if its process ended, or give up on it."""
        how = watch.unit.ended()
        if how is None:
            return
        ran_for = now - watch.started_at
        delay = watch.crashes.delay_after_crash(now=now, ran_for=ran_for)
        name, pid = watch.unit.name, watch.unit.pid
        if delay is None:
            raise LaunchError(
                f"{name} (pid {pid}) {how}: it ended {self._policy.describe_limit()}, "
                "so it is not restarted again; stopped everything"
            )
        say(f"{name} (pid {pid}) {how} after {ran_for:.0f} s; restarting it in {delay:g} s")
        watch.restart_at = now + delay
