"""Keep the generated secrets (Django key, database and Redis passwords, the encryption
and archive signing keys) in one file."""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from govsocial.launch.common import LaunchError


def _token(size: int) -> Callable[[], str]:
    # token_urlsafe output never needs URL escaping.
    return lambda: secrets.token_urlsafe(size)


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def _ed25519_key() -> str:
    # Any 32 bytes are an Ed25519 private key.
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


# name -> how to make it
SECRET_MAKERS: dict[str, Callable[[], str]] = {
    "secret_key": _token(50),
    "db_owner_password": _token(32),
    "db_app_password": _token(32),
    "redis_password": _token(32),
    "encryption_key": _fernet_key,
    "archive_signing_key": _ed25519_key,
}


def load_secrets(data: Path) -> dict[str, str]:
    """Return the stored secrets, generating and saving any that are missing."""
    path = data / "secrets.json"
    stored = _read(path)
    missing = [name for name in SECRET_MAKERS if not stored.get(name)]
    for name in missing:
        stored[name] = SECRET_MAKERS[name]()
    if missing:
        _write_private(path, json.dumps(stored, indent=2) + "\n")
    # Repair permissions a copy or an editor may have loosened.
    path.chmod(0o600)
    return stored


def _read(path: Path) -> dict[str, str]:
    """Parse the secrets file, or return an empty mapping when it does not exist."""
    if not path.exists():
        return {}
    try:
        loaded = json.loads(path.read_text())
    except ValueError as error:
        raise LaunchError(f"{path} is not valid JSON ({error}); fix or delete it") from None
    if not isinstance(loaded, dict):
        raise LaunchError(f"{path} must hold a JSON object")
    return {str(key): str(value) for key, value in loaded.items()}


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` atomically to a file that only the owner can read."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)
