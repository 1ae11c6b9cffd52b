"""Load the demo agencies and people once, and print how to sign in."""

from __future__ import annotations

import json
import secrets
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services
from accounts.models import Agency, Role, User
from archive.services import SYSTEM
from govsocial.tenancy import agency_scope

DEMO_AGENCIES = [
    ("riverton", "City of Riverton", "America/Toronto"),
    ("health-ministry", "Ministry of Health", "America/Montreal"),
]
DEMO_PEOPLE = [
    ("admin", "Agency admin", [Role.ADMIN]),
    ("approver", "Supervisor", [Role.APPROVER]),
    ("author", "Comms officer", [Role.AUTHOR]),
    ("records", "Records officer", [Role.RECORDS_OFFICER]),
]


class Command(BaseCommand):
    help = (
        "Create two demo agencies with an admin, approver, author and records officer each, "
        "every one with an authenticator app set up."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        credentials_file = settings.DATA_DIR / "demo-credentials.json"
        if credentials_file.exists():
            credentials = json.loads(credentials_file.read_text())
        else:
            credentials = self._load()
            credentials_file.parent.mkdir(parents=True, exist_ok=True)
            credentials_file.write_text(json.dumps(credentials, indent=2))
            credentials_file.chmod(0o600)
        self.stdout.write("\nDemo sign-in: email, password, authenticator-app secret")
        for email, entry in credentials.items():
            self.stdout.write(f"  {email:<36} {entry['password']:<18} {entry['totp_secret']}")
        self.stdout.write(
            "Every demo user has two-factor set up. For the current code, run in another "
            "terminal:\n  make totp EMAIL=admin@riverton.example\n"
            "(or add the secret to any authenticator app).\n"
        )

    @transaction.atomic
    def _load(self) -> dict[str, dict[str, str]]:
        credentials: dict[str, dict[str, str]] = {}
        if Agency.objects.filter(slug__in=[slug for slug, _n, _z in DEMO_AGENCIES]).exists():
            self.stderr.write("Demo agencies exist already but their passwords are not on file.")
            return credentials
        for slug, name, time_zone in DEMO_AGENCIES:
            agency = services.agency_create(
                name=name, slug=slug, time_zone=time_zone, languages=["en", "fr"], actor=SYSTEM
            )
            # Loading demo data is an operator's act: it binds each agency in turn.
            with agency_scope(agency.pk):
                for local_part, title, roles in DEMO_PEOPLE:
                    email = f"{local_part}@{slug}.example"
                    password = secrets.token_urlsafe(12)
                    user = User.objects.create_user(email, password, name=f"{title}, {name}")
                    services.membership_add(agency=agency, user=user, roles=roles, actor=SYSTEM)
                    secret = generate_totp_secret()
                    TOTP.activate(user, secret)
                    credentials[email] = {"password": password, "totp_secret": secret}
        return credentials
