"""Place committed events in their agencies' logs, within the merge delay.

``archive.record`` only inserts; this loop finds, through one database function, the
agencies with events waiting, and places each agency's in its log under a lock only
sequencers take (``archive.services.log_integrate``). Run it with ``manage.py
sequence``; two running at once place every event once, as unique positions enforce.
"""

from __future__ import annotations

from django.conf import settings

from archive.services import log_integrate, pending_agencies
from govsocial.polling import PollingLoop
from govsocial.tenancy import agency_scope


class Sequencer(PollingLoop):
    """Poll for events waiting to be placed until asked to stop."""

    name = "sequencer"

    def __init__(self, *, poll_seconds: float | None = None, batch: int | None = None) -> None:
        """Look four times per merge delay unless told otherwise."""
        super().__init__(poll_seconds=poll_seconds or settings.ARCHIVE_MERGE_DELAY_SECONDS / 4)
        self.batch = batch or settings.ARCHIVE_SEQUENCER_BATCH

    def pass_once(self) -> bool:
        """Place what waits in every agency's log; more waits when one filled a batch."""
        more = False
        for agency_id in pending_agencies():
            with agency_scope(agency_id):
                more |= log_integrate(agency_id=agency_id, limit=self.batch) >= self.batch
        return more
