"""The deployment's signature on the archive's heads: Ed25519, with the key in
configuration (``ARCHIVE_SIGNING_KEY``) and the public keys of keys used before it
(``ARCHIVE_RETIRED_PUBLIC_KEYS``) kept so that older heads still verify.

A head is signed as its checkpoint, text anyone can rebuild from an exported head:

    <origin>            which log: the site's host, "/archive/", the agency's id (kept
                        with the head as it was signed)
    <size>              how many events the log held
    <root>              its tree's root (RFC 6962), in base64
    <signed at>         when, in UTC (ISO 8601 with microseconds)

each line ending with a newline, as C2SP's tlog-checkpoint writes its first three.
Keys are named by the first 8 bytes of the SHA-256 of their 32-byte public key, in hex.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from archive import proofs
from archive.entries import utc_text


def origin(agency_id: int) -> str:
    """Return the name of an agency's log in this deployment's checkpoints."""
    return f"{urlsplit(settings.SITE_URL).netloc}/archive/{agency_id}"


def checkpoint(*, origin: str, size: int, root: bytes, signed_at: dt.datetime) -> bytes:
    """Return the text a head's signature covers."""
    return proofs.checkpoint(origin=origin, size=size, root=root, signed_at=utc_text(signed_at))


def public_key_text(key: Ed25519PublicKey) -> str:
    """Return the 32-byte public key in base64, as it is published."""
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def key_id(key: Ed25519PublicKey) -> str:
    """Return the name of a public key (see ``archive.proofs.key_id``)."""
    return proofs.key_id(key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def signing_key() -> Ed25519PrivateKey:
    """Return the key heads are signed with now."""
    seed = _decoded("ARCHIVE_SIGNING_KEY", settings.ARCHIVE_SIGNING_KEY)
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_keys() -> dict[str, Ed25519PublicKey]:
    """Return every key a head of this deployment may be signed with, by name: the
    signing key's and the retired ones'."""
    keys = [signing_key().public_key()] + [
        Ed25519PublicKey.from_public_bytes(_decoded("ARCHIVE_RETIRED_PUBLIC_KEYS", text))
        for text in settings.ARCHIVE_RETIRED_PUBLIC_KEYS
    ]
    return {key_id(key): key for key in keys}


def published_keys() -> list[dict[str, str | bool]]:
    """Return the public keys as the deployment publishes them: the current one first,
    then the retired ones, each with its name."""
    current = key_id(signing_key().public_key())
    return [
        {"key_id": name, "public_key": public_key_text(key), "current": name == current}
        for name, key in public_keys().items()
    ]


def sign(message: bytes) -> tuple[str, str]:
    """Return the signing key's name and its signature of ``message``, in base64."""
    key = signing_key()
    signature = base64.b64encode(key.sign(message)).decode("ascii")
    return key_id(key.public_key()), signature


def signature_valid(message: bytes, *, key: Ed25519PublicKey | None, signature: str) -> bool:
    """Return whether ``signature`` (base64) is ``key``'s of ``message``; a head names
    its key, which is None when it is none of ``public_keys()``."""
    if key is None:
        return False
    try:
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, binascii.Error):
        return False
    return True


def _decoded(setting: str, text: str) -> bytes:
    """Return a 32-byte key given in base64, or refuse the configuration."""
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{setting} must hold 32 bytes in base64.")
    return raw
