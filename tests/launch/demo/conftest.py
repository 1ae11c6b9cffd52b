"""The demo as `make run` serves it, started once for this folder's tests: the data they
read and the pages they open are the same launcher's; and Chromium for those pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import browser  # noqa: F401
from tests.delivery_processes import wait_for
from tests.launch.launcher_process import Launcher

# A fresh data folder: initdb, migrations, static files and the demo, on a busy machine.
START_TIMEOUT = 400


@pytest.fixture(scope="package")
def launcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launcher]:
    """Start ``python -m govsocial.launch run`` once for the folder's tests; yield it once
    it says it serves, the demo loaded."""
    launcher = Launcher(tmp_path_factory.mktemp("demo") / "data")
    launcher.start()
    try:
        wait_for(
            lambda: not launcher.alive() or "govsocial is running" in launcher.output(),
            timeout=START_TIMEOUT,
            what="the launcher serving, its demo loaded",
        )
        assert launcher.alive(), "the launcher ended:\n" + launcher.output()[-4000:]
        yield launcher
    finally:
        if launcher.alive():
            launcher.stop()
