"""Run the dispatcher: hand due posts to the workers the moment they are due."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govsocial.memory import loaded_freeze
from publishing.dispatcher import Dispatcher


class Command(BaseCommand):
    help = (
        "Poll PostgreSQL for posts due now and hand them to the Celery workers; stops "
        "cleanly on SIGTERM or Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--poll", type=float, default=None, help="seconds between polls (DISPATCH_POLL_SECONDS)"
        )

    def handle(self, *args: Any, poll: float | None, **options: Any) -> None:
        loaded_freeze()
        Dispatcher(poll_seconds=poll).run()
