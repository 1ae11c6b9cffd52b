"""A post and its version in the other official language: written from the post's page
or the API as a linked draft, then scheduled, moved, queued, edited and taken off the
schedule together, so that one language never goes out alone."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from archive.models import ArchiveEvent
from govsocial.errors import Conflict, GovsocialError
from govsocial.tenancy import agency_scope
from govsocial.timezones import zone_named
from publishing import services
from publishing.models import Post, PostStatus, PostTarget, SocialAccount, TargetState
from publishing.networks.base import Network
from tests.conftest import Personas
from tests.factories import queue_slot_for, social_account_for, uploaded_media_for

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x03" * 120
FRENCH = "Fermetures de rues ce week-end."


def accounts(personas: Personas) -> tuple[SocialAccount, SocialAccount]:
    x = social_account_for(personas.agency_a, handle="alpha_city")
    mastodon = social_account_for(
        personas.agency_a, network=Network.MASTODON, remote_id="m1", handle="alpha@social"
    )
    return x, mastodon


def admin(personas: Personas) -> User:
    return personas.admin_a.user


def write(personas: Personas, targets: tuple[SocialAccount, ...], **fields: Any) -> Post:
    """Write an English draft of agency A for ``targets``."""
    values: dict[str, Any] = {"text": "Road closures this weekend."} | fields
    with agency_scope(personas.agency_a.pk):
        return services.post_create(
            agency=personas.agency_a,
            actor=admin(personas),
            account_ids=[a.pk for a in targets],
            **values,
        )


def fresh(post: Post) -> Post:
    with agency_scope(post.agency_id):
        found: Post = Post.objects.select_related("agency", "translation").get(pk=post.pk)
    return found


def translate(personas: Personas, post: Post, text: str = FRENCH) -> Post:
    """Add the post's French version and write ``text`` in it."""
    with agency_scope(personas.agency_a.pk):
        translation = services.post_translation_add(post=fresh(post), actor=admin(personas))
        if text:
            say(personas, translation, text)
    return fresh(translation)


def say(personas: Personas, post: Post, text: str) -> Post:
    """Change what the post says, keeping the rest."""
    with agency_scope(personas.agency_a.pk):
        post = fresh(post)
        return services.post_update(
            post=post,
            actor=admin(personas),
            text=text,
            link=post.link,
            campaign=post.campaign,
            account_ids=[t.account_id for t in post.targets.all()],
            variants={},
            media=[(m.asset_id, m.alt_text) for m in post.media.all()],
        )


def schedule(personas: Personas, post: Post, at: datetime | None = None) -> Post:
    with agency_scope(personas.agency_a.pk):
        return services.post_schedule(
            post=fresh(post), actor=admin(personas), at=at or tomorrow_at_nine()
        )


def tomorrow_at_nine() -> datetime:
    return (timezone.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


def states(post: Post) -> list[str]:
    with agency_scope(post.agency_id):
        return list(PostTarget.objects.filter(post=post).values_list("state", flat=True))


def verbs(post: Post) -> list[str]:
    with agency_scope(post.agency_id):
        return list(
            ArchiveEvent.objects.filter(object_type="publishing.post", object_id=str(post.pk))
            .order_by("id")
            .values_list("verb", flat=True)
        )


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# Writing the other version -------------------------------------------------------------


def test_the_french_version_is_a_linked_draft_for_the_same_accounts_link_campaign_and_files(
    personas: Personas,
) -> None:
    x, mastodon = accounts(personas)
    asset = uploaded_media_for(personas.agency_a, data=PNG)
    with agency_scope(personas.agency_a.pk):
        asset.alt_text_fr = "Carte des rues fermées."
        asset.save()
    post = write(
        personas,
        (x, mastodon),
        link="https://alpha.example/roads",
        campaign="roads",
        media=[(asset.pk, "Streets closed on Saturday.")],
    )

    french = translate(personas, post, text="")

    assert french.language == "fr" and french.text == ""
    assert (french.link, french.campaign) == ("https://alpha.example/roads", "roads")
    assert french.translation_id == post.pk and fresh(post).translation_id == french.pk
    with agency_scope(personas.agency_a.pk):
        assert sorted(t.account_id for t in french.targets.all()) == sorted([x.pk, mastodon.pk])
        assert [(m.asset_id, m.alt_text) for m in french.media.all()] == [
            (asset.pk, "Carte des rues fermées.")
        ]
    assert french.status == PostStatus.DRAFT
    assert "post.translation_linked" in verbs(post)
    assert verbs(french) == ["post.created", "post.translation_linked"]


def test_a_french_version_starts_without_alt_text_where_the_library_has_none_in_french(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    asset = uploaded_media_for(personas.agency_a, data=PNG)
    post = write(personas, (x,), media=[(asset.pk, None)])

    french = translate(personas, post, text="")

    with agency_scope(personas.agency_a.pk):
        assert [m.alt_text for m in french.media.all()] == [""]


def test_a_post_has_one_translation_at_most(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    french = translate(personas, post)

    for either in (post, french):
        with agency_scope(personas.agency_a.pk), pytest.raises(Conflict) as refused:
            services.post_translation_add(post=fresh(either), actor=admin(personas))
        assert "has its translation already" in refused.value.message


def test_a_scheduled_post_comes_off_the_schedule_before_its_translation_is_added(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    post = schedule(personas, write(personas, (x,)))

    with agency_scope(personas.agency_a.pk), pytest.raises(Conflict) as refused:
        services.post_translation_add(post=fresh(post), actor=admin(personas))

    assert "Take this post off the schedule first" in refused.value.message
    assert fresh(post).translation_id is None


def test_unlinking_leaves_two_posts_of_their_own_and_is_recorded_on_both(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    french = translate(personas, post)

    with agency_scope(personas.agency_a.pk):
        services.post_translation_unlink(post=fresh(french), actor=admin(personas))

    assert fresh(post).translation_id is None and fresh(french).translation_id is None
    assert verbs(post)[-1] == verbs(french)[-1] == "post.translation_unlinked"


def test_unlinking_is_refused_once_one_version_has_started_going_out(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    french = translate(personas, post)
    schedule(personas, post)
    with agency_scope(personas.agency_a.pk):
        PostTarget.objects.filter(post=french).update(state=TargetState.PUBLISHED)
        Post.objects.filter(pk=french.pk).update(status=PostStatus.PUBLISHED)

    with agency_scope(personas.agency_a.pk), pytest.raises(Conflict) as refused:
        services.post_translation_unlink(post=fresh(post), actor=admin(personas))

    assert "The French version has started going out" in refused.value.message
    assert fresh(post).translation_id == french.pk


def test_a_post_of_a_pair_keeps_its_language(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    translate(personas, post)

    with agency_scope(personas.agency_a.pk), pytest.raises(GovsocialError) as refused:
        post = fresh(post)
        services.post_update(
            post=post,
            actor=admin(personas),
            text=post.text,
            link="",
            campaign="",
            account_ids=[x.pk],
            variants={},
            media=[],
            language="fr",
        )

    assert refused.value.field == "language"
    assert fresh(post).language == "en"


# Scheduling the pair -------------------------------------------------------------------


def test_scheduling_one_version_schedules_both_at_the_same_time_each_approved(
    personas: Personas,
) -> None:
    x, mastodon = accounts(personas)
    post = write(personas, (x, mastodon))
    french = translate(personas, post)
    at = tomorrow_at_nine()

    schedule(personas, french, at)

    for version in (fresh(post), fresh(french)):
        assert version.status == PostStatus.SCHEDULED
        assert version.scheduled_at == at
        assert version.approved_hash
        assert states(version) == [TargetState.SCHEDULED] * 2


def test_scheduling_is_refused_while_the_other_version_has_no_text(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    # A link alone satisfies the networks: not the official languages.
    post = write(personas, (x,), link="https://alpha.example/roads")
    translate(personas, post, text="")

    with pytest.raises(services.TranslationNotReady) as refused:
        schedule(personas, post)

    assert refused.value.message.startswith(
        "The French version cannot be scheduled, so neither version was:"
    )
    assert [p["code"] for p in refused.value.problems] == ["translation_text"]
    assert fresh(post).status == PostStatus.DRAFT
    assert states(post) == [TargetState.DRAFT]


def test_scheduling_is_refused_when_the_other_version_breaks_a_networks_rules(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    french = translate(personas, post, text="Travaux routiers. " * 20)

    with pytest.raises(services.TranslationNotReady) as refused:
        schedule(personas, post)

    assert "alpha_city" in refused.value.message
    assert refused.value.translation_id == french.pk
    assert refused.value.problems
    assert states(post) == states(french) == [TargetState.DRAFT]


def test_a_version_without_text_of_its_own_cannot_be_scheduled_either(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,), text="", link="https://alpha.example/roads")
    french = translate(personas, post)

    with pytest.raises(services.PostProblems) as refused:
        schedule(personas, post)

    assert [p.code for p in refused.value.post_problems] == ["translation_text"]
    assert states(french) == [TargetState.DRAFT]


def test_editing_one_version_takes_both_off_the_schedule(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    french = translate(personas, post)
    schedule(personas, post)

    say(personas, post, "Road closures this weekend, and Monday.")

    assert fresh(post).status == fresh(french).status == PostStatus.DRAFT
    assert states(french) == [TargetState.DRAFT]
    assert fresh(french).scheduled_at is None
    assert verbs(french)[-1] == "post.unscheduled"


def test_editing_is_refused_once_the_other_version_has_started_going_out(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    french = translate(personas, post)
    schedule(personas, post)
    with agency_scope(personas.agency_a.pk):
        PostTarget.objects.filter(post=french).update(state=TargetState.SENDING)

    with pytest.raises(Conflict) as refused:
        say(personas, post, "Road closures this weekend, and Monday.")

    assert "The French version has started going out" in refused.value.message
    assert fresh(post).status == PostStatus.SCHEDULED


def test_taking_one_version_off_the_schedule_takes_both(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    french = translate(personas, post)
    schedule(personas, post)

    with agency_scope(personas.agency_a.pk):
        services.post_unschedule(post=fresh(french), actor=admin(personas))

    assert fresh(post).status == fresh(french).status == PostStatus.DRAFT
    assert states(post) == states(french) == [TargetState.DRAFT]


def test_a_pair_added_to_the_queue_takes_one_slot_on_every_account_of_both(
    personas: Personas,
) -> None:
    x, mastodon = accounts(personas)
    nine, ten = time(9, 0), time(10, 0)
    for weekday in range(7):
        queue_slot_for(personas.agency_a, account=x, weekday=weekday, time=nine)
        queue_slot_for(personas.agency_a, account=mastodon, weekday=weekday, time=nine)
        queue_slot_for(personas.agency_a, account=mastodon, weekday=weekday, time=ten)
    post = write(personas, (x,))
    french = translate(personas, post)
    with agency_scope(personas.agency_a.pk):
        # The French version also goes to Mastodon: only the 9:00 slots are on both.
        french = fresh(french)
        services.post_update(
            post=french,
            actor=admin(personas),
            text=FRENCH,
            link="",
            campaign="",
            account_ids=[x.pk, mastodon.pk],
            variants={},
            media=[],
        )

        queued = services.post_add_to_queue(post=fresh(post), actor=admin(personas))

    assert queued.scheduled_at is not None
    assert fresh(french).scheduled_at == queued.scheduled_at
    assert (
        timezone.localtime(queued.scheduled_at, zone_named(personas.agency_a.time_zone)).time()
        == nine
    )
    assert states(french) == [TargetState.SCHEDULED] * 2


# Pages --------------------------------------------------------------------------------


def detail_url(post: Post) -> str:
    return reverse("post_detail", args=["alpha", post.pk])


def test_the_post_page_adds_the_french_version_and_opens_it_in_the_composer(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    client: Client = personas.client_for(personas.admin_a)
    page = text(client.get(detail_url(post)))
    assert "Add the French version" in page

    answer = client.post(reverse("post_translation_add", args=["alpha", post.pk]), follow=True)

    french = fresh(post).translation
    assert french is not None
    assert answer.redirect_chain[-1][0] == reverse("post_edit", args=["alpha", french.pk])
    composer = text(answer)
    assert "The French version is a draft for the same accounts" in composer
    # The author writes it with the English text in sight, marked as English.
    assert f'href="{detail_url(post)}">The English version</a>' in composer
    assert (
        '<div class="govsocial-preview__text" lang="en"><p>Road closures this weekend.' in composer
    )


def test_each_post_page_links_to_the_other_version_and_no_longer_offers_to_add_one(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    french = translate(personas, post)
    client = personas.client_for(personas.admin_a)

    english_page, french_page = (text(client.get(detail_url(p))) for p in (post, french))

    assert f'href="{detail_url(french)}">The French version</a>' in english_page
    assert f'href="{detail_url(post)}">The English version</a>' in french_page
    assert "<dd>French</dd>" in french_page
    assert "Add the French version" not in english_page
    assert "Unlink the two versions" in english_page


def test_the_post_page_unlinks_the_two_versions(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    french = translate(personas, post)
    client = personas.client_for(personas.admin_a)

    answer = client.post(reverse("post_translation_unlink", args=["alpha", french.pk]), follow=True)

    assert "The two versions are no longer linked" in text(answer)
    assert fresh(post).translation_id is None


def test_the_composer_says_why_when_the_other_version_cannot_be_scheduled(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    translate(personas, post, text="")
    client = personas.client_for(personas.admin_a)
    day = (timezone.now() + timedelta(days=2)).date().isoformat()

    answer = client.post(
        reverse("post_edit", args=["alpha", post.pk]),
        {
            "text": "Road closures this weekend.",
            "language": "en",
            "accounts": [x.pk],
            "action": "schedule",
            "schedule_date": day,
            "schedule_time": "09:00",
        },
    )

    assert answer.status_code == 400
    assert "The French version cannot be scheduled, so neither version was" in text(answer)
    assert fresh(post).status == PostStatus.DRAFT


def test_moving_one_version_on_the_calendar_moves_both(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    french = translate(personas, post)
    schedule(personas, post)
    client = personas.client_for(personas.admin_a)
    day = (timezone.now() + timedelta(days=3)).date()

    answer = client.post(
        reverse("post_move", args=["alpha", french.pk]),
        {"schedule_date": day.isoformat()},
        HTTP_ACCEPT="application/json",
    )

    assert answer.json()["ok"] is True
    assert fresh(post).scheduled_at == fresh(french).scheduled_at
    assert fresh(post).scheduled_at is not None
    assert timezone.localtime(fresh(post).scheduled_at).date() == day


# API ----------------------------------------------------------------------------------


def api(personas: Personas, name: str, post: Post, body: dict[str, Any] | None = None) -> Any:
    client = personas.client_for(personas.admin_a)
    url = reverse(f"post-{name}", args=["alpha", post.pk])
    return client.post(url, body or {}, content_type="application/json")


def test_the_api_adds_the_translation_and_shows_the_pair_both_ways(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))

    created = api(personas, "translation", post)

    assert created.status_code == 201
    body = created.json()
    assert (body["language"], body["translation"], body["text"]) == ("fr", post.pk, "")
    assert [t["account"] for t in body["targets"]] == [x.pk]
    client = personas.client_for(personas.admin_a)
    english = client.get(reverse("post-detail", args=["alpha", post.pk])).json()
    assert (english["language"], english["translation"]) == ("en", body["id"])
    again = api(personas, "translation", post)
    assert again.status_code == 409
    assert "has its translation already" in again.json()["detail"]


def test_the_api_refuses_to_schedule_a_pair_with_the_other_versions_problems(
    personas: Personas,
) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    translate(personas, post, text="")

    answer = api(personas, "schedule", post, {"at": tomorrow_at_nine().isoformat()})

    assert answer.status_code == 400
    body = answer.json()
    assert body["detail"].startswith("The French version cannot be scheduled")
    # Nothing at all to say: the network's own rule says it.
    assert [p["code"] for p in body["errors"]] == ["empty"]


def test_rescheduling_through_the_api_moves_both_versions(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    french = translate(personas, post)
    schedule(personas, post)
    later = tomorrow_at_nine() + timedelta(days=1)

    answer = api(personas, "schedule", french, {"at": later.isoformat()})

    assert answer.status_code == 200
    assert fresh(post).scheduled_at == fresh(french).scheduled_at == later


def test_the_api_unlinks_the_two_versions(personas: Personas) -> None:
    x, _mastodon = accounts(personas)
    post = write(personas, (x,))
    translate(personas, post)

    answer = api(personas, "unlink-translation", post)

    assert answer.status_code == 200
    assert answer.json()["translation"] is None
