"""Secrets at rest: encrypted with the newest key, readable with any, rotated in place."""

from __future__ import annotations

from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from govsocial.encryption import DecryptionError, decrypt, encrypt, new_key
from tests.factories import UserFactory

OLD, NEW = new_key(), new_key()


def test_a_secret_round_trips_and_is_not_readable_in_its_stored_form() -> None:
    token = encrypt("oauth-token-123")
    assert "oauth-token-123" not in token
    assert decrypt(token) == "oauth-token-123"
    assert encrypt("oauth-token-123") != token  # a fresh IV each time


def test_a_secret_from_an_unknown_key_is_refused_with_a_message() -> None:
    with override_settings(ENCRYPTION_KEYS=[OLD]):
        token = encrypt("x")
    with override_settings(ENCRYPTION_KEYS=[NEW]), pytest.raises(DecryptionError):
        decrypt(token)


def test_a_secret_read_before_its_key_was_removed_is_refused_once_it_is() -> None:
    with override_settings(ENCRYPTION_KEYS=[NEW, OLD]):
        token = encrypt("x")
        assert decrypt(token) == "x"
        assert decrypt(token) == "x"
    with override_settings(ENCRYPTION_KEYS=[OLD]), pytest.raises(DecryptionError):
        decrypt(token)
    with override_settings(ENCRYPTION_KEYS=[NEW]):
        assert decrypt(token) == "x"


@pytest.mark.django_db
def test_totp_secrets_are_stored_encrypted() -> None:
    user = UserFactory(two_factor=False)
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    with connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM mfa_authenticator WHERE user_id = %s", [user.pk])
        (stored,) = cursor.fetchone()
    assert "JBSWY3DPEHPK3PXP" not in stored
    assert TOTP(Authenticator.objects.get(user=user)).instance.data["secret"] != "JBSWY3DPEHPK3PXP"


@pytest.mark.django_db
def test_rotation_moves_every_secret_to_the_new_key() -> None:
    user = UserFactory(two_factor=False)
    with override_settings(ENCRYPTION_KEYS=[OLD]):
        TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    # The keys of secrets other tests committed (browser tests) stay readable too.
    with override_settings(ENCRYPTION_KEYS=[NEW, OLD, *settings.ENCRYPTION_KEYS]):
        out = StringIO()
        call_command("encryption_rotate", stdout=out)
        assert "Re-encrypted" in out.getvalue()
    with override_settings(ENCRYPTION_KEYS=[NEW]):
        stored = Authenticator.objects.get(user=user).data["secret"]
        assert decrypt(stored) == "JBSWY3DPEHPK3PXP"


def test_a_new_key_is_printed_on_request() -> None:
    out = StringIO()
    call_command("encryption_rotate", "--new-key", stdout=out)
    key = out.getvalue().strip()
    with override_settings(ENCRYPTION_KEYS=[key]):
        assert decrypt(encrypt("ok")) == "ok"


def test_the_deploy_check_refuses_missing_keys() -> None:
    from govsocial.checks import encryption_keys_are_usable

    assert encryption_keys_are_usable(None) == []
    with override_settings(ENCRYPTION_KEYS=[]):
        (error,) = encryption_keys_are_usable(None)
    assert error.id == "govsocial.E001"
    with override_settings(ENCRYPTION_KEYS=["not-a-key"]):
        (error,) = encryption_keys_are_usable(None)
    assert "Fernet key" in error.msg
    assert settings.ENCRYPTION_KEYS
