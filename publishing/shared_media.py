"""Links that open one file of a media library to whoever holds them, for a while and
without signing in: the address from which Instagram fetches a post's image.

A link's token is signed (Django's signing, with a salt of its own) and names the
agency, the file and the file's SHA-256: it opens only that file, in that agency, as
it was when the link was made, and only for ``MEDIA_SHARE_SECONDS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from publishing.models import MediaAsset

SALT = "publishing.shared_media"


@dataclass(frozen=True)
class SharedFile:
    """The file a link's token names."""

    agency_id: int
    asset_id: int
    sha256: str


def share_token(asset: MediaAsset) -> str:
    """Return a token that opens ``asset`` for ``MEDIA_SHARE_SECONDS``."""
    return signing.dumps([asset.agency_id, asset.pk, asset.sha256], salt=SALT)


def shared_file(token: str) -> SharedFile | None:
    """Return the file ``token`` names, or None when it is forged, altered or expired."""
    try:
        agency_id, asset_id, sha256 = signing.loads(
            token, salt=SALT, max_age=settings.MEDIA_SHARE_SECONDS
        )
    except signing.BadSignature:
        return None
    return SharedFile(agency_id=agency_id, asset_id=asset_id, sha256=sha256)
