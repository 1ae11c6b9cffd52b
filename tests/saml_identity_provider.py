"""A SAML 2.0 identity provider's signed answers, made in the tests with its own key.

An agency connects it with its entity ID, sign-in URL and certificate; the tests read
the SP's request from the redirect and post back a response whose assertion is signed
(RSA-SHA256) as Entra ID, Okta and Login.gov sign theirs.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.utils import OneLogin_Saml2_Utils

ENTITY_ID = "https://idp.alpha.example/saml"
SSO_URL = "https://idp.alpha.example/saml/sso"


def _key_and_certificate() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.alpha.example")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class SamlIdentityProvider:
    """An identity provider's key pair and the responses it signs."""

    keys: tuple[str, str] = field(default_factory=_key_and_certificate)

    @property
    def certificate(self) -> str:
        return self.keys[1]

    @staticmethod
    def request_id(redirect: str) -> str:
        """Return the ID of the SP's AuthnRequest carried in ``redirect``."""
        assert redirect.startswith(SSO_URL)
        encoded = parse_qs(urlsplit(redirect).query)["SAMLRequest"][0]
        request = zlib.decompress(base64.b64decode(encoded), -15)
        return str(etree.fromstring(request).get("ID"))

    def response(self, *, in_response_to: str, acs_url: str, audience: str, email: str) -> str:
        """Return a base64 SAMLResponse vouching for ``email``, its assertion signed."""
        now = dt.datetime.now(dt.UTC)
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        until = (now + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assertion_id = f"_{secrets.token_hex(16)}"
        assertion = f"""<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{assertion_id}" Version="2.0" IssueInstant="{stamp}">
<saml:Issuer>{ENTITY_ID}</saml:Issuer>
<saml:Subject>
<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{email}</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
<saml:SubjectConfirmationData InResponseTo="{in_response_to}" NotOnOrAfter="{until}" Recipient="{acs_url}"/>
</saml:SubjectConfirmation>
</saml:Subject>
<saml:Conditions NotBefore="{stamp}" NotOnOrAfter="{until}">
<saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction>
</saml:Conditions>
<saml:AuthnStatement AuthnInstant="{stamp}" SessionIndex="{assertion_id}">
<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>
</saml:AuthnStatement>
</saml:Assertion>"""  # noqa: E501
        key_pem, certificate = self.keys
        signed = OneLogin_Saml2_Utils.add_sign(
            assertion,
            key_pem,
            certificate,
            sign_algorithm=OneLogin_Saml2_Constants.RSA_SHA256,
            digest_algorithm=OneLogin_Saml2_Constants.SHA256,
        ).decode()
        signed = signed.removeprefix('<?xml version="1.0"?>').strip()
        response = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_{secrets.token_hex(16)}" Version="2.0" IssueInstant="{stamp}" Destination="{acs_url}" InResponseTo="{in_response_to}">
<saml:Issuer>{ENTITY_ID}</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
{signed}
</samlp:Response>"""  # noqa: E501
        return base64.b64encode(response.encode()).decode()
