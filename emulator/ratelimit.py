"""Count calls per account in fixed windows, as the networks' rate limits do."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class RatePolicy:
    """Allow ``limit`` calls per account in each window of ``window_seconds``."""

    limit: int
    window_seconds: int


# The networks' own figures where they publish one per user, raised where needed so that
# 1,000 posts across 100 accounts at once are never throttled unless a test asks.
DEFAULT_POLICIES = {
    "x": RatePolicy(900, 900),
    "facebook": RatePolicy(200, 3600),
    "mastodon": RatePolicy(300, 300),
    "bluesky": RatePolicy(3000, 300),
}


@dataclass(frozen=True)
class Usage:
    """Report one account's position in its window after a call."""

    limit: int
    used: int
    window_seconds: int
    reset_at: float

    @property
    def remaining(self) -> int:
        """Return the calls left in this window."""
        return max(0, self.limit - self.used)

    @property
    def exhausted(self) -> bool:
        """Return whether this call went over the limit."""
        return self.used > self.limit

    @property
    def percent(self) -> int:
        """Return how much of the window is used, as Meta reports it (0-100)."""
        return min(100, math.ceil(100 * self.used / self.limit)) if self.limit else 100

    @staticmethod
    def spent(limit: int, window_seconds: int, reset_at: float) -> Usage:
        """Return a usage with nothing left, as a forced throttle reports it."""
        return Usage(limit=limit, used=limit + 1, window_seconds=window_seconds, reset_at=reset_at)


class RateLimiter:
    """Keep one fixed window per (network, account)."""

    def __init__(self, overrides: dict[str, RatePolicy]) -> None:
        """Start with the default policies, replaced where ``overrides`` says."""
        self.policies = DEFAULT_POLICIES | overrides
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}

    def set_policy(self, network: str, policy: RatePolicy) -> None:
        """Replace a network's policy; windows already open start over."""
        self.policies[network] = policy
        self._windows = {k: v for k, v in self._windows.items() if k[0] != network}

    def hit(self, network: str, account_id: str, now: float) -> Usage:
        """Count one call by ``account_id`` and return the window's usage."""
        policy = self.policies[network]
        start, used = self._windows.get((network, account_id), (now, 0))
        if now >= start + policy.window_seconds:
            start, used = now, 0
        used += 1
        self._windows[(network, account_id)] = (start, used)
        return Usage(policy.limit, used, policy.window_seconds, start + policy.window_seconds)
