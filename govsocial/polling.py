"""A process that polls PostgreSQL for work until asked to stop: the dispatcher's and
the archive sequencer's shape. One or several may run; the work each pass claims is
claimed in the database, so two never do the same."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

# How long to pause after the database failed a pass, before trying again.
ERROR_PAUSE_SECONDS = 1.0


class PollingLoop:
    """Run ``pass_once`` until stopped (SIGTERM, SIGINT or ``stop``), at once again when
    it says more is waiting, else after ``poll_seconds``."""

    name = "loop"

    def __init__(self, *, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self._stopping = threading.Event()

    def pass_once(self) -> bool:
        """Do what is waiting now; return whether more is waiting already."""
        raise NotImplementedError

    def stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        """Finish the pass under way, then return from ``run``."""
        self._stopping.set()

    def run(self) -> None:
        """Poll until stopped."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        logger.info("%s polling every %.2f s", self.name, self.poll_seconds)
        while not self._stopping.is_set():
            try:
                more = self.pass_once()
            except DatabaseError:
                logger.exception("%s pass failed; trying again", self.name)
                connection.close()
                self._stopping.wait(ERROR_PAUSE_SECONDS)
                continue
            if not more:
                self._stopping.wait(self.poll_seconds)
        connection.close()
        logger.info("%s stopped", self.name)
