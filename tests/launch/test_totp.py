"""The demo's code printer agrees with the codes the sign-in accepts."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, validate_totp_code

from govsocial.launch.totp import totp_code
from tests.factories import TOTP_SECRET


def test_the_printed_code_is_the_one_sign_in_accepts() -> None:
    now = time.time()
    expected = format_hotp_value(hotp_value(TOTP_SECRET, int(now) // 30))
    assert totp_code(TOTP_SECRET, at=now) == expected
    assert validate_totp_code(TOTP_SECRET, totp_code(TOTP_SECRET))


def test_rfc_6238_reference_value() -> None:
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits) ends in 287082.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp_code(secret, at=59) == "287082"
