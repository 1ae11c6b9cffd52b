"""The link from which a network fetches a post's image: open to anyone without signing
in, for one file of one agency as it was, for a while; and delivery hands it to
Instagram, which fetches the image from the app."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts.models import Agency
from govsocial.tenancy import agency_scope
from publishing.content import post_content_hash
from publishing.models import MediaAsset, PostTarget, TargetState
from publishing.shared_media import SALT, share_token
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import (
    emulated_account_for,
    post_media_for,
    scheduled_post_for,
    uploaded_media_for,
)
from tests.publishing.delivery import HANDLES, publish

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200


def link(agency: Agency, asset: MediaAsset, token: str | None = None) -> str:
    """Return the path of the shared link to ``asset`` under ``agency``'s address."""
    token = share_token(asset) if token is None else token
    return reverse("media_shared", args=[agency.slug, asset.pk, token])


class _MadeAt(signing.TimestampSigner):
    """Sign as the app did ``seconds_ago`` seconds ago."""

    def __init__(self, seconds_ago: int) -> None:
        super().__init__(salt=SALT)
        self.seconds_ago = seconds_ago

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - self.seconds_ago)


def token_made(asset: MediaAsset, *, seconds_ago: int) -> str:
    """Return the token the app gave for ``asset`` ``seconds_ago`` seconds ago."""
    return _MadeAt(seconds_ago).sign_object([asset.agency_id, asset.pk, asset.sha256])


@pytest.mark.django_db
def test_the_link_sends_the_file_to_someone_not_signed_in(personas: Personas) -> None:
    asset = uploaded_media_for(personas.agency_a)

    answer = Client().get(link(personas.agency_a, asset))

    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == asset.file.open("rb").read()  # type: ignore[attr-defined]
    assert answer["Content-Type"] == "image/png"
    assert answer["Content-Length"] == str(asset.size_bytes)
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in answer["Cache-Control"] and "private" in answer["Cache-Control"]
    # Nothing of a session: the answer is the same for anyone.
    assert not answer.cookies


@pytest.mark.django_db
def test_the_members_address_of_the_same_file_still_asks_to_sign_in(personas: Personas) -> None:
    asset = uploaded_media_for(personas.agency_a)
    members_only = reverse("media_file", args=[personas.agency_a.slug, asset.pk])
    assert Client().get(members_only).status_code == 302


@pytest.mark.django_db
def test_a_link_works_until_its_time_is_up_then_answers_not_found(personas: Personas) -> None:
    asset = uploaded_media_for(personas.agency_a)
    lifetime = settings.MEDIA_SHARE_SECONDS

    fresh_enough = token_made(asset, seconds_ago=lifetime - 60)
    expired = token_made(asset, seconds_ago=lifetime + 1)

    assert Client().get(link(personas.agency_a, asset, fresh_enough)).status_code == 200
    assert Client().get(link(personas.agency_a, asset, expired)).status_code == 404


@pytest.mark.django_db
def test_an_altered_token_answers_not_found(personas: Personas) -> None:
    asset = uploaded_media_for(personas.agency_a)
    other = uploaded_media_for(personas.agency_a, data=JPEG)
    token = share_token(asset)
    # The other file's payload under this token's timestamp and signature.
    forged = share_token(other).partition(":")[0] + ":" + token.partition(":")[2]

    for bad in (forged, token[:-1] + ("A" if token[-1] != "A" else "B"), "not-a-token"):
        assert Client().get(link(personas.agency_a, other, bad)).status_code == 404
    # A good token for one file does not open another.
    assert Client().get(link(personas.agency_a, other, token)).status_code == 404


@pytest.mark.django_db
def test_a_link_opens_nothing_under_another_agencys_address(personas: Personas) -> None:
    asset_a = uploaded_media_for(personas.agency_a)
    asset_b = uploaded_media_for(personas.agency_b)
    signed_in_b = personas.client_for(personas.admin_b)

    assert Client().get(link(personas.agency_b, asset_a)).status_code == 404
    assert signed_in_b.get(link(personas.agency_b, asset_a)).status_code == 404
    assert Client().get(link(personas.agency_a, asset_b)).status_code == 404


@pytest.mark.django_db
def test_a_link_to_a_file_that_changed_since_opens_nothing(personas: Personas) -> None:
    asset = uploaded_media_for(personas.agency_a)
    url = link(personas.agency_a, asset)
    with agency_scope(personas.agency_a.pk):
        MediaAsset.objects.filter(pk=asset.pk).update(sha256="0" * 64)

    assert Client().get(url).status_code == 404


def instagram_target(agency: Agency, emulator: Emulator, image: bytes) -> PostTarget:
    """Schedule an approved Instagram post of ``agency`` with ``image``, due now."""
    account = emulated_account_for(agency, emulator, "instagram", HANDLES["facebook"])
    post = scheduled_post_for(agency, [account], approved=False, text="Pools open today")
    post_media_for(
        agency, post=post, asset=uploaded_media_for(agency, data=image), alt_text="The pool"
    )
    with agency_scope(agency.pk):
        post.approved_hash = post_content_hash(post)
        post.save(update_fields=["approved_hash"])
        return PostTarget.objects.select_related("account").get(post=post)


@pytest.mark.django_db
def test_delivery_hands_instagram_the_public_link_not_the_members_address(
    personas: Personas, quiet: Emulator
) -> None:
    target = instagram_target(personas.agency_a, quiet, JPEG)

    done = publish(target)

    assert done is not None and done.state == TargetState.PUBLISHED
    (stored,) = quiet.posts(network="instagram", origin="account")
    address = stored["media"][0]["url"]
    assert address.startswith(settings.SITE_URL)
    path = address.removeprefix(settings.SITE_URL)
    shared = Client().get(path)
    assert shared.status_code == 200
    assert b"".join(shared.streaming_content) == JPEG  # type: ignore[attr-defined]


def test_instagram_fetches_the_image_from_the_running_app_and_publishes_it(
    live_agency: Agency,
    quiet: Emulator,
    web_server: str,
    web_media_root: Path,
    settings: Any,
) -> None:
    settings.SITE_URL = web_server
    settings.MEDIA_ROOT = web_media_root
    quiet.configure(fetch_media=True)
    target = instagram_target(live_agency, quiet, JPEG)

    done = publish(target)

    assert done is not None and done.state == TargetState.PUBLISHED, done and done.failure_reason
    (stored,) = quiet.posts(network="instagram", origin="account")
    image = stored["media"][0]
    assert (image["type"], image["size"], image["alt"]) == ("image/jpeg", len(JPEG), "The pool")
    assert image["url"].startswith(web_server + "/agencies/")
