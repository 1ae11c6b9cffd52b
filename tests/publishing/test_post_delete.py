"""A draft that never went out can be deleted, in the pages and the API; the archive
keeps the deletion with the draft's last content, and anything that went out or waits
on the schedule is kept."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from publishing.models import Post
from publishing.services import post_create, post_translation_add
from tests.conftest import Personas
from tests.factories import api_key_for, scheduled_post_for, social_account_for
from tests.publishing.calendar_helpers import exists

pytestmark = pytest.mark.django_db


def a_draft(personas: Personas, text: str = "Pools open at nine.") -> Post:
    account = social_account_for(personas.agency_a, handle="alpha_city")
    with agency_scope(personas.agency_a.pk):
        return post_create(
            agency=personas.agency_a,
            actor=personas.admin_a.user,
            text=text,
            account_ids=[account.pk],
        )


def test_an_admin_deletes_a_draft_after_confirming_and_the_archive_keeps_it(
    personas: Personas,
) -> None:
    post = a_draft(personas)
    client = personas.client_for(personas.admin_a)
    url = reverse("post_delete", args=["alpha", post.pk])
    detail = client.get(reverse("post_detail", args=["alpha", post.pk]))
    assert url in detail.content.decode()

    asked = client.get(url)
    assert "Delete this draft?" in asked.content.decode()
    assert exists(post)

    deleted = client.post(url, follow=True)

    assert deleted.redirect_chain[-1][0] == reverse("post_list", args=["alpha"])
    assert "The draft is deleted." in deleted.content.decode()
    assert not exists(post)
    with agency_scope(personas.agency_a.pk):
        event = ArchiveEvent.objects.get(verb="post.deleted")
    assert event.data["content"]["text"] == "Pools open at nine."
    assert event.data["revision"] == 1


def test_a_scheduled_post_is_not_deleted_until_it_is_off_the_schedule(
    personas: Personas,
) -> None:
    account = social_account_for(personas.agency_a, handle="alpha_city")
    post = scheduled_post_for(personas.agency_a, [account])
    _key, token = api_key_for(personas.agency_a)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = reverse("post-detail", args=["alpha", post.pk])

    refused = client.delete(url)

    assert refused.status_code == 409
    assert refused.json()["detail"] == "Take the post off the schedule first, then delete it."
    assert exists(post)
    page = personas.client_for(personas.admin_a).get(
        reverse("post_detail", args=["alpha", post.pk])
    )
    assert reverse("post_delete", args=["alpha", post.pk]) not in page.content.decode()


def test_the_api_deletes_a_draft_and_then_finds_nothing(personas: Personas) -> None:
    post = a_draft(personas)
    _key, token = api_key_for(personas.agency_a)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = reverse("post-detail", args=["alpha", post.pk])

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404


def test_deleting_one_version_leaves_its_translation_as_a_post_of_its_own(
    personas: Personas,
) -> None:
    post = a_draft(personas)
    with agency_scope(personas.agency_a.pk):
        french = post_translation_add(post=post, actor=personas.admin_a.user)

    personas.client_for(personas.admin_a).post(reverse("post_delete", args=["alpha", post.pk]))

    assert not exists(post)
    with agency_scope(personas.agency_a.pk):
        assert Post.objects.get(pk=french.pk).translation_id is None


def test_an_author_may_not_delete_a_draft_for_accounts_not_theirs(personas: Personas) -> None:
    post = a_draft(personas)
    refused = personas.client_for(personas.author_a).post(
        reverse("post_delete", args=["alpha", post.pk]), follow=True
    )
    assert "You may not publish to" in refused.content.decode()
    assert exists(post)
