"""Authors write one post for several accounts, edit it (each change of content a
revision with its hash), and schedule it for the delivery engine, which finds each
target scheduled at the post's time with the approved hash on the post."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from accounts.models import Agency, Role, User
from archive.models import ArchiveEvent
from govsocial.errors import Conflict, GovsocialError, PermissionDenied
from govsocial.tenancy import agency_scope
from govsocial.timezones import LocalTimeError, local_to_utc
from publishing import services
from publishing.content import content_hash, post_content_hash, target_content_hash
from publishing.models import (
    AccountHealth,
    MediaAsset,
    Post,
    PostRevision,
    PostStatus,
    PostTarget,
    SocialAccount,
    TargetState,
)
from publishing.networks.base import Network
from tests.conftest import Personas
from tests.factories import MembershipFactory, publisher_for, social_account_for

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
# 150 CJK characters: 150 by Mastodon's and Bluesky's count, 300 by X's weighted one.
CJK_150 = "道" * 150


def account(agency: Agency, network: Network = Network.X, handle: str = "") -> SocialAccount:
    """Connect one more account of ``agency`` on ``network``."""
    count = social_account_count(agency)
    return social_account_for(
        agency,
        network=network,
        remote_id=f"{network}-{count}",
        handle=handle or f"{agency.slug}_{network}_{count}",
    )


def x_and_mastodon(personas: Personas) -> tuple[SocialAccount, SocialAccount]:
    """Connect an X and a Mastodon account of agency A."""
    return account(personas.agency_a), account(personas.agency_a, Network.MASTODON)


def social_account_count(agency: Agency) -> int:
    with agency_scope(agency.pk):
        return SocialAccount.objects.count()


def upload(personas: Personas, actor: User, alt_text: str = "Map of the closed streets.") -> Any:
    with agency_scope(personas.agency_a.pk):
        return services.media_upload(
            agency=personas.agency_a,
            actor=actor,
            file=ContentFile(PNG, name="closure-map.png"),
            alt_text=alt_text,
        )


def create(personas: Personas, actor: User, accounts: list[SocialAccount], **fields: Any) -> Post:
    values: dict[str, Any] = {"text": "Road closures this weekend."} | fields
    with agency_scope(personas.agency_a.pk):
        return services.post_create(
            agency=personas.agency_a,
            actor=actor,
            account_ids=[a.pk for a in accounts],
            **values,
        )


def update(post: Post, actor: User, **changes: Any) -> Post:
    """Save ``post`` with ``changes`` over what it says now."""
    with agency_scope(post.agency_id):
        post = Post.objects.select_related("agency").get(pk=post.pk)
        current: dict[str, Any] = {
            "text": post.text,
            "link": post.link,
            "campaign": post.campaign,
            "account_ids": [t.account_id for t in post.targets.all()],
            "variants": {},
            "media": [(m.asset_id, m.alt_text) for m in post.media.all()],
        }
        return services.post_update(post=post, actor=actor, **(current | changes))


def schedule(post: Post, actor: User, at: datetime) -> Post:
    with agency_scope(post.agency_id):
        post = Post.objects.select_related("agency").get(pk=post.pk)
        return services.post_schedule(post=post, actor=actor, at=at)


def publish_now(post: Post, actor: User) -> Post:
    with agency_scope(post.agency_id):
        post = Post.objects.select_related("agency").get(pk=post.pk)
        return services.post_publish_now(post=post, actor=actor)


def reload(post: Post) -> Post:
    with agency_scope(post.agency_id):
        return Post.objects.get(pk=post.pk)


def targets(post: Post) -> dict[int, PostTarget]:
    with agency_scope(post.agency_id):
        return {t.account_id: t for t in PostTarget.objects.filter(post=post)}


def revisions(post: Post) -> list[PostRevision]:
    with agency_scope(post.agency_id):
        return list(PostRevision.objects.filter(post=post).order_by("number"))


def verbs(post: Post) -> list[str]:
    with agency_scope(post.agency_id):
        events = ArchiveEvent.objects.filter(object_type="publishing.post", object_id=str(post.pk))
        return list(events.order_by("id").values_list("verb", flat=True))


def current_hash(post: Post) -> str:
    with agency_scope(post.agency_id):
        return post_content_hash(Post.objects.get(pk=post.pk))


def soon() -> datetime:
    return timezone.now() + timedelta(hours=2)


def test_a_post_has_one_target_per_account_and_a_first_revision_hashing_its_content(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x, mastodon = x_and_mastodon(personas)
    post = create(personas, admin, [x, mastodon], campaign="Roads")
    assert set(targets(post)) == {x.pk, mastodon.pk}
    assert all(t.state == TargetState.DRAFT and not t.has_own_text for t in targets(post).values())
    (first,) = revisions(post)
    assert first.number == 1
    assert first.content_hash == content_hash(first.content) == current_hash(post)
    assert [t["text"] for t in first.content["targets"]] == ["Road closures this weekend."] * 2
    assert verbs(post) == ["post.created"]
    assert (reload(post).author, reload(post).status) == (admin, PostStatus.DRAFT)


def test_an_accounts_text_follows_the_base_until_it_is_edited_and_again_once_reset(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x, mastodon = x_and_mastodon(personas)
    post = create(personas, admin, [x, mastodon])
    update(post, admin, variants={x.pk: "Closures: see the map."})
    update(post, admin, text="Road closures on Saturday.")
    by_account = targets(post)
    assert (by_account[x.pk].has_own_text, by_account[x.pk].text) == (
        True,
        "Closures: see the map.",
    )
    assert not by_account[mastodon.pk].has_own_text
    texts = [t["text"] for t in revisions(post)[-1].content["targets"]]
    assert texts == ["Closures: see the map.", "Road closures on Saturday."]
    update(post, admin, variants={x.pk: None})
    assert not targets(post)[x.pk].has_own_text
    assert [t["text"] for t in revisions(post)[-1].content["targets"]] == [
        "Road closures on Saturday."
    ] * 2


def test_a_revision_is_added_only_when_the_content_changes(personas: Personas) -> None:
    admin = personas.admin_a.user
    post = create(personas, admin, [account(personas.agency_a)])
    update(post, admin)
    assert len(revisions(post)) == 1
    assert verbs(post) == ["post.created"]
    update(post, admin, campaign="Winter")
    assert len(revisions(post)) == 1
    assert verbs(post) == ["post.created", "post.updated"]
    update(post, admin, link="https://alpha.example/roads")
    assert [r.number for r in revisions(post)] == [1, 2]
    assert revisions(post)[-1].content_hash == current_hash(post)
    assert revisions(post)[0].content_hash != revisions(post)[1].content_hash


def test_scheduling_hands_each_target_to_the_dispatcher_with_the_approved_hash(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x, mastodon = x_and_mastodon(personas)
    post = create(personas, admin, [x, mastodon])
    at = soon()
    scheduled = schedule(post, admin, at)
    assert (scheduled.status, scheduled.scheduled_at) == (PostStatus.SCHEDULED, at)
    assert reload(post).approved_hash == current_hash(post)
    with agency_scope(personas.agency_a.pk):
        for target in PostTarget.objects.filter(post=post).select_related("post"):
            assert (target.state, target.next_attempt_at) == (TargetState.SCHEDULED, at)
            assert target.content_hash == target_content_hash(target)
    assert verbs(post) == ["post.created", "post.approved", "post.scheduled"]


def test_publishing_now_schedules_the_post_for_this_moment_under_the_same_rules(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x, mastodon = x_and_mastodon(personas)
    with agency_scope(personas.agency_a.pk):
        services.pause_start(
            agency=personas.agency_a, actor=admin, reason="Flooding.", accounts=[x]
        )
    post = create(personas, admin, [x, mastodon], text=CJK_150)
    with pytest.raises(services.PostProblems):
        publish_now(post, admin)
    assert reload(post).status == PostStatus.DRAFT
    update(post, admin, variants={x.pk: "Closures this weekend."})

    before = timezone.now()
    published = publish_now(post, admin)

    assert published.status == PostStatus.SCHEDULED
    assert published.scheduled_at is not None
    assert before <= published.scheduled_at <= timezone.now()
    by_account = targets(post)
    assert (by_account[x.pk].state, by_account[mastodon.pk].state) == (
        TargetState.HELD,
        TargetState.SCHEDULED,
    )
    assert by_account[mastodon.pk].next_attempt_at == published.scheduled_at
    assert verbs(post)[-3:] == ["post.approved", "post.scheduled", "post.publish_now_requested"]


def test_x_refuses_a_text_too_long_by_its_weighted_count_and_mastodon_does_not(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x, mastodon = x_and_mastodon(personas)
    post = create(personas, admin, [x, mastodon], text=CJK_150)
    with pytest.raises(services.PostProblems) as refused:
        schedule(post, admin, soon())
    (problem,) = refused.value.post_problems
    assert (problem.account_id, problem.code) == (x.pk, "too_long")
    assert "300" in problem.message
    assert reload(post).status == PostStatus.DRAFT
    assert targets(post)[x.pk].state == TargetState.DRAFT
    # Shorter text for X alone is enough.
    update(post, admin, variants={x.pk: "道" * 100})
    assert schedule(post, admin, soon()).status == PostStatus.SCHEDULED


def test_a_file_without_alt_text_cannot_be_scheduled_until_it_has_some(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    asset = upload(personas, admin, alt_text="")
    x, mastodon = x_and_mastodon(personas)
    post = create(personas, admin, [x, mastodon], media_ids=[asset.pk])
    with pytest.raises(services.PostProblems) as refused:
        schedule(post, admin, soon())
    found = {(p.account_id, p.code, p.field) for p in refused.value.post_problems}
    assert found == {
        (x.pk, "alt_text_missing", "media"),
        (mastodon.pk, "alt_text_missing", "media"),
        # The agency's accessibility rule warns of it too.
        (x.pk, "content_warning", "acknowledge_warnings"),
        (mastodon.pk, "content_warning", "acknowledge_warnings"),
    }
    update(post, admin, media=[(asset.pk, "Map of the closed streets.")])
    assert schedule(post, admin, soon()).status == PostStatus.SCHEDULED


def test_the_networks_problems_are_said_in_the_authors_language_with_its_numbers(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    instagram = account(personas.agency_a, Network.INSTAGRAM)
    post = create(personas, admin, [instagram], text="a" * 2201)
    with translation.override("fr"), pytest.raises(services.PostProblems) as refused:
        schedule(post, admin, soon())
    said = {p.code: p.message for p in refused.value.post_problems}
    assert said["text_too_long"] == (
        "Les légendes Instagram ont au plus 2\xa0200 caractères; celle-ci en a 2\xa0201."
    )
    assert (
        said["media_required"] == "Les publications Instagram demandent une image. Joignez-en une."
    )
    with pytest.raises(services.PostProblems) as refused:
        schedule(post, admin, soon())
    said = {p.code: p.message for p in refused.value.post_problems}
    assert said["text_too_long"] == (
        "Instagram captions may be at most 2,200 characters; this one has 2,201."
    )


def test_a_post_attaching_a_file_takes_the_librarys_alt_text_in_its_language(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    with agency_scope(personas.agency_a.pk):
        asset = services.media_upload(
            agency=personas.agency_a,
            actor=admin,
            file=ContentFile(PNG, name="map.png"),
            alt_text="Map of the closed streets.",
            alt_text_fr="Carte des rues fermées.",
        )
    post = create(
        personas, admin, [account(personas.agency_a)], language="fr", media_ids=[asset.pk]
    )
    assert revisions(post)[0].content["media"][0]["alt_text"] == "Carte des rues fermées."


def test_a_time_that_has_passed_is_refused_and_one_just_now_is_not(personas: Personas) -> None:
    admin = personas.admin_a.user
    post = create(personas, admin, [account(personas.agency_a)])
    with pytest.raises(GovsocialError) as refused:
        schedule(post, admin, timezone.now() - timedelta(minutes=5))
    assert refused.value.field == "at"
    assert reload(post).status == PostStatus.DRAFT
    just_now = timezone.now() - timedelta(seconds=20)
    assert schedule(post, admin, just_now).scheduled_at == just_now


def test_a_time_without_its_zone_is_refused(personas: Personas) -> None:
    post = create(personas, personas.admin_a.user, [account(personas.agency_a)])
    with pytest.raises(GovsocialError):
        schedule(post, personas.admin_a.user, datetime(2099, 1, 1, 9, 0))


def test_an_account_that_needs_reauthorisation_holds_the_post_back(personas: Personas) -> None:
    admin = personas.admin_a.user
    x = account(personas.agency_a)
    post = create(personas, admin, [x])
    with agency_scope(personas.agency_a.pk):
        SocialAccount.objects.filter(pk=x.pk).update(health=AccountHealth.NEEDS_REAUTHORISATION)
    with pytest.raises(services.PostProblems) as refused:
        schedule(post, admin, soon())
    assert [p.code for p in refused.value.post_problems] == ["account_needs_reauthorisation"]


def test_a_post_for_no_account_cannot_be_scheduled(personas: Personas) -> None:
    post = create(personas, personas.admin_a.user, [])
    with pytest.raises(GovsocialError) as refused:
        schedule(post, personas.admin_a.user, soon())
    assert refused.value.field == "accounts"


def test_editing_a_scheduled_post_takes_it_back_to_draft_to_be_approved_again(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x = account(personas.agency_a)
    post = create(personas, admin, [x])
    schedule(post, admin, soon())
    # A new campaign tag changes nothing that goes out: the post stays scheduled.
    update(post, admin, campaign="Winter")
    assert reload(post).status == PostStatus.SCHEDULED
    update(post, admin, text="Road closures on Sunday instead.")
    edited = reload(post)
    assert (edited.status, edited.scheduled_at, edited.approved_hash) == (
        PostStatus.DRAFT,
        None,
        "",
    )
    target = targets(post)[x.pk]
    assert (target.state, target.next_attempt_at) == (TargetState.DRAFT, None)
    assert verbs(post)[-1] == "post.updated"


def test_unscheduling_takes_the_post_back_to_draft(personas: Personas) -> None:
    admin = personas.admin_a.user
    x = account(personas.agency_a)
    post = create(personas, admin, [x])
    schedule(post, admin, soon())
    with agency_scope(personas.agency_a.pk):
        unscheduled = services.post_unschedule(post=reload(post), actor=admin)
        assert unscheduled.status == PostStatus.DRAFT
        assert targets(post)[x.pk].state == TargetState.DRAFT
        with pytest.raises(Conflict):
            services.post_unschedule(post=reload(post), actor=admin)
    assert verbs(post)[-1] == "post.unscheduled"


def test_unscheduling_leaves_a_target_already_going_out_alone(personas: Personas) -> None:
    admin = personas.admin_a.user
    x, mastodon = x_and_mastodon(personas)
    post = create(personas, admin, [x, mastodon])
    schedule(post, admin, soon())
    with agency_scope(personas.agency_a.pk):
        PostTarget.objects.filter(post=post, account=x).update(state=TargetState.SENDING)
        services.post_unschedule(post=reload(post), actor=admin)
    by_account = targets(post)
    assert (by_account[x.pk].state, by_account[mastodon.pk].state) == (
        TargetState.SENDING,
        TargetState.DRAFT,
    )


def test_a_post_that_has_started_going_out_cannot_be_changed(personas: Personas) -> None:
    admin = personas.admin_a.user
    x = account(personas.agency_a)
    post = create(personas, admin, [x])
    schedule(post, admin, soon())
    with agency_scope(personas.agency_a.pk):
        PostTarget.objects.filter(post=post).update(state=TargetState.QUEUED)
    with pytest.raises(Conflict):
        update(post, admin, text="Too late.")
    assert reload(post).text == "Road closures this weekend."


def test_authors_write_only_for_the_accounts_delegated_to_them(personas: Personas) -> None:
    author = personas.author_a.user
    theirs, other = account(personas.agency_a), account(personas.agency_a, Network.MASTODON)
    publisher_for(personas.agency_a, account=theirs, user=author)
    with pytest.raises(PermissionDenied):
        create(personas, author, [theirs, other])
    post = create(personas, author, [theirs])
    with pytest.raises(PermissionDenied):
        update(post, author, account_ids=[theirs.pk, other.pk])
    assert list(targets(post)) == [theirs.pk]
    # An admin's post for an account the author may not use is not theirs to edit.
    admins = create(personas, personas.admin_a.user, [other])
    with pytest.raises(PermissionDenied):
        update(admins, author, text="Changed.")


def test_viewers_and_approvers_do_not_write_posts(personas: Personas) -> None:
    reader = MembershipFactory(agency=personas.agency_a, roles=[Role.VIEWER, Role.APPROVER]).user
    with pytest.raises(PermissionDenied):
        create(personas, reader, [])


def test_a_disconnected_account_takes_no_new_post(personas: Personas) -> None:
    gone = social_account_for(personas.agency_a, disconnected_at=timezone.now())
    with pytest.raises(GovsocialError):
        create(personas, personas.admin_a.user, [gone])


def test_another_agencys_account_or_file_cannot_be_chosen(personas: Personas) -> None:
    theirs = social_account_for(personas.agency_b)
    with pytest.raises(GovsocialError):
        create(personas, personas.admin_a.user, [theirs])
    with agency_scope(personas.agency_b.pk):
        their_file = services.media_upload(
            agency=personas.agency_b,
            actor=personas.admin_b.user,
            file=ContentFile(PNG, name="b.png"),
            alt_text="B's map.",
        )
    with pytest.raises(GovsocialError):
        create(personas, personas.admin_a.user, [], media_ids=[their_file.pk])
    with agency_scope(personas.agency_a.pk):
        assert not Post.objects.exists()
        assert not MediaAsset.objects.exists()


# Times entered in a time zone ------------------------------------------------------

TORONTO = ZoneInfo("America/Toronto")


def _sunday(year: int, month: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))


def test_a_time_the_clocks_skip_is_refused_without_a_choice() -> None:
    spring_forward = _sunday(2031, 3, 2)
    with pytest.raises(LocalTimeError) as refused:
        local_to_utc(datetime.combine(spring_forward, time(2, 30)), TORONTO)
    assert "does not exist in America/Toronto" in refused.value.message
    assert refused.value.choices == ()


def test_a_time_that_happens_twice_offers_both_and_takes_either() -> None:
    fall_back = datetime.combine(_sunday(2031, 11, 1), time(1, 30))
    with pytest.raises(LocalTimeError) as refused:
        local_to_utc(fall_back, TORONTO)
    assert "happens twice" in refused.value.message
    choices = [(c.offset, c.abbreviation) for c in refused.value.choices]
    assert choices == [("UTC\u221204:00", "EDT"), ("UTC\u221205:00", "EST")]
    first = local_to_utc(fall_back, TORONTO, fold=0)
    second = local_to_utc(fall_back, TORONTO, fold=1)
    assert (first.hour, second.hour, first.tzinfo, second.tzinfo) == (5, 6, UTC, UTC)


def test_an_ordinary_time_is_converted_with_the_offset_of_its_season() -> None:
    assert local_to_utc(datetime(2031, 1, 15, 9, 0), TORONTO).hour == 14
    assert local_to_utc(datetime(2031, 7, 15, 9, 0), "America/Toronto").hour == 13


def test_a_post_scheduled_during_a_crisis_pause_is_held_on_the_paused_accounts(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    x, mastodon = x_and_mastodon(personas)
    post = create(personas, admin, [x, mastodon])
    with agency_scope(personas.agency_a.pk):
        pause = services.pause_start(
            agency=personas.agency_a, actor=admin, reason="Flooding.", accounts=[x]
        )
    scheduled = schedule(post, admin, soon())
    assert scheduled.status == PostStatus.SCHEDULED
    by_account = targets(post)
    assert (by_account[x.pk].state, by_account[mastodon.pk].state) == (
        TargetState.HELD,
        TargetState.SCHEDULED,
    )
    with agency_scope(personas.agency_a.pk):
        services.pause_end(pause=pause, actor=admin, overdue_now=False)
    assert {t.state for t in targets(post).values()} == {TargetState.SCHEDULED}


def test_a_held_post_can_be_rewritten_and_scheduled_again(personas: Personas) -> None:
    admin = personas.admin_a.user
    x = account(personas.agency_a)
    post = create(personas, admin, [x])
    schedule(post, admin, soon())
    with agency_scope(personas.agency_a.pk):
        pause = services.pause_start(agency=personas.agency_a, actor=admin, reason="Storm.")
    assert reload(post).status == PostStatus.HELD
    assert schedule(post, admin, soon() + timedelta(hours=1)).status == PostStatus.HELD
    update(post, admin, text="Storm update: offices closed.")
    assert (reload(post).status, targets(post)[x.pk].state) == (
        PostStatus.DRAFT,
        TargetState.DRAFT,
    )
    with agency_scope(personas.agency_a.pk):
        services.pause_end(pause=pause, actor=admin, overdue_now=False)
    assert schedule(post, admin, soon()).status == PostStatus.SCHEDULED
