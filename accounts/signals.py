"""Sign-in, sign-out, failed sign-in and changes of second factor reach the archive."""

from __future__ import annotations

import time
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import User
from accounts.policy import session_start
from accounts.services import sign_in_failure_record, user_event_record
from govsocial.tenancy import user_scope


@receiver(user_logged_in, dispatch_uid="archive-sign-in")
def record_sign_in(
    sender: Any, user: User, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    data: dict[str, Any] = {}
    if request is not None:
        session_start(request.session, at=time.time())
        # How this session proved who it is: "password", "mfa", "socialaccount" (the
        # provider is the agency's short name)…
        records = get_authentication_records(request, user)
        data = {"methods": [record.get("method") for record in records]}
        providers = [record["provider"] for record in records if record.get("provider")]
        if providers:
            data["provider"] = providers[-1]
    # The request was bound as anonymous; the person is known only from here on.
    with user_scope(user.pk):
        user_event_record(user=user, verb="user.signed_in", data=data or None)


@receiver(user_logged_out, dispatch_uid="archive-sign-out")
def record_sign_out(sender: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None and user.pk is not None:
        with user_scope(user.pk):
            user_event_record(user=user, verb="user.signed_out")


@receiver(user_login_failed, dispatch_uid="archive-sign-in-failed")
def record_sign_in_failure(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    email = str(credentials.get("email") or credentials.get("username") or "")
    user = User.objects.filter(email__iexact=email.strip()).first() if email else None
    if user is not None:
        with user_scope(user.pk):
            sign_in_failure_record(user=user)


def _record_authenticator(verb: str, user: User, authenticator: Authenticator) -> None:
    with user_scope(user.pk):
        user_event_record(user=user, verb=verb, data={"type": authenticator.type})


@receiver(authenticator_added, dispatch_uid="archive-2fa-added")
def record_authenticator_added(
    sender: Any, user: User, authenticator: Authenticator, **kwargs: Any
) -> None:
    _record_authenticator("user.two_factor_added", user, authenticator)


@receiver(authenticator_removed, dispatch_uid="archive-2fa-removed")
def record_authenticator_removed(
    sender: Any, user: User, authenticator: Authenticator, **kwargs: Any
) -> None:
    _record_authenticator("user.two_factor_removed", user, authenticator)


@receiver(authenticator_reset, dispatch_uid="archive-2fa-reset")
def record_authenticator_reset(
    sender: Any, user: User, authenticator: Authenticator, **kwargs: Any
) -> None:
    _record_authenticator("user.two_factor_reset", user, authenticator)
