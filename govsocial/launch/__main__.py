"""Parse ``python -m govsocial.launch run|test|bench|manage|totp [args]`` and run the command."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from govsocial.launch import commands
from govsocial.launch.common import LaunchError, Terminated, say
from govsocial.launch.totp import totp

COMMANDS = {
    "run": commands.run,
    "test": commands.test,
    "bench": commands.bench,
    "manage": commands.manage,
    "totp": totp,
}
USAGE = """usage: python -m govsocial.launch run
       python -m govsocial.launch test [pytest arguments...]
       python -m govsocial.launch bench [BENCHMARK [its arguments...]]   (all, or one)
       python -m govsocial.launch manage COMMAND [arguments...]   (manage.py on run's servers)
       python -m govsocial.launch totp EMAIL   (a demo user's current two-factor code)

Environment: DATABASE_URL, DATABASE_OWNER_URL, REDIS_URL, PORT, EMULATOR_PORT, GOVSOCIAL_DATA_DIR
(see govsocial/launch/__init__.py)."""


def main(argv: list[str]) -> int:
    """Dispatch to a command and turn errors and interrupts into exit codes."""
    if argv[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if not argv or argv[0] not in COMMANDS:
        print(USAGE, file=sys.stderr)
        return 2
    # Explicit, because Python leaves SIGINT ignored when started from a non-interactive
    # shell's background job; every stop signal must lead to an orderly stop.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_terminated)
    signal.signal(signal.SIGHUP, _raise_terminated)
    command = COMMANDS[argv[0]]
    try:
        return command(argv[1:])
    except LaunchError as error:
        say(f"error: {error}")
        return error.exit_code
    except (KeyboardInterrupt, Terminated):
        say("interrupted")
        return 130


def _raise_terminated(_signum: int, _frame: FrameType | None) -> None:
    """Turn SIGTERM/SIGHUP into an exception so every ``finally`` cleanup runs."""
    raise Terminated


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
