"""Run the network emulator for tests and drive its admin API.

``tests/conftest.py`` starts one real emulator server per test session (a uvicorn
server on a free port, in a background thread) and hands each test an ``Emulator``
whose world was just reset.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any
from urllib.parse import quote

import httpx
import uvicorn

from emulator.app import create_app
from emulator.state import Settings


class EmulatorServer:
    """Serve the emulator on 127.0.0.1 and a free port, in a daemon thread."""

    def __init__(self, settings: Settings | None = None) -> None:
        """Prepare the server; ``start`` binds and serves."""
        self._app = create_app(settings)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def start(self) -> None:
        """Bind a free port and serve until ``stop``."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Answers go out at once: without it, a response written in two parts waits on
        # the client's delayed ACK (about 40 ms a call). Accepted sockets inherit it.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(self._app, log_level="warning", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        self.base_url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        """Ask the server to finish and wait for it."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)


class Emulator:
    """Drive a running emulator's admin API (``/_emulator/``)."""

    def __init__(self, base_url: str) -> None:
        """Talk to the emulator at ``base_url``."""
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=10)

    def url(self, path: str) -> str:
        """Return the absolute URL of ``path`` on the emulator."""
        return self.base_url + path

    def _admin(self, verb: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the admin API and return its JSON; fail on an error status."""
        response = self.http.request(verb, f"/_emulator{path}", json=body)
        response.raise_for_status()
        return response.json()

    def reset(self, seed: int | None = None) -> None:
        """Forget everything (optionally with a new seed)."""
        self._admin("POST", "/reset", {"seed": seed} if seed is not None else None)

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change latency_ms, seed, citizens or rate_limits."""
        return dict(self._admin("PUT", "/config", settings))

    def account(self, network: str, handle: str, **extra: Any) -> dict[str, Any]:
        """Create (or find) an account and return it with fresh tokens."""
        return dict(
            self._admin("POST", "/accounts", {"network": network, "handle": handle, **extra})
        )

    def accounts(self, network: str | None = None) -> list[dict[str, Any]]:
        """Return the accounts (of one network)."""
        suffix = f"?network={network}" if network else ""
        return list(self._admin("GET", f"/accounts{suffix}")["accounts"])

    def tokens(self, network: str, handle: str, **fields: Any) -> dict[str, Any]:
        """Issue an account fresh tokens (``expires_in`` seconds)."""
        return dict(self._admin("POST", f"/accounts/{network}/{handle}/tokens", fields))

    def expire(self, network: str, handle: str, *, refresh: bool = False) -> int:
        """Expire an account's access tokens (and refresh tokens); return how many."""
        return int(
            self._admin("POST", f"/accounts/{network}/{handle}/expire", {"refresh": refresh})[
                "expired"
            ]
        )

    def posts(self, **filters: str) -> list[dict[str, Any]]:
        """Return the stored posts matching ``network``, ``account``, ``origin``, ``kind``."""
        query = "&".join(f"{k}={v}" for k, v in filters.items())
        return list(self._admin("GET", f"/posts?{query}")["posts"])

    def inbound(self, **fields: Any) -> dict[str, Any]:
        """Have a citizen reply, mention or write a message."""
        return dict(self._admin("POST", "/inbound", fields))

    def blocked(self, network: str, account: str) -> list[str]:
        """Return the ids of those ``account`` blocked."""
        found = self._admin("GET", f"/blocked?network={network}&account={quote(account)}")
        return list(found["blocked"])

    def edit(self, network: str, post_id: str, text: str) -> dict[str, Any]:
        """Have the citizen who wrote a post change its text."""
        return dict(
            self._admin("PATCH", f"/posts/{network}/{quote(post_id, safe='')}", {"text": text})
        )

    def delete(self, network: str, post_id: str) -> dict[str, Any]:
        """Have the citizen who wrote a post delete it."""
        return dict(self._admin("DELETE", f"/posts/{network}/{quote(post_id, safe='')}"))

    def fault(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Add a fault and return it."""
        return dict(self._admin("POST", "/faults", {"kind": kind, **fields}))

    def faults(self) -> list[dict[str, Any]]:
        """Return the faults in force."""
        return list(self._admin("GET", "/faults")["faults"])

    def authorise(self, authorize_url: str, handle: str, *, decision: str = "authorise") -> str:
        """Act as a person on a network's authorisation page: sign in as ``handle`` and
        approve (or cancel); return where the network redirects the browser."""
        url = httpx.URL(authorize_url)
        form = dict(url.params) | {"handle": handle, "decision": decision}
        answer = self.http.post(url.copy_with(query=None), data=form)
        if answer.status_code != 302:
            raise AssertionError(
                f"the authorisation page answered {answer.status_code}: {answer.text}"
            )
        return str(answer.headers["location"])

    def clear_faults(self) -> None:
        """Clear every fault."""
        self._admin("DELETE", "/faults")
