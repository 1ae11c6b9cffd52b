"""Check the archive's logs from their events up, against their signed heads; name the
first bad position or head."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.db import transaction

from archive.management.agencies import AgencyCommand
from archive.verification import log_verify
from govsocial.tenancy import agency_scope


class Command(AgencyCommand):
    help = "Check every agency's archive log and signed heads (or one agency's with --agency SLUG)."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = 0
        for agency in self.agencies(options):
            # An operator's command is its own entry point: it binds each agency in turn.
            with agency_scope(agency.pk), transaction.atomic():
                report = log_verify(agency_id=agency.pk)
            if report.intact:
                self.stdout.write(
                    f"{agency.slug}: {report.events_checked} events intact,"
                    f" matching its {report.heads_checked} signed heads"
                )
                continue
            broken += 1
            if report.bad_head is not None:
                self.stdout.write(
                    f"{agency.slug}: does not match its head signed at"
                    f" {report.bad_head.signed_at:%Y-%m-%d %H:%M:%S} UTC"
                    f" ({report.bad_head.size} events): {report.problem}"
                )
            else:
                self.stdout.write(
                    f"{agency.slug}: damaged at position {report.bad_position}: {report.problem};"
                    f" the {report.events_checked} events before it are intact"
                )
        if broken:
            raise CommandError(f"{broken} problem(s) found")
