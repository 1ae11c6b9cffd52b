"""Encrypt secrets at rest: OAuth tokens, TOTP secrets, signing keys.

Keys come from ``ENCRYPTION_KEYS``: comma-separated Fernet keys (AES-128-CBC with
HMAC-SHA256), newest first. New values are encrypted with the first key; values
encrypted with any listed key can be read. To rotate: generate a key
(``python manage.py encryption_rotate --new-key``), put it first in ``ENCRYPTION_KEYS``
and restart every process, run ``python manage.py encryption_rotate`` to re-encrypt
what is stored, then remove the old key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from govsocial.errors import GovsocialError


class DecryptionError(GovsocialError):
    """A stored secret could not be read with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("ENCRYPTION_KEYS must name at least one key.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "Every ENCRYPTION_KEYS entry must be a Fernet key (32 bytes, url-safe base64)."
        ) from error


def _keys() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS))


def new_key() -> str:
    """Return a fresh key for ENCRYPTION_KEYS."""
    return Fernet.generate_key().decode()


def encrypt(plaintext: str) -> str:
    """Return ``plaintext`` encrypted with the newest key."""
    return _keys().encrypt(plaintext.encode("utf-8")).decode("ascii")


@contextmanager
def _readable() -> Iterator[None]:
    try:
        yield
    except InvalidToken as error:
        raise DecryptionError(
            "A stored secret cannot be decrypted with the configured ENCRYPTION_KEYS."
        ) from error


def decrypt(token: str) -> str:
    """Return the plaintext of a value encrypted with any configured key."""
    return _plaintext(tuple(settings.ENCRYPTION_KEYS), token)


# A delivery worker reads the same accounts' tokens for every post it sends, and
# checking and decrypting a token cost more than the rest of reading its row. Each
# token is decrypted once per set of keys: holding its plaintext exposes nothing that
# the keys, held by the same process, do not already open.
@lru_cache(maxsize=4096)
def _plaintext(keys: tuple[str, ...], token: str) -> str:
    with _readable():
        return _fernet(keys).decrypt(token.encode("ascii")).decode("utf-8")


def reencrypt(token: str) -> str:
    """Return the same secret encrypted with the newest key."""
    with _readable():
        return _keys().rotate(token.encode("ascii")).decode("ascii")


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads give the plaintext back."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(str(value))
