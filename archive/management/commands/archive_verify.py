"""Check the archive's hash chains and their signed heads; name the first bad sequence
number or head."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from archive.management.agencies import AgencyCommand
from archive.services import chain_verify, heads_check
from govsocial.tenancy import agency_scope


class Command(AgencyCommand):
    help = (
        "Check every agency's archive chain and signed heads (or one agency's with --agency SLUG)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        broken = 0
        for agency in self.agencies(options):
            # An operator's command is its own entry point: it binds each agency in turn.
            with agency_scope(agency.pk):
                report = chain_verify(agency_id=agency.pk)
                heads = heads_check(agency_id=agency.pk)
            if report.intact:
                self.stdout.write(f"{agency.slug}: {report.events_checked} events, chain intact")
            else:
                broken += 1
                self.stdout.write(
                    f"{agency.slug}: chain broken at sequence {report.first_bad_sequence}"
                    f" ({report.problem}); {report.events_checked} events before it are intact"
                )
            if heads.bad_head is not None:
                broken += 1
                self.stdout.write(
                    f"{agency.slug}: does not match its head signed at"
                    f" {heads.bad_head.signed_at:%Y-%m-%d %H:%M:%S} UTC"
                    f" ({heads.bad_head.size} events): {heads.problem}"
                )
            else:
                self.stdout.write(f"{agency.slug}: matches its {heads.heads_checked} signed heads")
        if broken:
            raise CommandError(f"{broken} problem(s) found")
