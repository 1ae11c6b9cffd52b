"""Sign-in behaviour: invitation-only accounts, encrypted second factors, agency SSO."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts import sign_on
from accounts.models import User
from accounts.services import sign_in_lockout_record
from govsocial.encryption import decrypt, encrypt
from govsocial.errors import GovsocialError


class AccountAdapter(DefaultAccountAdapter):
    """Close public sign-up (an invitation is the only way in); record lockouts; send
    members of an agency with single sign-on to it."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            sign_in_lockout_record(email=str(credentials.get("email") or ""))
            raise

    def pre_login(
        self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any
    ) -> HttpResponse | None:
        response = super().pre_login(request, user, **kwargs)
        if response is not None or "sociallogin" in (kwargs.get("signal_kwargs") or {}):
            return response
        # Checked only once the password was right, so it tells a stranger nothing.
        route = sign_on.route_for_member(user) if isinstance(user, User) else None
        if route is None:
            return None
        clear_login(request)
        messages.info(
            request,
            _("%(agency)s signs its members in with “%(provider)s”.")
            % {"agency": route.agency.name, "provider": route.sign_on.display_name},
        )
        return sign_on.start(request, route, next_url=kwargs.get("redirect_url"))


class MFAAdapter(DefaultMFAAdapter):
    """Keep TOTP secrets and recovery-code seeds encrypted at rest."""

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Serve each agency's identity provider, and admit only that agency's members."""

    def list_apps(
        self, request: HttpRequest, provider: str | None = None, client_id: str | None = None
    ) -> list[SocialApp]:
        return sign_on.apps_for(request, provider, client_id)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        route = sign_on.route_for_slug(sociallogin.account.provider)
        if route is None:
            raise ImmediateHttpResponse(self._refusal(request, _("This sign-on is switched off.")))
        # What the provider asserted now, not what an already linked account holds.
        addresses = [address.email for address in sociallogin.email_addresses]
        if not sociallogin.is_existing:
            addresses.append(sociallogin.user.email)
        email = next((address for address in addresses if address), "")
        try:
            user = sign_on.member_admit(route, email)
        except GovsocialError as error:
            raise ImmediateHttpResponse(self._refusal(request, error.message)) from error
        sign_on.remember_route(request, route)
        if sociallogin.is_existing:
            if sociallogin.user.pk != user.pk:
                raise ImmediateHttpResponse(
                    self._refusal(request, _("This identity belongs to another person."))
                )
        else:
            sociallogin.connect(request, user)

    def _refusal(self, request: HttpRequest, message: str) -> HttpResponse:
        return render(
            request, "socialaccount/authentication_error.html", {"message": message}, status=403
        )
