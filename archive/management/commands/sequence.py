"""Run the archive's sequencer: place committed events in their agencies' logs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from archive.sequencer import Sequencer
from govsocial.memory import loaded_freeze


class Command(BaseCommand):
    help = (
        "Place every committed archive event in its agency's log within the merge delay"
        " (ARCHIVE_MERGE_DELAY_SECONDS); stops cleanly on SIGTERM or Ctrl-C."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        loaded_freeze()
        Sequencer().run()
