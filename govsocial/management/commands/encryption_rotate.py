"""Re-encrypt every stored secret with the newest of ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction

from govsocial.encryption import EncryptedTextField, new_key, reencrypt
from govsocial.tenancy import AgencyOwned, agency_scope

# allauth keeps these parts of an authenticator's data encrypted through our MFA adapter.
ENCRYPTED_AUTHENTICATOR_DATA = {
    Authenticator.Type.TOTP: "secret",
    Authenticator.Type.RECOVERY_CODES: "seed",
}


class Command(BaseCommand):
    help = (
        "After putting a new key first in ENCRYPTION_KEYS (and restarting), re-encrypt "
        "every stored secret with it; then the old key can be removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--new-key", action="store_true", help="print a fresh key and change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(new_key())
            return
        count = self._authenticators()
        for model in apps.get_models():
            fields = [f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)]
            if fields:
                count += self._model(model, fields)
        self.stdout.write(f"Re-encrypted {count} stored secret(s) with the newest key.")

    def _authenticators(self) -> int:
        count = 0
        with transaction.atomic():
            for authenticator in Authenticator.objects.select_for_update().filter(
                type__in=list(ENCRYPTED_AUTHENTICATOR_DATA)
            ):
                key = ENCRYPTED_AUTHENTICATOR_DATA[Authenticator.Type(authenticator.type)]
                authenticator.data[key] = reencrypt(authenticator.data[key])
                authenticator.save(update_fields=["data"])
                count += 1
        return count

    def _model(self, model: type[models.Model], fields: list[str]) -> int:
        if not issubclass(model, AgencyOwned):
            return self._rows(model._default_manager.all(), fields)
        count = 0
        agency_model = apps.get_model("accounts", "Agency")
        for agency_id in agency_model.objects.values_list("id", flat=True):
            # An operator's command binds each agency in turn.
            with agency_scope(agency_id):
                count += self._rows(model.objects.all(), fields)
        return count

    def _rows(self, rows: models.QuerySet[Any], fields: list[str]) -> int:
        count = 0
        with transaction.atomic():
            for row in rows.select_for_update():
                # Reading decrypts with any key; saving encrypts with the newest.
                row.save(update_fields=fields)
                count += 1
        return count
