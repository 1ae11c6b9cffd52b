"""An agency's single sign-on: setting it up, and letting its members in through it."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency, AgencySignOn, Membership, SignOnDomain, SignOnProtocol, User
from accounts.selectors import sign_on_domain_list
from accounts.services.principals import Principal, require_admin
from archive.services import ANONYMOUS
from govsocial.errors import Conflict, GovsocialError

# A host name of two labels or more, each 1-63 letters, digits or inner hyphens.
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
PEM_BEGIN = "-----BEGIN CERTIFICATE-----"


@dataclass(frozen=True)
class SignOnSettings:
    """What an admin enters to connect the agency's identity provider."""

    protocol: str
    display_name: str
    domains: Sequence[str]
    is_enabled: bool = True
    issuer_url: str = ""
    client_id: str = ""
    # None keeps the stored secret: it is never shown again once saved.
    client_secret: str | None = None
    idp_entity_id: str = ""
    idp_sso_url: str = ""
    idp_certificate: str = ""


def sign_on_configure(*, agency: Agency, actor: Principal, new: SignOnSettings) -> AgencySignOn:
    """Connect, change or switch off the agency's identity provider and its domains."""
    require_admin(agency=agency, actor=actor)
    domains = _clean_domains(new.domains)
    with transaction.atomic():
        sign_on = AgencySignOn.objects.select_for_update().filter(agency=agency).first()
        before = _summary(sign_on, sign_on_domain_list(agency=agency)) if sign_on else None
        sign_on = sign_on or AgencySignOn(agency=agency)
        sign_on.protocol = new.protocol
        sign_on.display_name = new.display_name.strip()
        sign_on.is_enabled = new.is_enabled
        sign_on.issuer_url = new.issuer_url.strip()
        sign_on.client_id = new.client_id.strip()
        if new.client_secret is not None:
            sign_on.client_secret = new.client_secret.strip()
        sign_on.idp_entity_id = new.idp_entity_id.strip()
        sign_on.idp_sso_url = new.idp_sso_url.strip()
        sign_on.idp_certificate = new.idp_certificate.strip()
        _require_complete(sign_on)
        sign_on.save()
        _domains_replace(agency, domains)
        after = _summary(sign_on, domains)
        if after == before and new.client_secret is None:
            return sign_on
        archive.record(
            agency=agency,
            actor=actor,
            verb="agency.sign_on_changed",
            obj=sign_on,
            data={
                "before": before,
                "after": after,
                "client_secret_changed": new.client_secret is not None,
            },
        )
    return sign_on


def email_domain(email: str) -> str:
    """Return the part of ``email`` after the last @, lower-cased ('' when none)."""
    _, at, domain = (email or "").strip().lower().rpartition("@")
    return domain if at else ""


def sign_on_admit(*, agency: Agency, email: str) -> User:
    """Return the member whom the agency's identity provider vouched for as ``email``.

    The provider speaks only for its agency's domains and only admits the agency's
    active members; anyone else is refused, and the refusal is recorded.
    """
    email = (email or "").strip().lower()
    domain = email_domain(email)
    member = None
    if domain and SignOnDomain.objects.filter(agency=agency, domain=domain).exists():
        member = (
            Membership.objects.select_related("user")
            .filter(agency=agency, user__email__iexact=email, user__is_active=True, is_active=True)
            .first()
        )
    if member is None:
        with transaction.atomic():
            archive.record(
                agency=agency,
                actor=ANONYMOUS,
                verb="user.sign_on_refused",
                obj=agency,
                data={"email": email},
            )
        raise GovsocialError(
            _("%(email)s has no account in %(agency)s. Ask one of its admins for an invitation.")
            % {"email": email or _("This identity"), "agency": agency.name}
        )
    user: User = member.user
    return user


def _clean_domains(domains: Sequence[str]) -> list[str]:
    cleaned = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
    if not cleaned:
        raise GovsocialError(
            _("Name at least one email domain whose people sign in this way."), field="domains"
        )
    bad = [d for d in cleaned if not _DOMAIN.match(d)]
    if bad:
        raise GovsocialError(
            _("“%(domain)s” is not an email domain like riverton.gov.") % {"domain": bad[0]},
            field="domains",
        )
    return cleaned


def _domains_replace(agency: Agency, domains: list[str]) -> None:
    SignOnDomain.objects.filter(agency=agency).exclude(domain__in=domains).delete()
    for domain in domains:
        try:
            with transaction.atomic():
                SignOnDomain.objects.get_or_create(agency=agency, domain=domain)
        except IntegrityError as error:
            # Another agency holds it: its row is readable, so this is no secret.
            raise Conflict(
                _("The domain %(domain)s already signs in through another agency.")
                % {"domain": domain},
                field="domains",
            ) from error


def _require_complete(sign_on: AgencySignOn) -> None:
    if not sign_on.display_name:
        raise GovsocialError(_("Give the button a label members recognise."), field="display_name")
    if sign_on.protocol == SignOnProtocol.OIDC:
        _require_url(sign_on.issuer_url, "issuer_url")
        if not sign_on.client_id:
            raise GovsocialError(
                _("Enter the client ID your identity provider gave govsocial."), field="client_id"
            )
        if not sign_on.client_secret:
            raise GovsocialError(
                _("Enter the client secret your identity provider gave govsocial."),
                field="client_secret",
            )
    elif sign_on.protocol == SignOnProtocol.SAML:
        if not sign_on.idp_entity_id:
            raise GovsocialError(
                _("Enter the identity provider's entity ID (its “issuer”)."),
                field="idp_entity_id",
            )
        _require_url(sign_on.idp_sso_url, "idp_sso_url")
        sign_on.idp_certificate = _clean_certificate(sign_on.idp_certificate)
    else:
        raise GovsocialError(_("Choose OpenID Connect or SAML 2.0."), field="protocol")


def _require_url(url: str, field: str) -> None:
    schemes = ("https://",) if settings.HTTPS else ("https://", "http://")
    if not url.startswith(schemes):
        raise GovsocialError(
            _("Enter the address starting with https://, as your identity provider shows it."),
            field=field,
        )


def _clean_certificate(text: str) -> str:
    """Return the certificate's base64 body; refuse anything that is not one."""
    body = "".join(
        line.strip() for line in text.strip().splitlines() if line.strip() and "-----" not in line
    )
    try:
        x509.load_pem_x509_certificate(f"{PEM_BEGIN}\n{body}\n-----END CERTIFICATE-----".encode())
    except ValueError as error:
        raise GovsocialError(
            _("Paste the identity provider's signing certificate (PEM, “BEGIN CERTIFICATE”)."),
            field="idp_certificate",
        ) from error
    return body


def _summary(sign_on: AgencySignOn, domains: list[str]) -> dict[str, object]:
    """Return what an admin set, without the secret, for the archive."""
    return {
        "protocol": sign_on.protocol,
        "display_name": sign_on.display_name,
        "is_enabled": sign_on.is_enabled,
        "domains": domains,
        "issuer_url": sign_on.issuer_url,
        "client_id": sign_on.client_id,
        "idp_entity_id": sign_on.idp_entity_id,
        "idp_sso_url": sign_on.idp_sso_url,
        "idp_certificate_sha256": _fingerprint(sign_on.idp_certificate),
    }


def _fingerprint(body: str) -> str:
    if not body:
        return ""
    return hashlib.sha256(base64.b64decode(body)).hexdigest()
