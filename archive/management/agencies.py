"""What the archive's commands share: every agency, or the one ``--agency`` names."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet


class AgencyCommand(BaseCommand):
    """A command run over every agency, or over the one ``--agency SLUG`` names."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", metavar="SLUG", help="only this agency")

    def agencies(self, options: dict[str, Any]) -> QuerySet[Any]:
        """Return the agencies the command runs over, by short name."""
        agencies = apps.get_model("accounts", "Agency").objects.order_by("slug")
        if options["agency"]:
            agencies = agencies.filter(slug=options["agency"])
            if not agencies.exists():
                raise CommandError(f"No agency has the short name “{options['agency']}”.")
        return agencies
