"""Content kept whole: each file is written whole or not at all, named by its hash,
once however many times (or processes) keep the same bytes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, storages
from django.test import override_settings

import archive
from archive.models import SMALL_CONTENT, ArchiveContent, ArchiveContentBytes, content_name
from archive.selectors import content_open
from archive.services import _local_file_keep
from govsocial.tenancy import agency_scope
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

# Larger than the archive keeps in the database: kept as a file.
PHOTO = b"citizen's photo" * (SMALL_CONTENT // 15 + 1)


@pytest.fixture
def archive_root(tmp_path: Path, settings: pytest.FixtureRequest) -> Iterator[Path]:
    """Keep the archive's files in a folder of the test's own, readable by the owner and
    its group only."""
    root = tmp_path / "archive"
    with override_settings(
        STORAGES={
            **settings.STORAGES,  # type: ignore[attr-defined]
            "archive": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": root, "file_permissions_mode": 0o640},
            },
        }
    ):
        yield root


def test_content_is_kept_once_under_its_hash_with_no_file_left_half_written(
    personas: Personas, archive_root: Path
) -> None:
    agency = personas.agency_a
    with agency_scope(agency.pk):
        first = archive.keep(agency=agency, contents=[(PHOTO, "image/png")])
        again = archive.keep(agency=agency, contents=[(PHOTO, "image/png")])
        assert first == again == [hashlib.sha256(PHOTO).hexdigest()]
        assert ArchiveContent.objects.filter(sha256=first[0]).count() == 1
        opened = content_open(sha256=first[0])
        assert opened is not None
        with opened[0] as kept:
            assert kept.read() == PHOTO
    written = [path for path in archive_root.rglob("*") if path.is_file()]
    assert [path.name for path in written] == [first[0]]
    assert written[0].stat().st_mode & 0o777 == 0o640
    assert storages["archive"].exists(content_name(agency.pk, first[0]))


def test_small_content_is_kept_in_the_database_once_and_read_back(
    personas: Personas, archive_root: Path
) -> None:
    agency = personas.agency_a
    small = [(b"citizen's photo", "image/png"), (b"x" * SMALL_CONTENT, "image/png")]
    with agency_scope(agency.pk):
        first = archive.keep(agency=agency, contents=small)
        again = archive.keep(agency=agency, contents=small[:1])
        assert again == first[:1]
        assert ArchiveContentBytes.objects.count() == 2
        for (content, _type), digest in zip(small, first, strict=True):
            opened = content_open(sha256=digest)
            assert opened is not None
            with opened[0] as kept:
                assert kept.read() == content
    assert not [path for path in archive_root.rglob("*") if path.is_file()]


def test_a_file_another_process_wrote_meanwhile_is_left_as_it_is(tmp_path: Path) -> None:
    storage = FileSystemStorage(location=tmp_path)
    path = str(tmp_path / "1" / "ab" / "abcd")
    os.makedirs(os.path.dirname(path))
    real_exists = os.path.exists

    def written_meanwhile(asked: str) -> bool:
        # The other process links its file just after this one looked.
        if asked == path and not real_exists(path):
            Path(path).write_bytes(b"the same bytes")
            return False
        return real_exists(asked)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os.path, "exists", written_meanwhile)
        _local_file_keep(storage, path, b"the same bytes")
    assert Path(path).read_bytes() == b"the same bytes"
    assert sorted(os.listdir(os.path.dirname(path))) == ["abcd"]
