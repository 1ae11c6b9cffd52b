"""Integrators write, change, schedule and read posts, and fill the media library,
through the API, under the same rules and messages as the pages."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from accounts.models import Role
from govsocial.tenancy import agency_scope
from publishing.api.serializers import PostSerializer
from publishing.models import Post, PostStatus, SocialAccount
from publishing.networks.base import Network
from tests.conftest import Personas
from tests.factories import api_key_for, social_account_for, uploaded_media_for

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 100


def accounts(personas: Personas) -> tuple[SocialAccount, SocialAccount]:
    x = social_account_for(personas.agency_a, handle="alpha_city")
    mastodon = social_account_for(
        personas.agency_a, network=Network.MASTODON, remote_id="m1", handle="alpha@social"
    )
    return x, mastodon


def posts_url() -> str:
    return reverse("post-list", args=["alpha"])


def post_url(name: str, post_id: int) -> str:
    return reverse(f"post-{name}", args=["alpha", post_id])


def send(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(url, body or {}, content_type="application/json")


def in_an_hour() -> str:
    return (timezone.now() + timedelta(hours=1)).isoformat()


def test_a_post_is_written_with_its_own_texts_and_files(personas: Personas) -> None:
    x, mastodon = accounts(personas)
    asset = uploaded_media_for(personas.agency_a, data=PNG)
    client = personas.client_for(personas.admin_a)
    created = send(
        client,
        "post",
        posts_url(),
        {
            "text": "Road closures this weekend.",
            "accounts": [x.pk, mastodon.pk],
            "variants": {str(x.pk): "Closures: see the map."},
            "media": [{"asset": asset.pk, "alt_text": "Map of the closed streets."}],
            "campaign": "Roads",
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["revision"], body["author"]) == (
        "draft",
        1,
        personas.admin_a.user.email,
    )
    by_account = {t["account"]: t for t in body["targets"]}
    assert by_account[x.pk]["has_own_text"] and by_account[x.pk]["text"] == "Closures: see the map."
    assert not by_account[mastodon.pk]["has_own_text"]
    assert body["media"] == [
        {
            "asset": asset.pk,
            "position": 0,
            "name": "closure-map.png",
            "mime_type": "image/png",
            "alt_text": "Map of the closed streets.",
        }
    ]
    read = client.get(post_url("detail", body["id"])).json()
    assert read == body


def test_authors_are_refused_accounts_not_delegated_to_them(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    refused = send(
        personas.client_for(personas.author_a), "post", posts_url(), {"accounts": [x.pk]}
    )
    assert refused.status_code == 403
    assert "ask an agency admin" in refused.json()["detail"]


def test_a_change_of_content_is_a_new_revision_and_a_partial_change_keeps_the_rest(
    personas: Personas,
) -> None:
    x, mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    body = send(client, "post", posts_url(), {"text": "First.", "accounts": [x.pk]}).json()
    patched = send(client, "patch", post_url("detail", body["id"]), {"campaign": "Winter"}).json()
    assert (patched["text"], patched["campaign"], patched["revision"]) == ("First.", "Winter", 1)
    replaced = send(
        client,
        "put",
        post_url("detail", body["id"]),
        {"text": "Second.", "accounts": [x.pk, mastodon.pk]},
    ).json()
    assert (replaced["text"], replaced["campaign"], replaced["revision"]) == ("Second.", "", 2)
    assert {t["account"] for t in replaced["targets"]} == {x.pk, mastodon.pk}


def test_scheduling_refuses_with_every_problem_and_then_schedules(personas: Personas) -> None:
    x, mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    body = send(client, "post", posts_url(), {"text": "道" * 150, "accounts": [x.pk, mastodon.pk]})
    schedule = post_url("schedule", body.json()["id"])
    refused = send(client, "post", schedule, {"at": in_an_hour()})
    assert refused.status_code == 400
    (problem,) = refused.json()["errors"]
    assert (problem["account_id"], problem["network"], problem["code"]) == (x.pk, "x", "too_long")
    assert "This text counts 300" in refused.json()["detail"]
    send(
        client,
        "patch",
        post_url("detail", body.json()["id"]),
        {"variants": {str(x.pk): "Closures."}},
    )
    past = send(client, "post", schedule, {"at": (timezone.now() - timedelta(hours=1)).isoformat()})
    assert (past.status_code, past.json()["errors"][0]["pointer"]) == (400, "/at")
    naive = send(client, "post", schedule, {"at": "2099-01-01T09:00:00"})
    assert naive.status_code == 400
    assert "offset" in str(naive.json())
    scheduled = send(client, "post", schedule, {"at": "2099-01-01T09:00:00-05:00"})
    assert scheduled.status_code == 200, scheduled.json()
    answer = scheduled.json()
    assert (answer["status"], answer["scheduled_at"]) == ("scheduled", "2099-01-01T14:00:00Z")
    assert {t["state"] for t in answer["targets"]} == {"scheduled"}
    assert answer["approved_hash"]


def test_publishing_now_schedules_the_post_for_this_moment(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    nowhere = send(client, "post", posts_url(), {"text": "Hello.", "accounts": []}).json()
    refused = send(client, "post", post_url("publish-now", nowhere["id"]))
    assert (refused.status_code, refused.json()["errors"][0]["pointer"]) == (400, "/accounts")
    body = send(client, "post", posts_url(), {"text": "Hello.", "accounts": [x.pk]}).json()
    send(client, "post", post_url("schedule", body["id"]), {"at": in_an_hour()})

    before = timezone.now()
    published = send(client, "post", post_url("publish-now", body["id"]))

    assert published.status_code == 200, published.json()
    answer = published.json()
    assert answer["status"] == "scheduled"
    assert before <= datetime.fromisoformat(answer["scheduled_at"]) <= timezone.now()
    assert {t["state"] for t in answer["targets"]} == {"scheduled"}


def test_unscheduling_goes_back_to_draft_once(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    body = send(client, "post", posts_url(), {"text": "Hello.", "accounts": [x.pk]}).json()
    send(client, "post", post_url("schedule", body["id"]), {"at": in_an_hour()})
    back = send(client, "post", post_url("unschedule", body["id"]))
    assert (back.status_code, back.json()["status"]) == (200, "draft")
    again = send(client, "post", post_url("unschedule", body["id"]))
    assert again.status_code == 409


def test_the_list_filters_by_status_account_and_campaign(personas: Personas) -> None:
    x, mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    snow = send(
        client, "post", posts_url(), {"text": "Snow", "accounts": [x.pk], "campaign": "Winter"}
    ).json()
    send(client, "post", posts_url(), {"text": "Pool", "accounts": [mastodon.pk]})
    send(client, "post", post_url("schedule", snow["id"]), {"at": in_an_hour()})

    def texts(**filters: Any) -> set[str]:
        return {p["text"] for p in client.get(posts_url(), filters).json()["results"]}

    assert texts() == {"Snow", "Pool"}
    assert texts(status="scheduled") == {"Snow"}
    assert texts(account=mastodon.pk) == {"Pool"}
    assert texts(campaign="Winter") == {"Snow"}
    assert texts(author=personas.admin_a.user.pk) == {"Snow", "Pool"}
    assert client.get(posts_url(), {"account": "x"}).status_code == 400


def test_an_admins_api_key_writes_posts_credited_to_the_admin_who_made_it(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    key, token = api_key_for(personas.agency_a, role=Role.ADMIN)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    created = send(client, "post", posts_url(), {"text": "From the website.", "accounts": [x.pk]})
    assert created.status_code == 201
    assert created.json()["author"] == key.created_by.email
    _author_key, author_token = api_key_for(personas.agency_a, role=Role.AUTHOR)
    author_client = Client(HTTP_AUTHORIZATION=f"Bearer {author_token}")
    refused = send(author_client, "post", posts_url(), {"accounts": [x.pk]})
    assert refused.status_code == 403
    with agency_scope(personas.agency_a.pk):
        assert Post.objects.get().status == PostStatus.DRAFT


def test_the_media_library_takes_uploads_and_gives_files_back(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    url = reverse("mediaasset-list", args=["alpha"])
    created = client.post(url, {"file": ContentFile(PNG, name="map.png"), "alt_text": "A map."})
    assert created.status_code == 201, created.json()
    asset = created.json()
    assert (asset["mime_type"], asset["size_bytes"], asset["alt_text"]) == (
        "image/png",
        len(PNG),
        "A map.",
    )
    assert [a["id"] for a in client.get(url).json()["results"]] == [asset["id"]]
    file = client.get(reverse("mediaasset-file", args=["alpha", asset["id"]]))
    assert b"".join(file.streaming_content) == PNG
    changed = send(
        client,
        "patch",
        reverse("mediaasset-detail", args=["alpha", asset["id"]]),
        {"alt_text": "B"},
    )
    assert changed.json()["alt_text"] == "B"
    refused = client.post(url, {"file": ContentFile(b"plain text", name="notes.txt")})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["pointer"] == "/file"


def test_the_schema_describes_posts_and_media(personas: Personas) -> None:
    client = personas.client_for(personas.admin_a)
    paths = client.get(reverse("api-schema"), {"format": "json"}).json()["paths"]
    assert "/api/agencies/{agency_slug}/posts/{id}/schedule/" in paths
    assert "post" in paths["/api/agencies/{agency_slug}/media/"]


def test_the_api_gives_a_post_exactly_as_its_schema_describes_it(personas: Personas) -> None:
    """The API writes posts out from plain rows (``publishing.selectors.post_rows``);
    ``PostSerializer`` is the schema. A post with every field filled (written with a key,
    with a translation, files, and a target published with its first comment) comes out
    of the list and of its own address as the serializer gives it."""
    x, mastodon = accounts(personas)
    asset = uploaded_media_for(personas.agency_a, data=PNG)
    _key, token = api_key_for(personas.agency_a)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {
        "text": "Road closures this weekend.",
        "link": "https://alpha.example/roads",
        "accounts": [x.pk, mastodon.pk],
        "variants": {str(x.pk): "Closures: see the map."},
        "first_comments": {str(mastodon.pk): "Detours on the map."},
        "media": [{"asset": asset.pk, "alt_text": "Map of the closed streets."}],
        "campaign": "Roads",
    }
    post_id = send(client, "post", posts_url(), body).json()["id"]
    assert send(client, "post", post_url("translation", post_id)).status_code == 201
    with agency_scope(personas.agency_a.pk):
        Post.objects.get(pk=post_id).targets.filter(account=mastodon).update(
            state="published",
            remote_id="m-812",
            permalink="https://social.example/@alpha/812",
            published_at=timezone.now(),
            comment_state="published",
            comment_remote_id="m-813",
            comment_permalink="https://social.example/@alpha/813",
        )
        post = Post.objects.get(pk=post_id)
        post.revision = post.revisions.order_by("-number").first().number
        expected = json.loads(JSONRenderer().render(PostSerializer(post).data))

    def by_account(answer: dict[str, Any]) -> dict[str, Any]:
        return answer | {"targets": sorted(answer["targets"], key=lambda t: t["account"])}

    expected = by_account(expected)
    assert expected["api_key"] and expected["translation"] and expected["media"]
    assert {t["state"] for t in expected["targets"]} == {"draft", "published"}
    assert by_account(client.get(post_url("detail", post_id)).json()) == expected
    listed = client.get(posts_url(), {"page_size": 100}).json()["results"]
    assert [by_account(p) for p in listed if p["id"] == post_id] == [expected]
