"""Print a demo user's current authenticator-app code: ``python -m govsocial.launch totp EMAIL``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import time

from govsocial.launch.common import LaunchError, data_dir

PERIOD_SECONDS = 30
DIGITS = 6


def totp_code(secret: str, at: float | None = None) -> str:
    """Return the RFC 6238 code (SHA-1, 30 s, 6 digits) for a base32 ``secret``."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int(time.time() if at is None else at) // PERIOD_SECONDS
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 10**DIGITS:0{DIGITS}d}"


def totp(args: list[str]) -> int:
    """Print the current code of the demo user named by email."""
    if len(args) != 1:
        raise LaunchError("usage: python -m govsocial.launch totp EMAIL  (or: make totp EMAIL=…)")
    path = data_dir() / "demo-credentials.json"
    if not path.exists():
        raise LaunchError(f"no demo users yet ({path} is missing): run `make run` first")
    entry = json.loads(path.read_text()).get(args[0].strip().lower())
    if entry is None:
        raise LaunchError(f"{args[0]} is not a demo user; the demo users are listed in {path}")
    remaining = PERIOD_SECONDS - int(time.time()) % PERIOD_SECONDS
    print(f"{totp_code(entry['totp_secret'])}   (valid for {remaining} more seconds)")
    return 0
