"""What was published is kept whole in the archive: the text, link, first comment and
media (bytes and alt text) as they went out, and the network's answer, in
content-addressed storage the target's published event points to."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from archive.models import SMALL_CONTENT, ArchiveContent, ArchiveContentBytes, content_name
from archive.selectors import kept_open
from archive.verification import contents_verify
from govsocial.tenancy import agency_scope
from publishing.content import post_content_hash
from publishing.models import TargetState
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import (
    emulated_account_for,
    post_media_for,
    scheduled_post_for,
    uploaded_media_for,
)
from tests.publishing.delivery import (
    CREATE_PATH,
    HANDLES,
    TIMED_OUT_MS,
    events_of,
    one_target,
    publish,
    reconcile,
    wait_until_due,
)

pytestmark = pytest.mark.django_db

IMAGE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
# Larger than the archive keeps in the database: kept as a file.
LARGE_IMAGE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (SMALL_CONTENT // 256 + 1)


def kept(agency_id: int, digest: str) -> bytes:
    """Return the bytes the archive keeps under ``digest``, checking they are its."""
    with agency_scope(agency_id):
        with kept_open(agency_id=agency_id, sha256=digest) as stored:
            content: bytes = stored.read()
        row = ArchiveContent.objects.get(sha256=digest)
    assert hashlib.sha256(content).hexdigest() == digest
    assert row.size == len(content)
    return content


def test_a_published_post_and_its_image_are_kept_as_they_went_out(
    personas: Personas, quiet: Emulator
) -> None:
    agency = personas.agency_a
    account = emulated_account_for(agency, quiet, "mastodon", HANDLES["mastodon"])
    post = scheduled_post_for(
        agency,
        [account],
        text="Main Street reopens on Monday.",
        first_comment="Detours: see the map.",
    )
    asset = uploaded_media_for(agency, data=IMAGE)
    post_media_for(agency, post=post, asset=asset, alt_text="Map of the detours.")
    with agency_scope(agency.pk):
        post.approved_hash = post_content_hash(post)
        post.save(update_fields=["approved_hash"])
        target = post.targets.get()

    done = publish(target)

    assert done is not None and done.remote_id
    _, published = events_of(target)[-1]
    document = json.loads(kept(agency.pk, published["published"]))
    image = hashlib.sha256(IMAGE).hexdigest()
    assert document == {
        "network": "mastodon",
        "account": account.handle,
        "post": post.pk,
        "text": "Main Street reopens on Monday.",
        "link": "",
        "media": [{"sha256": image, "media_type": "image/png", "alt_text": "Map of the detours."}],
        "first_comment": "Detours: see the map.",
        "remote_id": done.remote_id,
        "permalink": done.permalink,
        "published_at": done.published_at.isoformat(),
    }
    assert kept(agency.pk, image) == IMAGE


def test_the_same_bytes_are_kept_once_and_never_changed(
    personas: Personas, quiet: Emulator
) -> None:
    agency = personas.agency_a
    account = emulated_account_for(agency, quiet, "x", HANDLES["x"])
    for n in range(2):
        post = scheduled_post_for(agency, [account], text=f"Same picture, post {n}.")
        asset = uploaded_media_for(agency, data=IMAGE)
        post_media_for(agency, post=post, asset=asset, alt_text="The same map.")
        with agency_scope(agency.pk):
            post.approved_hash = post_content_hash(post)
            post.save(update_fields=["approved_hash"])
            assert publish(post.targets.get()) is not None

    with agency_scope(agency.pk):
        image = ArchiveContent.objects.get(media_type="image/png")
        assert ArchiveContent.objects.filter(media_type="application/json").count() == 2
        for statement in (
            f"UPDATE archive_archivecontent SET size = 0 WHERE id = {image.pk}",  # noqa: S608
            f"DELETE FROM archive_archivecontent WHERE id = {image.pk}",  # noqa: S608
        ):
            with (
                pytest.raises(ProgrammingError, match="permission denied"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
    assert image.sha256 == hashlib.sha256(IMAGE).hexdigest()


def test_a_post_found_on_the_network_after_its_answer_was_lost_is_kept_too(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "mastodon", text="Snow clearing tonight.")
    quiet.fault(
        "accepted_timeout", network="mastodon", path=CREATE_PATH["mastodon"], hold_ms=TIMED_OUT_MS
    )
    unknown = publish(target)
    assert unknown is not None and unknown.state == TargetState.UNCONFIRMED
    wait_until_due(target)

    done = reconcile(target)

    assert done is not None and done.state == TargetState.PUBLISHED
    _, published = events_of(target)[-1]
    document = json.loads(kept(personas.agency_a.pk, published["published"]))
    assert (document["text"], document["remote_id"], document["media"]) == (
        "Snow clearing tonight.",
        done.remote_id,
        [],
    )


def published_with_image(personas: Personas, quiet: Emulator, image: bytes) -> str:
    """Publish an approved post with ``image`` to agency A's Mastodon account; return the
    image's hash."""
    agency = personas.agency_a
    account = emulated_account_for(agency, quiet, "mastodon", HANDLES["mastodon"])
    post = scheduled_post_for(agency, [account], text="Pool open.")
    post_media_for(agency, post=post, asset=uploaded_media_for(agency, data=image))
    with agency_scope(agency.pk):
        post.approved_hash = post_content_hash(post)
        post.save(update_fields=["approved_hash"])
        assert publish(post.targets.get()) is not None
    return hashlib.sha256(image).hexdigest()


def test_a_kept_file_changed_or_gone_is_named_by_the_check(
    personas: Personas, quiet: Emulator
) -> None:
    agency = personas.agency_a
    image = published_with_image(personas, quiet, LARGE_IMAGE)
    with agency_scope(agency.pk):
        assert contents_verify(agency_id=agency.pk).files_checked == 2
        path = Path(storages["archive"].path(content_name(agency.pk, image)))

        path.write_bytes(LARGE_IMAGE + b"!")
        changed = contents_verify(agency_id=agency.pk)
        path.unlink()
        gone = contents_verify(agency_id=agency.pk)

    assert (changed.bad_file, changed.problem) == (image, "its bytes no longer match its hash")
    assert (gone.bad_file, gone.problem) == (image, "its bytes are missing")


def test_kept_bytes_in_the_database_are_never_changed_and_their_loss_is_named(
    personas: Personas, quiet: Emulator
) -> None:
    agency = personas.agency_a
    image = published_with_image(personas, quiet, IMAGE)
    with agency_scope(agency.pk):
        held = ArchiveContentBytes.objects.filter(sha256=image)
        assert bytes(held.get().body) == IMAGE
        assert not storages["archive"].exists(content_name(agency.pk, image))

        with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
            held.update(body=IMAGE + b"!")
        held.delete()
        gone = contents_verify(agency_id=agency.pk)

    assert (gone.bad_file, gone.problem) == (image, "its bytes are missing")
