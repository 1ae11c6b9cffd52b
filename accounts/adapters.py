"""Sign-in behaviour: invitation-only accounts, encrypted second factors."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest

from govsocial.encryption import decrypt, encrypt


class AccountAdapter(DefaultAccountAdapter):
    """Close public sign-up: an agency admin's invitation is the only way in."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class MFAAdapter(DefaultMFAAdapter):
    """Keep TOTP secrets and recovery-code seeds encrypted at rest."""

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)
