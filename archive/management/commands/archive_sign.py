"""Sign every agency's archive head now, as the scheduler does every hour."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from archive.management.agencies import AgencyCommand
from archive.services import head_sign
from govsocial.tenancy import agency_scope


class Command(AgencyCommand):
    help = (
        "Sign every agency's archive head now, even when its log has not grown since the"
        " last one (or one agency's with --agency SLUG)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for agency in self.agencies(options):
            # An operator's command is its own entry point: it binds each agency in turn.
            with agency_scope(agency.pk), transaction.atomic():
                head = head_sign(agency_id=agency.pk)
            self.stdout.write(
                f"{agency.slug}: signed {head.size} events with key {head.key_id}"
                f" at {head.signed_at:%Y-%m-%d %H:%M:%S} UTC"
            )
