"""Sign-in behaviour: people join by invitation only."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Close public sign-up: an agency admin's invitation is the only way in."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
