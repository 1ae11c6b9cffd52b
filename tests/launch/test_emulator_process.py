"""The run command starts the network emulator as one of its processes, its Instagram
fetching images from the app."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

from govsocial.launch.commands import app_processes
from govsocial.launch.common import REPO_ROOT


def _free_port() -> int:
    """Return a port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_run_starts_the_emulator_first_on_its_own_port(tmp_path: Path) -> None:
    port = _free_port()
    emulator = app_processes(8000, tmp_path, port)[0]
    assert emulator.name == "emulator", "the web and the worker publish to it: it starts first"

    process = subprocess.Popen(list(emulator.argv), cwd=REPO_ROOT)  # noqa: S603
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the emulator did not answer"
                time.sleep(0.2)
        page = httpx.get(f"http://127.0.0.1:{port}/")
        config = httpx.get(f"http://127.0.0.1:{port}/_emulator/config").json()
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert answer.json() == {"ok": True}
    assert "Network emulator" in page.text
    assert config["fetch_media"] is True, "its Instagram fetches images from the app, as Meta's"
