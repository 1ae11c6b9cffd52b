"""Accounts for the benchmarks: X accounts made on the run's emulator and connected to
an agency through ``account_connect``, as an authorisation would connect them. Imported
once Django is set up."""

from __future__ import annotations

from datetime import timedelta

import httpx
from django.utils import timezone

from accounts.models import Agency, User
from publishing.models import SocialAccount
from publishing.networks.base import (
    AccountCredentials,
    AccountProfile,
    ConnectableAccount,
    Network,
)
from publishing.services import account_connect

SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access")


def x_account_connect(
    emulator: httpx.Client, *, agency: Agency, admin: User, handle: str
) -> tuple[SocialAccount, AccountCredentials]:
    """Make the X account ``handle`` on the emulator (``emulator`` is a client of it),
    connect it to ``agency`` (which must be bound) as ``admin``; return the account and
    its credentials."""
    found = emulator.post("/_emulator/accounts", json={"network": "x", "handle": handle}).json()
    credentials = AccountCredentials(
        network=Network.X,
        remote_id=found["id"],
        handle=found["handle"],
        access_token=found["access_token"],
        refresh_token=found["refresh_token"],
        token_expires_at=timezone.now() + timedelta(hours=2),
    )
    grant = ConnectableAccount(
        profile=AccountProfile(
            remote_id=found["id"], handle=found["handle"], display_name=agency.name
        ),
        credentials=credentials,
        scopes=SCOPES,
    )
    account, _new = account_connect(agency=agency, actor=admin, grant=grant)
    return account, credentials
