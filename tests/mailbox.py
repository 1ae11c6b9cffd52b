"""The demo's mailbox server, started as `make run` starts it, for the tests that read
the email the app sends over SMTP: ``mail_server`` for the session (the web server of the
browser tests sends to it too), ``mailbox`` for one test (the app's settings point at it,
and it starts empty)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from mailbox import Maildir
from pathlib import Path
from typing import Any

import pytest

from govsocial.demo_mailbox.server import Letter, letters

ROOT = Path(__file__).resolve().parents[1]
# Long enough for a loaded machine: SMTP hands the message over before the send returns.
DEADLINE_SECONDS = 30.0


@dataclass(frozen=True)
class MailServer:
    """Where the demo's mailbox server listens, and the Maildir it keeps messages in."""

    port: int
    folder: Path

    def settings(self) -> dict[str, str]:
        """Return the settings that send the app's email to it and show its page."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "DEMO_MAILBOX": str(self.folder),
        }

    def wait(self, count: int = 1) -> list[Letter]:
        """Return the messages kept, newest first, once there are ``count`` at least."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while len(found := letters(str(self.folder))) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} messages arrived, not {count}")
            time.sleep(0.05)
        return found


@pytest.fixture(scope="session")
def mail_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailServer]:
    """Run ``python -m govsocial.demo_mailbox`` on a free port for the session."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = MailServer(port, tmp_path_factory.mktemp("mailbox") / "Maildir")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "govsocial.demo_mailbox",
         "--port", str(port), "--folder", str(server.folder)],
        cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not _listening(port):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("the demo mailbox did not start")
        time.sleep(0.1)
    try:
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def mailbox(mail_server: MailServer, settings: Any) -> MailServer:
    """Send this test's email to the demo mailbox, emptied first; show its page."""
    for name, value in mail_server.settings().items():
        setattr(settings, name, int(value) if name == "EMAIL_PORT" else value)
    kept = Maildir(mail_server.folder, create=True)
    for key in list(kept.iterkeys()):
        kept.discard(key)
    return mail_server
