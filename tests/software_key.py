"""A software security key: answers WebAuthn ceremonies as a hardware key would.

It makes an ES256 key pair, "none" attestation and real signatures, so the server
side (allauth over the fido2 library) verifies everything it verifies for a real key.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

FLAGS = AuthenticatorData.FLAG


class SoftwareSecurityKey:
    """One credential on one software authenticator."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0

    def register(self, creation_options: dict[str, Any], origin: str) -> str:
        """Return the JSON a browser posts after ``navigator.credentials.create``."""
        options = creation_options["publicKey"]
        client_data = _client_data("webauthn.create", options, origin)
        credential = AttestedCredentialData.create(
            b"\0" * 16,
            self.credential_id,
            ES256.from_cryptography_key(self.private_key.public_key()),
        )
        authenticator_data = AuthenticatorData.create(
            hashlib.sha256(options["rp"]["id"].encode()).digest(),
            FLAGS.UP | FLAGS.UV | FLAGS.AT,
            0,
            credential,
        )
        attestation = AttestationObject.create("none", authenticator_data, {})
        return self._credential(
            clientDataJSON=websafe_encode(client_data),
            attestationObject=websafe_encode(attestation),
        )

    def authenticate(self, request_options: dict[str, Any], origin: str) -> str:
        """Return the JSON a browser posts after ``navigator.credentials.get``."""
        options = request_options["publicKey"]
        client_data = _client_data("webauthn.get", options, origin)
        self.sign_count += 1
        authenticator_data = AuthenticatorData.create(
            hashlib.sha256(options["rpId"].encode()).digest(),
            FLAGS.UP | FLAGS.UV,
            self.sign_count,
        )
        signature = self.private_key.sign(
            bytes(authenticator_data) + client_data.hash, ec.ECDSA(hashes.SHA256())
        )
        return self._credential(
            clientDataJSON=websafe_encode(client_data),
            authenticatorData=websafe_encode(authenticator_data),
            signature=websafe_encode(signature),
        )

    def _credential(self, **response: str) -> str:
        credential_id = websafe_encode(self.credential_id)
        return json.dumps(
            {
                "id": credential_id,
                "rawId": credential_id,
                "type": "public-key",
                "response": response,
                "clientExtensionResults": {},
            }
        )


def _client_data(ceremony: str, options: dict[str, Any], origin: str) -> CollectedClientData:
    """Return what the browser signs for: the ceremony, the server's challenge, the origin."""
    return CollectedClientData.create(
        type=ceremony, challenge=websafe_decode(options["challenge"]), origin=origin
    )
