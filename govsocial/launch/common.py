"""Share paths, messages and errors between the launcher modules."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# Ctrl-C, kill, and a closed terminal: each must stop children and servers in order.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class LaunchError(Exception):
    """Signal a problem the user must fix; reported without a traceback, after cleanup."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        """Keep the message and the exit code the launcher should end with."""
        super().__init__(message)
        self.exit_code = exit_code


class Terminated(BaseException):
    """Signal that SIGTERM or SIGHUP asked the launcher to stop."""


def say(message: str) -> None:
    """Print a launcher message, flushed so it interleaves with child output in CI logs."""
    # A closed terminal (SIGHUP) makes writes fail; cleanup must go on regardless.
    with contextlib.suppress(OSError):
        print(f"[launch] {message}", flush=True)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing, readable only by the current user."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Return the data folder: ``$GOVSOCIAL_DATA_DIR`` or ``<repo>/.data``."""
    raw = os.environ.get("GOVSOCIAL_DATA_DIR", "")
    path = Path(raw).expanduser() if raw else REPO_ROOT / ".data"
    return private_dir(path.resolve())


@contextmanager
def shielded() -> Iterator[None]:
    """Ignore stop signals while cleaning up, so a second Ctrl-C cannot strand servers."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
