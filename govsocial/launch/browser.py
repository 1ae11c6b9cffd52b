"""Find Chromium for the browser tests, installing Debian's package where we may."""

from __future__ import annotations

import os
import shutil
import subprocess  # the launcher exists to start processes  # nosec B404

from govsocial.launch.common import say


def chromium_path() -> str | None:
    """Return Chromium's path, installing the ``chromium`` package as root on Debian."""
    found = shutil.which("chromium")
    if found:
        return found
    apt_get = shutil.which("apt-get")
    if apt_get is None or os.geteuid() != 0:
        say("Chromium is not installed and cannot be installed here: browser tests skip")
        return None
    say("installing Chromium for the browser tests (Debian's chromium package)")
    for argv in ([apt_get, "update", "-qq"], [apt_get, "install", "-y", "-qq", "chromium"]):
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell  # nosec B603
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            check=False,
        )
        if result.returncode != 0:
            say(f"{' '.join(argv[1:3])} failed: browser tests skip")
            return None
    return shutil.which("chromium")
