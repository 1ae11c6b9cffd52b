"""The files citizens attach are kept like published media: named when their item is
stored, fetched in the background through the adapter from the emulator, their bytes
kept whole in the archive and recorded once; a fetch the network fails is tried again,
then marked failed with its reason."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.db.models.functions import Now
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks
from pytest_django import Settings as SettingsWrapper

from accounts.models import Agency, Role
from archive.selectors import content_open
from govsocial.celery import app
from govsocial.tenancy import agency_scope
from inbox.media import FAILED, KEPT, account_media_keep, media_keep
from inbox.models import InboxItemMedia, InboxPoll, MediaState
from inbox.services import account_poll, items_receive
from publishing.models import SocialAccount
from publishing.networks.base import InboundItem, InboundKind, InboundMedia, InboundMediaKind
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import (
    CITIZENS_PHOTO,
    AgencyFactory,
    api_key_for,
    emulated_account_for,
    inbox_media_for,
)
from tests.inbox.conftest import citizen, events, items

pytestmark = pytest.mark.django_db

PHOTO = b"\x89PNG\r\n\x1a\n" + b"a pothole on Elm Street" * 8


@pytest.fixture
def agency() -> Agency:
    return AgencyFactory(name="City of Riverton", slug="riverton")


@pytest.fixture
def mastodon(agency: Agency, quiet: Emulator) -> SocialAccount:
    return emulated_account_for(agency, quiet, "mastodon", "riverton")


def photo_mention(emulator: Emulator, content: bytes = PHOTO) -> dict[str, Any]:
    """Have a citizen mention the account with a photo."""
    return emulator.inbound(
        network="mastodon",
        account="riverton",
        kind="mention",
        text="@riverton this pothole again",
        media=[
            {
                "content": base64.b64encode(content).decode(),
                "mime_type": "image/png",
                "alt": "A pothole full of water",
            }
        ],
    )


def poll_now(account: SocialAccount) -> int:
    """Poll the account as the scheduler's next tick would, due or not."""
    with agency_scope(account.agency_id):
        InboxPoll.objects.filter(account=account).update(next_poll_at=Now())
        return account_poll(account=account)


def files(agency: Agency) -> list[InboxItemMedia]:
    with agency_scope(agency.pk):
        return list(InboxItemMedia.objects.order_by("id"))


def kept_bytes(agency: Agency, digest: str) -> bytes:
    with agency_scope(agency.pk):
        opened = content_open(sha256=digest)
        assert opened is not None
        stored, row = opened
        with stored:
            assert row.media_type == "image/png"
            return bytes(stored.read())


def test_a_polled_image_is_kept_whole_and_recorded_once_however_often_it_is_polled(
    agency: Agency,
    mastodon: SocialAccount,
    quiet: Emulator,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    photo_mention(quiet)

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert poll_now(mastodon) == 1
        with django_capture_on_commit_callbacks(execute=True) as queued:
            with agency_scope(agency.pk):
                InboxPoll.objects.update(cursor="")  # read the same page again
            assert poll_now(mastodon) == 0
    finally:
        app.conf.task_always_eager = False

    assert queued == []
    [item] = items(agency)
    [media] = files(agency)
    assert (media.item_id, media.state, media.mime_type, media.alt_text, media.attempts) == (
        item.pk,
        MediaState.KEPT,
        "image/png",
        "A pothole full of water",
        1,
    )
    assert kept_bytes(agency, media.content) == PHOTO
    [event] = events(agency, KEPT)
    assert event.object_id == str(item.pk)
    assert event.data["sha256"] == media.content and event.data["remote_url"] == media.remote_url
    assert event.data["alt_text"] == "A pothole full of water"
    with agency_scope(agency.pk):
        assert media_keep(media_id=media.pk) is None
        assert account_media_keep(account=mastodon) == 0
    assert len(events(agency, KEPT)) == 1


def test_a_fetch_the_network_fails_is_tried_again_later_then_failed_with_its_reason(
    agency: Agency, mastodon: SocialAccount, quiet: Emulator, settings: SettingsWrapper
) -> None:
    settings.INBOX_MEDIA_ATTEMPTS = 2
    photo_mention(quiet)
    quiet.fault("server_error", network="mastodon", path="/media/", status=503)
    poll_now(mastodon)
    [waiting] = files(agency)

    with agency_scope(agency.pk):
        first = media_keep(media_id=waiting.pk)
        # Not due again until its wait has passed.
        assert account_media_keep(account=mastodon) == 0
        assert first is not None and first.state == MediaState.WAITING
        assert first.attempts == 1 and "503" in first.failure_reason
        assert first.next_attempt_at > timezone.now() + timedelta(seconds=30)
        assert events(agency, FAILED) == []
        InboxItemMedia.objects.update(next_attempt_at=Now())
        second = media_keep(media_id=waiting.pk)

    assert second is not None
    assert (second.state, second.attempts) == (MediaState.FAILED, 2)
    assert "503" in second.failure_reason
    [event] = events(agency, FAILED)
    assert event.data["reason"] == second.failure_reason and event.data["attempts"] == 2
    quiet.clear_faults()
    with agency_scope(agency.pk):
        InboxItemMedia.objects.update(next_attempt_at=Now())
        assert account_media_keep(account=mastodon) == 0
    assert events(agency, KEPT) == []


def test_a_file_the_network_no_longer_serves_fails_at_once(
    agency: Agency, mastodon: SocialAccount, quiet: Emulator
) -> None:
    gone = InboundMedia(url=quiet.url("/media/mastodon/404"), kind=InboundMediaKind.IMAGE)
    with agency_scope(agency.pk):
        items_receive(account=mastodon, items=[citizen("1", "look", media=(gone,))])
        [media] = files(agency)
        failed = media_keep(media_id=media.pk)

    assert failed is not None and (failed.state, failed.attempts) == (MediaState.FAILED, 1)
    assert "404" in failed.failure_reason


def test_files_a_push_left_out_are_named_by_the_poll_and_an_edit_with_other_files_adds_its_own(
    agency: Agency, mastodon: SocialAccount
) -> None:
    first = InboundMedia(url="https://files.example/1.png", alt_text="Elm Street")
    second = InboundMedia(url="https://files.example/2.png")
    with agency_scope(agency.pk):
        items_receive(account=mastodon, items=[citizen("1", "look")])
        assert files(agency) == []
        items_receive(account=mastodon, items=[citizen("1", "look", media=(first,))])
        items_receive(account=mastodon, items=[citizen("1", "look", media=(first,))])
        items_receive(account=mastodon, items=[citizen("1", "look!", media=(second,))])
        items_receive(account=mastodon, items=[citizen("1", "look!", media=(second,))])

    assert [(m.version, m.position, m.remote_url, m.alt_text) for m in files(agency)] == [
        (1, 1, first.url, "Elm Street"),
        (2, 1, second.url, ""),
    ]


def test_an_item_without_files_queues_no_fetch(
    agency: Agency,
    mastodon: SocialAccount,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with agency_scope(agency.pk), django_capture_on_commit_callbacks() as queued:
        items_receive(account=mastodon, items=[citizen("1", "no photo")])

    assert files(agency) == [] and queued == []


# Shown on the item's page and through the API ------------------------------------------


def test_the_items_page_shows_its_image_with_its_alt_text_served_from_the_archive(
    personas: Personas,
) -> None:
    media = inbox_media_for(personas.agency_a)
    client = personas.client_for(personas.author_a)
    file_url = reverse("inbox_file", args=["alpha", media.item_id, media.pk])

    page = client.get(reverse("inbox_item", args=["alpha", media.item_id])).content.decode()
    listed = client.get(reverse("inbox_list", args=["alpha"])).content.decode()
    served = client.get(file_url)

    assert f'src="{file_url}" alt="A pothole"' in page
    assert "With files" in listed
    assert served.status_code == 200 and b"".join(served.streaming_content) == CITIZENS_PHOTO
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"].startswith("inline")
    assert served["X-Content-Type-Options"] == "nosniff"


def test_a_video_is_a_download_and_a_file_not_kept_is_said_in_words(
    personas: Personas,
) -> None:
    video = inbox_media_for(personas.agency_a, mime_type="video/mp4")
    item = InboundItem(
        remote_id="waiting",
        kind=InboundKind.COMMENT,
        author_handle="ben",
        author_name="Ben",
        text="two photos",
        created_at=timezone.now(),
        media=(
            InboundMedia(url="https://files.example/1"),
            InboundMedia(url="https://x.example/2"),
        ),
    )
    with agency_scope(personas.agency_a.pk):
        [waiting] = items_receive(account=video.item.account, items=[item])
        InboxItemMedia.objects.filter(item=waiting, position=2).update(
            state=MediaState.FAILED, failure_reason="The network no longer serves the file."
        )
    client = personas.client_for(personas.author_a)

    video_page = client.get(reverse("inbox_item", args=["alpha", video.item_id])).content.decode()
    waiting_page = client.get(reverse("inbox_item", args=["alpha", waiting.pk])).content.decode()
    downloaded = client.get(reverse("inbox_file", args=["alpha", video.item_id, video.pk]))
    not_kept = client.get(
        reverse("inbox_file", args=["alpha", waiting.pk, files(personas.agency_a)[-1].pk])
    )

    assert "Download the video (video/mp4" in video_page and "<img" not in video_page
    assert downloaded["Content-Disposition"].startswith("attachment")
    assert "File 1 is being fetched from the network" in waiting_page
    assert "File 2 could not be fetched from the network:" in waiting_page
    assert "The network no longer serves the file." in waiting_page
    assert not_kept.status_code == 404


def test_the_api_gives_an_items_files_and_their_bytes(personas: Personas) -> None:
    media = inbox_media_for(personas.agency_a)
    _key, token = api_key_for(personas.agency_a, Role.VIEWER)
    client = Client(headers={"Authorization": f"Bearer {token}"})

    item = client.get(f"/api/agencies/alpha/inbox/items/{media.item_id}/").json()
    [described] = item["media"]
    served = client.get(described["download"])

    assert {k: described[k] for k in ("position", "mime_type", "alt_text", "state")} == {
        "position": 1,
        "mime_type": "image/png",
        "alt_text": "A pothole",
        "state": "kept",
    }
    assert described["failure_reason"] == "" and described["download"].startswith("http")
    assert served.status_code == 200 and b"".join(served.streaming_content) == CITIZENS_PHOTO
    assert served["X-Content-Type-Options"] == "nosniff"
    listed = client.get("/api/agencies/alpha/inbox/items/").json()
    assert listed["results"][0]["media"][0]["download"] == described["download"]


def test_a_fetch_that_keeps_dying_half_way_is_stopped_with_its_reason(
    agency: Agency, mastodon: SocialAccount, settings: SettingsWrapper
) -> None:
    settings.INBOX_MEDIA_ATTEMPTS = 2
    photo = InboundMedia(url="https://files.example/1.png")
    with agency_scope(agency.pk):
        items_receive(account=mastodon, items=[citizen("1", "look", media=(photo,))])
        # Two claims whose workers died before the fetch settled.
        InboxItemMedia.objects.update(attempts=2)
        [media] = files(agency)
        stopped = media_keep(media_id=media.pk)

    assert stopped is not None and stopped.state == MediaState.FAILED
    assert stopped.failure_reason == "Fetching the file never finished; it was stopped."
    assert len(events(agency, FAILED)) == 1
