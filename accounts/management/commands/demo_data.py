"""Load the demo agencies, their people and the demo agency's fortnight once, and print
how to sign in. The embedded default's alone: refused where the networks are real."""

from __future__ import annotations

import json
import secrets
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
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
# The agency whose accounts publish and whose fortnight is filled; the others only
# have their accounts connected.
LIVED_IN = "riverton"
# Each agency's handle on the networks.
HANDLES = {"riverton": "riverton", "health-ministry": "healthministry"}


class Command(BaseCommand):
    help = (
        "Create two demo agencies with an admin, approver, author and records officer each, "
        "every one with an authenticator app set up, connect their accounts on the network "
        "emulator and give the City of Riverton a fortnight of posts, approvals, inbox and "
        "records. Only where the networks are the emulator (EMULATOR_URL)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.EMULATOR_URL:
            raise CommandError(
                "The demo data is for the embedded default (make run) only: EMULATOR_URL is "
                "not set, so the networks here are the real ones. Nothing was changed."
            )
        credentials_file = settings.DATA_DIR / "demo-credentials.json"
        if credentials_file.exists():
            credentials = json.loads(credentials_file.read_text())
        else:
            credentials = self._load()
            credentials_file.parent.mkdir(parents=True, exist_ok=True)
            credentials_file.write_text(json.dumps(credentials, indent=2))
            credentials_file.chmod(0o600)
        self._networks()
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

    def _networks(self) -> None:
        """Connect each demo agency's accounts where the emulator does not know them (a
        new emulator each ``make run``), and fill the lived-in agency's fortnight once."""
        # Imported here: the demo stands on every app, which the people above do not need.
        from govsocial.demo.fortnight import People, fortnight_load
        from govsocial.demo.networks import accounts_connect
        from publishing.models import Post

        for slug, _name, _zone in DEMO_AGENCIES:
            agency = Agency.objects.filter(slug=slug).first()
            if agency is None:
                continue
            # As above: an operator's act, one agency bound at a time.
            with agency_scope(agency.pk):
                people = People(**{
                    local_part: User.objects.get(email=f"{local_part}@{slug}.example")
                    for local_part, _title, _roles in DEMO_PEOPLE
                })  # fmt: skip
                accounts = accounts_connect(agency=agency, admin=people.admin, handle=HANDLES[slug])
                if slug == LIVED_IN and not Post.objects.exists():
                    fortnight_load(agency=agency, people=people, accounts=accounts)
                    self.stdout.write(f"{agency.name}: a fortnight of demo activity loaded.")
