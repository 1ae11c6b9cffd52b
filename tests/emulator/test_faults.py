"""Faults on demand, per network and per account, in each network's own words."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.emulator.clients import GRAPH
from tests.emulator_client import Emulator


@dataclass
class Probe:
    """Say how to read and how to publish on one network with one account's token."""

    network: str
    handle: str
    token: str
    read: tuple[str, str]
    publish: tuple[str, dict[str, Any]]

    def call(
        self, http: httpx.Client, *, write: bool = False, timeout: float = 10
    ) -> httpx.Response:
        """Make the read (or the publishing) call."""
        headers = {"Authorization": f"Bearer {self.token}"}
        if write:
            path, body = self.publish
            return http.post(path, json=body, headers=headers, timeout=timeout)
        return http.get(self.read[1], headers=headers, timeout=timeout)


def probe(emulator: Emulator, network: str, handle: str = "riverton") -> Probe:
    """Create an account on ``network`` and describe its calls."""
    if network == "bluesky":
        handle = f"{handle}.bsky.social"
    account = emulator.account(network, handle)
    if network == "x":
        return Probe(
            network,
            handle,
            account["access_token"],
            ("GET", "/x/2/users/me"),
            ("/x/2/tweets", {"text": "Hello"}),
        )
    if network == "mastodon":
        return Probe(
            network, handle, account["access_token"],
            ("GET", "/mastodon/api/v1/accounts/verify_credentials"),
            ("/mastodon/api/v1/statuses", {"status": "Hello"}),
        )  # fmt: skip
    if network == "bluesky":
        record = {
            "$type": "app.bsky.feed.post",
            "text": "Hello",
            "createdAt": "2025-01-01T00:00:00.000Z",
        }
        return Probe(
            network, handle, account["accessJwt"],
            ("GET", "/bluesky/xrpc/com.atproto.server.getSession"),
            ("/bluesky/xrpc/com.atproto.repo.createRecord",
             {"repo": account["did"], "collection": "app.bsky.feed.post", "record": record}),
        )  # fmt: skip
    return Probe(
        network, handle, account["page_access_token"],
        ("GET", f"{GRAPH}/me"),
        (f"{GRAPH}/{account['id']}/feed", {"message": "Hello"}),
    )  # fmt: skip


NETWORKS = ["x", "facebook", "mastodon", "bluesky"]


@pytest.fixture(autouse=True)
def _quiet(emulator: Emulator) -> None:
    """Keep citizens out of the counts."""
    emulator.configure(citizens=False)


@pytest.mark.parametrize("network", NETWORKS)
def test_server_error_fault_answers_5xx_then_clears(emulator: Emulator, network: str) -> None:
    account = probe(emulator, network)
    emulator.fault("server_error", network=network, status=502)

    failed = account.call(emulator.http, write=True)
    emulator.clear_faults()
    recovered = account.call(emulator.http, write=True)

    assert failed.status_code == 502
    assert recovered.status_code in (200, 201)
    assert len(emulator.posts(network=network, origin="account")) == 1


@pytest.mark.parametrize(
    ("network", "reset_header"),
    [
        ("x", "x-rate-limit-reset"),
        ("mastodon", "x-ratelimit-reset"),
        ("bluesky", "ratelimit-reset"),
    ],
)
def test_rate_limit_fault_answers_429_with_the_reset(
    emulator: Emulator, network: str, reset_header: str
) -> None:
    account = probe(emulator, network)
    emulator.fault("rate_limit", network=network, reset_in=120, count=1)

    throttled = account.call(emulator.http)
    after = account.call(emulator.http)

    assert throttled.status_code == 429
    raw = throttled.headers[reset_header]
    reset = (
        datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp() if "T" in raw else int(raw)
    )
    assert 100 < reset - time.time() <= 121
    assert after.status_code == 200


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (4, "Application request limit"),
        (17, "User request limit"),
        (32, "Page request limit"),
        (613, "rate limit"),
    ],
)
def test_graph_throttling_codes(emulator: Emulator, code: int, message: str) -> None:
    account = probe(emulator, "facebook")
    emulator.fault("rate_limit", network="facebook", code=code, count=1)

    throttled = account.call(emulator.http, write=True)

    error = throttled.json()["error"]
    assert throttled.status_code == 400
    assert error["code"] == code and message in error["message"] and error["is_transient"] is True
    assert '"call_count":100' in throttled.headers["x-app-usage"]
    assert emulator.posts(network="facebook") == []


@pytest.mark.parametrize(
    ("network", "status", "marker"),
    [
        ("x", 401, "Unauthorized"),
        ("mastodon", 401, "expired"),
        ("bluesky", 400, "ExpiredToken"),
        ("facebook", 400, "190"),
    ],
)
def test_token_expired_fault(emulator: Emulator, network: str, status: int, marker: str) -> None:
    account = probe(emulator, network)
    emulator.fault("token_expired", network=network, account=account.handle, count=1)

    answer = account.call(emulator.http)

    assert answer.status_code == status and marker in answer.text
    assert account.call(emulator.http).status_code == 200, "a one-shot fault hits one call"


@pytest.mark.parametrize("network", NETWORKS)
def test_accepted_then_timed_out_stores_the_post(emulator: Emulator, network: str) -> None:
    account = probe(emulator, network)
    emulator.fault("accepted_timeout", network=network, method="POST", hold_ms=2000, count=1)

    with pytest.raises(httpx.TimeoutException):
        account.call(emulator.http, write=True, timeout=0.5)

    assert [p["text"] for p in emulator.posts(network=network, origin="account")] == ["Hello"]


def test_faults_hit_only_their_account_and_count_down(emulator: Emulator) -> None:
    target, bystander = probe(emulator, "x", "riverton"), probe(emulator, "x", "ministry")
    emulator.fault("server_error", account="riverton", count=2)

    results = [target.call(emulator.http).status_code for _ in range(3)]

    assert results == [503, 503, 200]
    assert bystander.call(emulator.http).status_code == 200
    assert emulator.faults() == []


def test_latency_fault_delays_only_matching_calls(emulator: Emulator) -> None:
    slow, fast = probe(emulator, "mastodon", "riverton"), probe(emulator, "mastodon", "ministry")
    emulator.fault("latency", account="riverton", ms=400)

    started = time.monotonic()
    slow.call(emulator.http)
    slow_seconds = time.monotonic() - started
    started = time.monotonic()
    fast.call(emulator.http)
    fast_seconds = time.monotonic() - started

    assert slow_seconds >= 0.4 > fast_seconds


def test_global_latency_does_not_hold_other_calls_back(emulator: Emulator) -> None:
    accounts = [probe(emulator, "x", f"agency{n}") for n in range(20)]
    emulator.configure(latency_ms=300)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(
                lambda a: a.call(httpx.Client(base_url=emulator.base_url), write=True), accounts
            )
        )
    elapsed = time.monotonic() - started

    assert [a.status_code for a in answers] == [201] * 20
    assert 0.3 <= elapsed < 3, "20 calls of 300 ms answered side by side, not one after another"
    assert len(emulator.posts(network="x")) == 20


def test_an_unknown_fault_kind_is_refused(emulator: Emulator) -> None:
    answer = emulator.http.post("/_emulator/faults", json={"kind": "gremlins"})

    assert answer.status_code == 400 and "kind must be one of" in answer.json()["error"]
