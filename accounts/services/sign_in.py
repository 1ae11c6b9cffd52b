"""Events about a person's sign-in, recorded in each of their agencies."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

import archive
from accounts.models import User
from accounts.selectors import memberships_of_user
from archive.services import ANONYMOUS
from govsocial.tenancy import user_scope

security_log = logging.getLogger("govsocial.security")


def user_event_record(*, user: User, verb: str, data: dict[str, Any] | None = None) -> None:
    """Record an event about the person (signing in, second factors) in each of their
    agencies' archives."""
    with transaction.atomic():
        for membership in memberships_of_user(user=user):
            archive.record(agency=membership.agency, actor=user, verb=verb, obj=user, data=data)


def sign_in_failure_record(*, user: User) -> None:
    """Record a failed sign-in for a known address in its agencies' archives.

    An address that belongs to nobody has no agency, so no chain to go into.
    """
    with transaction.atomic():
        for membership in memberships_of_user(user=user):
            archive.record(
                agency=membership.agency,
                actor=ANONYMOUS,
                verb="user.sign_in_failed",
                obj=user,
                data={"email": user.email},
            )


def sign_in_lockout_record(*, email: str) -> None:
    """Record, once per lockout, that sign-in to ``email`` is locked after failures.

    An address that belongs to nobody is only logged: it has no agency to record in.
    """
    key = f"govsocial:lockout-recorded:{email.strip().lower()}"
    if not cache.add(key, True, timeout=settings.SIGN_IN_LOCKOUT_SECONDS):
        return
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        security_log.warning("sign-in locked out for an unknown address")
        return
    with user_scope(user.pk):
        user_event_record(user=user, verb="user.sign_in_locked_out", data={"email": user.email})
