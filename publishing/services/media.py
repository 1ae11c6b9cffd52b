"""Every write about the media library: uploading images and videos with their alt
text, and changing that alt text."""

from __future__ import annotations

import hashlib
import os

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency
from accounts.services.principals import Principal, person_behind
from govsocial.errors import GovsocialError
from publishing.models import MediaAsset
from publishing.models.posts import media_path
from publishing.networks.limits import MB, MEDIA_RULES, sniff_mime
from publishing.services.posts import require_composer

# The library keeps what at least one network takes, as large as the most generous takes.
ACCEPTED_TYPES = frozenset().union(*(rule.mime_types for rule in MEDIA_RULES.values()))
NAME_MAX = 255
# Enough of the start of a file to tell its type.
SNIFF_BYTES = 16


def largest_accepted(mime: str) -> int:
    """Return the largest file of type ``mime`` that some network takes."""
    return max(rule.size_limit(mime) for rule in MEDIA_RULES.values())


def _checked_type(file: File[bytes], name: str) -> str:
    """Return the file's type as its bytes show it; refuse an empty, unknown or too
    large file."""
    if not file.size:
        raise GovsocialError(_("%(name)s is empty.") % {"name": name}, field="file")
    file.seek(0)
    mime = sniff_mime(file.read(SNIFF_BYTES))
    file.seek(0)
    if mime not in ACCEPTED_TYPES:
        raise GovsocialError(
            _(
                "%(name)s is not a file the networks take. Upload a JPEG, PNG, GIF or WebP "
                "image, or an MP4 video."
            )
            % {"name": name},
            field="file",
        )
    limit = largest_accepted(mime)
    if file.size > limit:
        raise GovsocialError(
            _("%(name)s is %(size).1f MB; no network takes a file of this kind over %(max)d MB.")
            % {"name": name, "size": file.size / MB, "max": limit // MB},
            field="file",
        )
    return mime


def media_upload(
    *, agency: Agency, actor: Principal, file: File[bytes], alt_text: str, alt_text_fr: str = ""
) -> MediaAsset:
    """Add an image or video to the agency's library, with its alt text.

    The type is judged by the file's bytes, not its name. Files are stored by their
    SHA-256 under the agency's folder, so the same file uploaded twice is stored once.
    """
    require_composer(agency=agency, actor=actor)
    name = os.path.basename(file.name or "") or _("file")
    name = name[-NAME_MAX:]
    mime = _checked_type(file, name)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    asset = MediaAsset(
        agency=agency,
        original_name=name,
        mime_type=mime,
        size_bytes=file.size,
        sha256=digest.hexdigest(),
        alt_text=alt_text.strip(),
        alt_text_fr=alt_text_fr.strip(),
        uploaded_by=person_behind(actor),
    )
    stored = media_path(asset, name)
    if default_storage.exists(stored):
        asset.file.name = stored
    else:
        # Written before the row: a file left by a failed transaction is simply reused.
        asset.file.save(name, file, save=False)
    with transaction.atomic():
        asset.save()
        archive.record(
            agency=agency,
            actor=actor,
            verb="media.uploaded",
            obj=asset,
            data={
                "name": asset.original_name,
                "mime_type": mime,
                "size_bytes": asset.size_bytes,
                "sha256": asset.sha256,
                "alt_text": asset.alt_text,
                "alt_text_fr": asset.alt_text_fr,
            },
        )
    return asset


def media_alt_text_set(
    *, asset: MediaAsset, actor: Principal, alt_text: str, alt_text_fr: str = ""
) -> MediaAsset:
    """Change the library's alt text of a file: what posts attaching it from now on
    start with (posts that already carry it keep theirs)."""
    require_composer(agency=asset.agency, actor=actor)
    with transaction.atomic():
        asset = (
            MediaAsset.objects.select_for_update(no_key=True, of=("self",))
            .select_related("agency")
            .get(pk=asset.pk)
        )
        before = {"alt_text": asset.alt_text, "alt_text_fr": asset.alt_text_fr}
        asset.alt_text, asset.alt_text_fr = alt_text.strip(), alt_text_fr.strip()
        after = {"alt_text": asset.alt_text, "alt_text_fr": asset.alt_text_fr}
        if after == before:
            return asset
        asset.save(update_fields=["alt_text", "alt_text_fr"])
        archive.record(
            agency=asset.agency,
            actor=actor,
            verb="media.alt_text_changed",
            obj=asset,
            data={"before": before, "after": after},
        )
    return asset
