"""Check the archive's logs from their events up, against their signed heads, and the
files it keeps whole; name the first bad position, head or file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.db import transaction

from archive.management.agencies import AgencyCommand
from archive.verification import contents_verify, log_verify
from govsocial.tenancy import agency_scope


class Command(AgencyCommand):
    help = "Check every agency's archive log and signed heads (or one agency's with --agency SLUG)."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = 0
        for agency in self.agencies(options):
            # An operator's command is its own entry point: it binds each agency in turn.
            with agency_scope(agency.pk), transaction.atomic():
                report = log_verify(agency_id=agency.pk)
                kept = contents_verify(agency_id=agency.pk)
            if kept.intact:
                self.stdout.write(f"{agency.slug}: {kept.files_checked} kept files intact")
            else:
                broken += 1
                self.stdout.write(f"{agency.slug}: kept file {kept.bad_file}: {kept.problem}")
            if report.intact:
                stamps = f" ({report.stamps_checked} time-stamped)" if report.stamps_checked else ""
                self.stdout.write(
                    f"{agency.slug}: {report.events_checked} events intact,"
                    f" matching its {report.heads_checked} signed heads{stamps}"
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
            raise CommandError(f"{broken} problem{'' if broken == 1 else 's'} found")
