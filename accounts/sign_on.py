"""Agency single sign-on: which identity provider serves a person, as allauth sees it.

Nobody is signed in yet when these run, so they bind the agency themselves: the one
that owns the person's email domain, or the one named in the sign-on address
(``/accounts/oidc/<slug>/…``, ``/accounts/saml/<slug>/…``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.socialaccount.models import SocialApp
from django.http import HttpRequest, HttpResponse

from accounts.models import Agency, AgencySignOn, SignOnDomain, SignOnProtocol, User
from accounts.selectors import membership_for
from accounts.services.sign_on import email_domain, sign_on_admit
from govsocial.tenancy import agency_scope

OIDC_PROVIDER = "openid_connect"
SAML_PROVIDER = "saml"
ROUTE_SESSION_KEY = "govsocial_sign_on_route"


@dataclass(frozen=True)
class SignOnRoute:
    """An agency and the identity provider its members are sent to."""

    agency: Agency
    sign_on: AgencySignOn


def route_for_email(email: str) -> SignOnRoute | None:
    """Return the enabled sign-on that serves ``email``'s domain, or None."""
    domain = email_domain(email)
    if not domain:
        return None
    # Unscoped on purpose: which agency owns a domain is read before sign-in; the
    # table's row security leaves reading open and walls only writes.
    claim = SignOnDomain.objects.unscoped().select_related("agency").filter(domain=domain).first()
    if claim is None:
        return None
    return _route(claim.agency)


def route_for_slug(slug: str) -> SignOnRoute | None:
    """Return the enabled sign-on of the agency with short name ``slug``, or None."""
    agency = Agency.objects.filter(slug=slug).first()
    return _route(agency) if agency is not None else None


def _route(agency: Agency) -> SignOnRoute | None:
    if not agency.is_active:
        return None
    with agency_scope(agency.pk):
        sign_on = AgencySignOn.objects.filter(is_enabled=True).first()
    return SignOnRoute(agency=agency, sign_on=sign_on) if sign_on is not None else None


def social_app(route: SignOnRoute) -> SocialApp:
    """Return the (unsaved) allauth app that speaks to the route's identity provider."""
    sign_on, slug = route.sign_on, route.agency.slug
    if sign_on.protocol == SignOnProtocol.OIDC:
        return SocialApp(
            provider=OIDC_PROVIDER,
            provider_id=slug,
            name=sign_on.display_name,
            client_id=sign_on.client_id,
            secret=sign_on.client_secret,
            settings={"server_url": sign_on.issuer_url, "oauth_pkce_enabled": True},
        )
    settings: dict[str, Any] = {
        "idp": {
            "entity_id": sign_on.idp_entity_id,
            "sso_url": sign_on.idp_sso_url,
            "x509cert": sign_on.idp_certificate,
        },
        "advanced": {
            "want_assertion_signed": True,
            "want_message_signed": False,
            "reject_idp_initiated_sso": True,
            # NameID alone is enough; attributes are optional.
            "want_attribute_statement": False,
        },
        # Entra ID, Okta and Login.gov all send the address as NameID or this claim.
        "use_nameid_for_email": True,
    }
    return SocialApp(
        provider=SAML_PROVIDER,
        provider_id=slug,
        name=sign_on.display_name,
        client_id=slug,
        settings=settings,
    )


def apps_for(
    request: HttpRequest | None, provider: str | None, client_id: str | None
) -> list[SocialApp]:
    """Answer allauth's app lookups.

    SAML asks by ("saml", slug) and OIDC by provider id = slug. A sign-in paused for its
    second factor asks by ("openid_connect", the provider's client ID): that one is the
    agency this browser is signing in to, remembered by ``remember_route``.
    """
    if provider == SAML_PROVIDER:
        route = route_for_slug(client_id) if client_id else None
        if route is None or route.sign_on.protocol != SignOnProtocol.SAML:
            return []
    elif provider == OIDC_PROVIDER:
        slug = request.session.get(ROUTE_SESSION_KEY) if request is not None else None
        route = route_for_slug(slug) if isinstance(slug, str) else None
        if route is None or client_id is None or route.sign_on.client_id != client_id:
            # Listing every agency's provider would tell who uses the deployment.
            return []
    elif provider:
        route = route_for_slug(provider)
        if route is None:
            return []
    else:
        return []
    return [social_app(route)]


def remember_route(request: HttpRequest, route: SignOnRoute) -> None:
    """Remember which agency this browser is signing in to, for the rest of the sign-in."""
    request.session[ROUTE_SESSION_KEY] = route.agency.slug


def start(request: HttpRequest, route: SignOnRoute, *, next_url: str | None) -> HttpResponse:
    """Send the browser to the route's identity provider to sign in."""
    app = social_app(route)
    provider = app.get_provider(request)
    return provider.redirect(request, process="login", next_url=next_url)


def route_for_member(user: User) -> SignOnRoute | None:
    """Return the sign-on ``user`` must use: their domain's, when they are its member."""
    route = route_for_email(user.email)
    if route is None:
        return None
    with agency_scope(route.agency.pk):
        is_member = membership_for(agency=route.agency, user=user) is not None
    return route if is_member else None


def member_admit(route: SignOnRoute, email: str) -> User:
    """Return the member the route's identity provider vouched for (see sign_on_admit)."""
    with agency_scope(route.agency.pk):
        return sign_on_admit(agency=route.agency, email=email)
