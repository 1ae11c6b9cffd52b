"""Run the demo's SMTP server: ``python -m govsocial.demo_mailbox --port 8025 --folder F``.
Every message it accepts, for anyone, is kept in the Maildir ``F``; it stops on SIGTERM
or Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from pathlib import Path

from govsocial.demo_mailbox.server import mail_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    options = parser.parse_args()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with mail_server(options.host, options.port, options.folder):
        where = f"smtp://{options.host}:{options.port}/ into {options.folder}"
        print(f"demo mailbox: {where}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stopped.wait()


if __name__ == "__main__":
    main()
