"""System checks for settings that Django's own checks do not cover."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured


@register(deploy=True)
def encryption_keys_are_usable(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Refuse to deploy without a usable key for secrets at rest."""
    from govsocial.encryption import decrypt, encrypt

    try:
        if decrypt(encrypt("check")) == "check":
            return []
    except ImproperlyConfigured as error:
        return [Error(str(error), id="govsocial.E001")]
    return [Error("ENCRYPTION_KEYS do not round-trip.", id="govsocial.E001")]
