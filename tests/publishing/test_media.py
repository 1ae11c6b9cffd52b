"""The media library: files typed by their bytes, stored once by their hash under the
agency's folder, with alt text, and served only to the agency's members."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import Role
from archive.models import ArchiveEvent
from govsocial.errors import GovsocialError, PermissionDenied
from govsocial.tenancy import agency_scope
from publishing import services
from publishing.models import MediaAsset
from tests.conftest import Personas
from tests.factories import MembershipFactory, uploaded_media_for

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 300
MB = 1024 * 1024


def upload(personas: Personas, data: bytes, name: str = "map.png", **fields: Any) -> MediaAsset:
    actor = fields.pop("actor", personas.author_a.user)
    with agency_scope(personas.agency_a.pk):
        return services.media_upload(
            agency=personas.agency_a,
            actor=actor,
            file=ContentFile(data, name=name),
            alt_text=fields.pop("alt_text", "Map of the closed streets."),
            **fields,
        )


def test_a_file_is_typed_by_its_bytes_and_stored_under_its_hash(personas: Personas) -> None:
    asset = upload(personas, PNG, name="notes.txt")
    digest = hashlib.sha256(PNG).hexdigest()
    assert (asset.mime_type, asset.size_bytes, asset.sha256) == ("image/png", len(PNG), digest)
    assert asset.original_name == "notes.txt"
    stored = Path(settings.MEDIA_ROOT) / f"agencies/{personas.agency_a.pk}/media/{digest}"
    assert stored.read_bytes() == PNG
    with agency_scope(personas.agency_a.pk):
        event = ArchiveEvent.objects.get(verb="media.uploaded")
    assert (event.data["sha256"], event.data["alt_text"]) == (digest, "Map of the closed streets.")


def test_the_same_file_uploaded_twice_is_stored_once(personas: Personas) -> None:
    first, second = upload(personas, PNG), upload(personas, PNG, alt_text="Another caption.")
    assert first.pk != second.pk
    assert first.file.name == second.file.name
    folder = Path(settings.MEDIA_ROOT) / f"agencies/{personas.agency_a.pk}/media"
    assert len(list(folder.iterdir())) == 1


def test_a_file_no_network_takes_is_refused(personas: Personas) -> None:
    with pytest.raises(GovsocialError) as refused:
        upload(personas, b"%PDF-1.7 a council report", name="report.pdf")
    assert "report.pdf is not a file the networks take" in refused.value.message
    with pytest.raises(GovsocialError):
        upload(personas, b"", name="empty.png")
    with agency_scope(personas.agency_a.pk):
        assert not MediaAsset.objects.exists()


def test_an_image_larger_than_any_network_takes_is_refused(personas: Personas) -> None:
    too_large = PNG + b"\0" * (16 * MB)
    with pytest.raises(GovsocialError) as refused:
        upload(personas, too_large)
    assert "over 16 MB" in refused.value.message


def test_viewers_do_not_upload(personas: Personas) -> None:
    viewer = MembershipFactory(agency=personas.agency_a, roles=[Role.VIEWER]).user
    with pytest.raises(PermissionDenied):
        upload(personas, PNG, actor=viewer)


def test_the_librarys_alt_text_changes_for_posts_to_come(personas: Personas) -> None:
    asset = upload(personas, PNG, alt_text="")
    with agency_scope(personas.agency_a.pk):
        changed = services.media_alt_text_set(
            asset=asset, actor=personas.author_a.user, alt_text="Map of the closures."
        )
        assert MediaAsset.objects.get(pk=asset.pk).alt_text == "Map of the closures."
        event = ArchiveEvent.objects.get(verb="media.alt_text_changed")
    assert changed.alt_text == event.data["after"]["alt_text"] == "Map of the closures."


def test_a_member_opens_the_agencys_file_and_nobody_else_does(personas: Personas) -> None:
    asset = uploaded_media_for(personas.agency_a, data=PNG)
    url = reverse("media_file", args=["alpha", asset.pk])
    response = personas.client_for(personas.author_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["Content-Disposition"].startswith("inline")
    assert personas.client_for(personas.admin_b).get(url).status_code == 404
    # Agency B's own address for A's file is no better.
    other = reverse("media_file", args=["beta", asset.pk])
    assert personas.client_for(personas.admin_b).get(other).status_code == 404


def test_the_library_page_uploads_a_file_and_lists_it(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    url = reverse("media_list", args=["alpha"])
    done = client.post(
        url,
        {"file": ContentFile(PNG, name="pool-hours.png"), "alt_text": "Pool opening hours."},
        follow=True,
    )
    page = done.content.decode()
    assert "pool-hours.png is in the library." in page
    assert "Pool opening hours." in page
    refused = client.post(url, {"file": ContentFile(b"GIF? no", name="fake.gif")})
    assert refused.status_code == 400
    assert "fake.gif is not a file the networks take" in refused.content.decode()
    # A PDF reaches the server, which names it and the types it takes, in French too.
    report = {"file": ContentFile(b"%PDF-1.7 a council report", name="report.pdf")}
    refused = client.post(url, report, HTTP_ACCEPT_LANGUAGE="fr")
    assert "report.pdf n\u2019est pas un type de fichier accepté" in refused.content.decode()
    nothing = client.post(url, {"alt_text": "?"}).content.decode()
    assert "Choose a file to upload: a JPEG, PNG, GIF or WebP image, or an MP4 video." in nothing
    assert "usa-file-input" not in nothing
    # The file field's own words are the page's, in French too.
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Choisir un fichier" in french and "Aucun fichier choisi" in french
