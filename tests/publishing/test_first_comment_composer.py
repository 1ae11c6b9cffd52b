"""Writing a post's first comment per account: in the composer (live count and the
network's problems, like the text), through the API, saved as part of the revision the
post is approved by."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from govsocial.tenancy import agency_scope
from publishing.content import post_content_hash
from publishing.models import Post, PostRevision, PostStatus, PostTarget, SocialAccount
from publishing.networks.base import Network
from tests.conftest import Personas
from tests.factories import social_account_for, uploaded_media_for

pytestmark = pytest.mark.django_db

NEXT_YEAR_9AM = {"schedule_date": "2099-01-12", "schedule_time": "09:00"}


def accounts(personas: Personas) -> tuple[SocialAccount, SocialAccount]:
    x = social_account_for(personas.agency_a, handle="alpha_city")
    mastodon = social_account_for(
        personas.agency_a, network=Network.MASTODON, remote_id="m1", handle="alpha@social"
    )
    return x, mastodon


def compose(personas: Personas, url: str, **fields: Any) -> Any:
    data: dict[str, Any] = {"text": "Spring camps are open.", "language": "en"} | fields
    return personas.client_for(personas.admin_a).post(url, data)


def page_text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def only_post(personas: Personas) -> tuple[Post, dict[int, PostTarget]]:
    with agency_scope(personas.agency_a.pk):
        post = Post.objects.get()
        return post, {t.account_id: t for t in PostTarget.objects.filter(post=post)}


def test_the_composer_saves_each_accounts_first_comment_into_the_revision(
    personas: Personas,
) -> None:
    x, mastodon = accounts(personas)
    blank = personas.client_for(personas.admin_a).get(reverse("post_new", args=["alpha"]))
    assert f'<label class="usa-label" for="id_comment_{x.pk}">' in blank.content.decode()

    saved = compose(
        personas,
        reverse("post_new", args=["alpha"]),
        accounts=[x.pk, mastodon.pk],
        action="save",
        **{f"comment_{x.pk}": "Sign up: https://alpha.example/camps"},
    )

    assert saved.status_code == 302
    post, targets = only_post(personas)
    assert targets[x.pk].first_comment == "Sign up: https://alpha.example/camps"
    assert targets[mastodon.pk].first_comment == ""
    with agency_scope(personas.agency_a.pk):
        (revision,) = PostRevision.objects.filter(post=post)
        first_hash = post_content_hash(post)
    assert revision.content_hash == first_hash
    comments = {t["account"]: t["first_comment"] for t in revision.content["targets"]}
    assert comments[x.pk] == "Sign up: https://alpha.example/camps"
    edit = personas.client_for(personas.admin_a).get(reverse("post_edit", args=["alpha", post.pk]))
    assert "Sign up: https://alpha.example/camps</textarea>" in edit.content.decode()

    compose(
        personas,
        reverse("post_edit", args=["alpha", post.pk]),
        accounts=[x.pk, mastodon.pk],
        action="save",
        **{f"comment_{x.pk}": "Sign up today: https://alpha.example/camps"},
    )
    post, targets = only_post(personas)
    with agency_scope(personas.agency_a.pk):
        assert PostRevision.objects.filter(post=post).count() == 2
        assert post_content_hash(post) != first_hash


def test_the_check_counts_the_first_comment_by_the_networks_rules(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    answer = personas.client_for(personas.admin_a).post(
        reverse("post_check", args=["alpha"]),
        {
            "text": "Camps.",
            "language": "en",
            "accounts": [x.pk],
            f"comment_{x.pk}": "道" * 150,
        },
        headers={"HX-Request": "true"},
    )

    page = page_text(answer)
    assert "X alpha_city: 6 of 280 characters — 1 problem" in page
    assert "First comment: 300 of 280 characters" in page
    assert "First comment: X allows 280 characters" in page
    assert f'href="#id_comment_{x.pk}"' in page


def test_a_first_comment_the_network_would_refuse_stops_scheduling(personas: Personas) -> None:
    x, mastodon = accounts(personas)
    fields = {"accounts": [x.pk, mastodon.pk], f"comment_{x.pk}": "道" * 150}
    compose(personas, reverse("post_new", args=["alpha"]), action="save", **fields)
    post, _targets = only_post(personas)

    refused = compose(
        personas,
        reverse("post_edit", args=["alpha", post.pk]),
        action="schedule",
        **fields,
        **NEXT_YEAR_9AM,
    )

    assert refused.status_code == 400
    page = page_text(refused)
    assert "This post cannot be scheduled yet" in page
    assert f'href="#id_comment_{x.pk}"' in page
    assert only_post(personas)[0].status == PostStatus.DRAFT
    fields[f"comment_{x.pk}"] = "Sign up: https://alpha.example/camps"
    compose(
        personas,
        reverse("post_edit", args=["alpha", post.pk]),
        action="schedule",
        **fields,
        **NEXT_YEAR_9AM,
    )
    assert only_post(personas)[0].status == PostStatus.SCHEDULED


def test_an_instagram_post_with_its_image_is_scheduled_with_a_first_comment_of_text_alone(
    personas: Personas,
) -> None:
    instagram = social_account_for(
        personas.agency_a, network=Network.INSTAGRAM, remote_id="ig1", handle="alphacity"
    )
    asset = uploaded_media_for(personas.agency_a, b"\xff\xd8\xff\xe0" + b"\0" * 64)
    fields = {
        "accounts": [instagram.pk],
        "attachments": [asset.pk],
        f"alt_{asset.pk}": "Map of the detour.",
        f"comment_{instagram.pk}": "Detour map: https://alpha.example/detour",
    }

    scheduled = compose(
        personas, reverse("post_new", args=["alpha"]), action="schedule", **fields, **NEXT_YEAR_9AM
    )

    assert scheduled.status_code == 302, page_text(scheduled)
    post, targets = only_post(personas)
    assert post.status == PostStatus.SCHEDULED
    assert targets[instagram.pk].first_comment == "Detour map: https://alpha.example/detour"


def test_the_api_writes_and_shows_each_accounts_first_comment(personas: Personas) -> None:
    x, mastodon = accounts(personas)
    client = personas.client_for(personas.admin_a)
    created = client.post(
        reverse("post-list", args=["alpha"]),
        {
            "text": "Spring camps are open.",
            "accounts": [x.pk, mastodon.pk],
            "first_comments": {str(mastodon.pk): "#camps #alpha"},
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    by_account = {t["account"]: t for t in created.json()["targets"]}
    assert by_account[mastodon.pk]["first_comment"] == "#camps #alpha"
    assert by_account[mastodon.pk]["comment_state"] == ""

    post_id = created.json()["id"]
    changed = client.patch(
        reverse("post-detail", args=["alpha", post_id]),
        {"first_comments": {str(x.pk): "More: https://alpha.example/camps"}},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["revision"] == 2
    by_account = {t["account"]: t for t in changed.json()["targets"]}
    assert by_account[x.pk]["first_comment"] == "More: https://alpha.example/camps"
    assert by_account[mastodon.pk]["first_comment"] == "#camps #alpha"
    stray = client.patch(
        reverse("post-detail", args=["alpha", post_id]),
        {"first_comments": {"999999": "Nobody"}},
        content_type="application/json",
    )
    assert stray.status_code == 400
