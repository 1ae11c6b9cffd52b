"""Find Chromium for the browser tests, installing Debian's package where we may."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess  # the launcher exists to start processes  # nosec B404
from pathlib import Path

from govsocial.launch.common import say

# Test runs started side by side on a machine without Chromium install it one at a
# time: apt refuses a second apt at once, and that run's browser tests would skip.
INSTALL_LOCK = Path("/var/lock/govsocial-chromium-install.lock")
# How long an install waits for another program's apt (dpkg's own lock).
APT_LOCK_TIMEOUT_SECONDS = 600


def chromium_path() -> str | None:
    """Return Chromium's path, installing the ``chromium`` package as root on Debian."""
    found = shutil.which("chromium")
    if found:
        return found
    apt_get = shutil.which("apt-get")
    if apt_get is None or os.geteuid() != 0:
        say("Chromium is not installed and cannot be installed here: browser tests skip")
        return None
    with INSTALL_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # Another run may have installed it while this one waited.
        return shutil.which("chromium") or _installed(apt_get)


def _installed(apt_get: str) -> str | None:
    """Install Debian's ``chromium`` package; return its path, or None when apt fails."""
    say("installing Chromium for the browser tests (Debian's chromium package)")
    waiting = f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT_SECONDS}"
    for argv in (
        [apt_get, "-o", waiting, "update", "-qq"],
        [apt_get, "-o", waiting, "install", "-y", "-qq", "chromium"],
    ):
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell  # nosec B603
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            check=False,
        )
        if result.returncode != 0:
            say(f"apt-get {argv[3]} failed: browser tests skip")
            return None
    return shutil.which("chromium")
