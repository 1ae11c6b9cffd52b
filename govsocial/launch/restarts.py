"""Decide when ``run`` restarts a process that ended, and when it gives up on it.

A process that ended is started again after a delay that doubles with each crash in a
row (1 s, 2 s, 4 s … up to 30 s), so a server that cannot start does not spin the
machine; one that then ran a while counts as healthy again and starts from 1 s. A
process that ends ``CRASH_LIMIT`` times within ``CRASH_WINDOW_SECONDS`` will not get
better by itself: ``run`` stops everything and says which one it was.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
# A run this long proves the process can work: its next crash waits FIRST_DELAY again.
HEALTHY_AFTER_SECONDS = 60.0
CRASH_LIMIT = 5
CRASH_WINDOW_SECONDS = 300.0


@dataclass(frozen=True)
class RestartPolicy:
    """Hold the delays and limits of restarting (the module's constants by default)."""

    first_delay: float = FIRST_DELAY_SECONDS
    max_delay: float = MAX_DELAY_SECONDS
    healthy_after: float = HEALTHY_AFTER_SECONDS
    crash_limit: int = CRASH_LIMIT
    crash_window: float = CRASH_WINDOW_SECONDS

    def describe_limit(self) -> str:
        """Say the give-up rule in words, for the message that stops everything."""
        return f"{self.crash_limit} times within {self.crash_window:g} s"


@dataclass
class CrashHistory:
    """Remember one process's recent crashes and the delay before its next start."""

    policy: RestartPolicy
    _crashes: deque[float] = field(default_factory=deque)
    _next_delay: float | None = None

    def delay_after_crash(self, *, now: float, ran_for: float) -> float | None:
        """Record a crash at ``now`` after ``ran_for`` seconds of running; return how long
        to wait before starting again, or None when the process keeps crashing."""
        self._crashes.append(now)
        while self._crashes and self._crashes[0] <= now - self.policy.crash_window:
            self._crashes.popleft()
        if len(self._crashes) >= self.policy.crash_limit:
            return None
        if self._next_delay is None or ran_for >= self.policy.healthy_after:
            self._next_delay = self.policy.first_delay
        delay = self._next_delay
        self._next_delay = min(delay * 2, self.policy.max_delay)
        return delay
