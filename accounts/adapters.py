"""Sign-in behaviour: invitation-only accounts, encrypted second factors."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.services import sign_in_lockout_record
from govsocial.encryption import decrypt, encrypt


class AccountAdapter(DefaultAccountAdapter):
    """Close public sign-up (an invitation is the only way in); record lockouts."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            sign_in_lockout_record(email=str(credentials.get("email") or ""))
            raise


class MFAAdapter(DefaultMFAAdapter):
    """Keep TOTP secrets and recovery-code seeds encrypted at rest."""

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)
