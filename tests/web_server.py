"""Serve the app with gunicorn, as `make run` does, for the tests that need a real web
server: the browser tests, and a network fetching a post's image from the app."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mailbox import MailServer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def web_media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the folder the web server keeps the media library in: a test that uploads
    files for the server to send stores them there."""
    return tmp_path_factory.mktemp("web-media")


@pytest.fixture(scope="session")
def web_server(
    tmp_path_factory: pytest.TempPathFactory,
    web_port: int,
    network_environment: dict[str, str],
    web_media_root: Path,
    mail_server: MailServer,
) -> Iterator[str]:
    """Serve the app on the session's web port, with the networks at the session's
    emulator (``network_environment``), sending its email to the demo's mailbox."""
    port = web_port
    url = f"http://127.0.0.1:{port}"
    static_root = tmp_path_factory.mktemp("static")
    env = {
        **os.environ,
        **network_environment,
        **mail_server.settings(),
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(web_media_root),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Links in the email it sends point at it, as `make run`'s do.
        "SITE_URL": url,
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "govsocial.wsgi:application",
         "-b", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise
            time.sleep(0.3)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
