"""A long-running process leaves what it loaded out of the garbage collector's passes,
having collected what was garbage already (run apart: freezing is for the process)."""

from __future__ import annotations

import subprocess
import sys

from govsocial.launch.common import REPO_ROOT


def test_what_a_process_loaded_is_frozen_once_its_garbage_is_collected() -> None:
    frozen, imported, collected = subprocess.run(
        [sys.executable, "-c",
         "import gc, sys, weakref\n"
         "from govsocial.memory import loaded_freeze\n"
         "gc.disable()\n"
         "class Cycle: pass\n"
         "garbage = Cycle(); garbage.itself = garbage; collected = []\n"
         "weakref.finalize(garbage, collected.append, True)\n"
         "del garbage\n"
         "loaded_freeze('json.tool')\n"
         "print(gc.get_freeze_count(), 'json.tool' in sys.modules, collected)\n"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout.split(maxsplit=2)  # fmt: skip

    assert int(frozen) > 0 and imported == "True" and collected.strip() == "[True]"
