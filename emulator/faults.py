"""Keep the faults a test or a person asked for, and hand them to the calls they match.

A fault applies to every network (``network`` None) or one, to every account
(``account`` None) or one handle, optionally only to one HTTP method or to paths
containing a string. It lasts for ``count`` matching calls, or until cleared.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

KINDS = ("latency", "server_error", "rate_limit", "token_expired", "accepted_timeout")
FAULT_NETWORKS = ("x", "facebook", "mastodon", "bluesky")
GRAPH_THROTTLE_CODES = (4, 17, 32, 613)


class FaultError(ValueError):
    """Say why a fault request cannot be honoured."""


@dataclass
class Fault:
    """Describe one fault: what it does, which calls it hits, and how many remain."""

    id: int
    kind: str
    network: str | None = None
    account: str | None = None
    method: str | None = None
    path: str | None = None
    remaining: int | None = None
    ms: int = 0
    status: int = 503
    code: int = 32
    reset_in: int = 60
    hold_ms: int = 30_000

    def matches(self, network: str, account: str | None, method: str, path: str) -> bool:
        """Return whether a call with these traits is hit by this fault."""
        return (
            (self.network is None or self.network == network)
            and (self.account is None or (account or "").lower() == self.account.lower())
            and (self.method is None or self.method.upper() == method.upper())
            and (self.path is None or self.path in path)
        )

    def to_json(self) -> dict[str, Any]:
        """Describe the fault for the admin API."""
        return {
            "id": self.id,
            "kind": self.kind,
            "network": self.network,
            "account": self.account,
            "method": self.method,
            "path": self.path,
            "remaining": self.remaining,
            "ms": self.ms,
            "status": self.status,
            "code": self.code,
            "reset_in": self.reset_in,
            "hold_ms": self.hold_ms,
        }


class FaultBook:
    """Hold the active faults in the order they were set."""

    def __init__(self) -> None:
        """Start with no faults."""
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> Fault:
        """Validate ``spec`` (the admin API's JSON) and add the fault it describes."""
        kind = spec.get("kind")
        if kind not in KINDS:
            raise FaultError(f"kind must be one of {', '.join(KINDS)}")
        network = spec.get("network")
        if network is not None and network not in FAULT_NETWORKS:
            raise FaultError(f"network must be one of {', '.join(FAULT_NETWORKS)} (or absent)")
        count = spec.get("count")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise FaultError("count must be a positive whole number (or absent: until cleared)")
        fault = Fault(
            id=next(self._ids),
            kind=kind,
            network=network,
            account=_optional_str(spec, "account"),
            method=_optional_str(spec, "method"),
            path=_optional_str(spec, "path"),
            remaining=count,
            ms=_number(spec, "ms", 0, low=0),
            status=_number(spec, "status", 503, low=500, high=599),
            code=_number(spec, "code", 32, low=1),
            reset_in=_number(spec, "reset_in", 60, low=0),
            hold_ms=_number(spec, "hold_ms", 30_000, low=0),
        )
        if fault.code not in GRAPH_THROTTLE_CODES:
            raise FaultError(f"code must be one of {GRAPH_THROTTLE_CODES} (Graph throttling)")
        if kind == "latency" and fault.ms == 0:
            raise FaultError("a latency fault needs ms > 0")
        self._faults.append(fault)
        return fault

    def take(self, network: str, account: str | None, method: str, path: str) -> list[Fault]:
        """Return the faults hitting this call, counting the call against each of them."""
        hit = [f for f in self._faults if f.matches(network, account, method, path)]
        for fault in hit:
            if fault.remaining is not None:
                fault.remaining -= 1
        self._faults = [f for f in self._faults if f.remaining is None or f.remaining > 0]
        return hit

    def clear(self, fault_id: int | None = None) -> int:
        """Remove one fault (or all when ``fault_id`` is None); return how many went."""
        before = len(self._faults)
        self._faults = [f for f in self._faults if fault_id is not None and f.id != fault_id]
        return before - len(self._faults)

    def active(self) -> list[Fault]:
        """Return the faults still in force."""
        return list(self._faults)


def _optional_str(spec: dict[str, Any], name: str) -> str | None:
    """Return ``spec[name]`` when it is a non-empty string, None when absent."""
    value = spec.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise FaultError(f"{name} must be a non-empty string")
    return value


def _number(
    spec: dict[str, Any], name: str, default: int, *, low: int, high: int | None = None
) -> int:
    """Return ``spec[name]`` as a whole number within bounds, or ``default`` when absent."""
    value = spec.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise FaultError(f"{name} must be a whole number >= {low}")
    if high is not None and value > high:
        raise FaultError(f"{name} must be at most {high}")
    return value
