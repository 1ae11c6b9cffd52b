"""Delivering a post and its translation to the emulator: each version goes to an account
only while the other is approved as it is, on its way and not refused there; and when
one is refused after the other went out, its author reads at once where the other is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from govsocial.tenancy import agency_scope
from publishing import services
from publishing.content import post_content, post_content_hash
from publishing.models import (
    Post,
    PostRevision,
    PostStatus,
    PostTarget,
    SocialAccount,
    TargetState,
)
from publishing.services.delivery.translations import translation_refusal
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import emulated_account_for, scheduled_post_for
from tests.publishing.delivery import HANDLES, on_network, publish

pytestmark = pytest.mark.django_db
Outbox = list[mail.EmailMessage]

ENGLISH = "Main Street reopens on Monday."
FRENCH = "La rue Main rouvre lundi."


def x_and_mastodon(personas: Personas, emulator: Emulator) -> tuple[SocialAccount, ...]:
    return tuple(
        emulated_account_for(personas.agency_a, emulator, network, HANDLES[network])
        for network in ("x", "mastodon")
    )


def scheduled_pair(
    personas: Personas,
    english_to: list[SocialAccount],
    french_to: list[SocialAccount],
    *,
    french: str = FRENCH,
) -> tuple[Post, Post]:
    """Store an English post and its French version, linked, approved and due now."""
    agency = personas.agency_a
    english_post = scheduled_post_for(agency, english_to, text=ENGLISH)
    french_post = scheduled_post_for(agency, french_to, text=french, language="fr")
    with agency_scope(agency.pk):
        Post.objects.filter(pk=english_post.pk).update(translation=french_post)
        Post.objects.filter(pk=french_post.pk).update(translation=english_post)
        # Approved as a pair, as approvals leave it: each approval covers the other version.
        for version in Post.objects.filter(pk__in=[english_post.pk, french_post.pk]):
            PostRevision.objects.create(
                agency=agency,
                post=version,
                number=1,
                content=post_content(version),
                content_hash=post_content_hash(version),
                created_by=version.author,
            )
            version.approved_hash = post_content_hash(version)
            version.save(update_fields=["approved_hash"])
    return english_post, french_post


def target_of(post: Post, account: SocialAccount) -> PostTarget:
    with agency_scope(post.agency_id):
        found: PostTarget = PostTarget.objects.select_related("account").get(
            post=post, account=account
        )
    return found


def texts_on(emulator: Emulator, account: SocialAccount) -> list[str]:
    return sorted(remote["text"] for remote in on_network(emulator, account))


def test_a_pair_scheduled_together_both_publish_on_the_emulator(
    personas: Personas, quiet: Emulator
) -> None:
    x, mastodon = x_and_mastodon(personas, quiet)
    actor = personas.admin_a.user
    with agency_scope(personas.agency_a.pk):
        english = services.post_create(
            agency=personas.agency_a, actor=actor, text=ENGLISH, account_ids=[x.pk, mastodon.pk]
        )
        french = services.post_translation_add(post=english, actor=actor)
        services.post_update(
            post=french,
            actor=actor,
            text=FRENCH,
            link="",
            campaign="",
            account_ids=[x.pk, mastodon.pk],
            variants={},
            media=[],
        )
        services.post_schedule(post=english, actor=actor, at=timezone.now())

    for post in (french, english):
        for account in (x, mastodon):
            done = publish(target_of(post, account))
            assert done is not None and done.state == TargetState.PUBLISHED

    assert texts_on(quiet, x) == texts_on(quiet, mastodon) == sorted([ENGLISH, FRENCH])
    with agency_scope(personas.agency_a.pk):
        statuses = set(Post.objects.filter(pk__in=[english.pk, french.pk]).values_list("status"))
    assert statuses == {(PostStatus.PUBLISHED,)}


def test_neither_version_goes_out_when_one_was_changed_after_it_was_approved(
    personas: Personas,
    quiet: Emulator,
    mailoutbox: Outbox,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    x, _mastodon = x_and_mastodon(personas, quiet)
    english, french = scheduled_pair(personas, [x], [x])
    with agency_scope(personas.agency_a.pk):
        Post.objects.filter(pk=french.pk).update(text="La rue Main rouvre mardi.")

    with django_capture_on_commit_callbacks(execute=True):
        refused = publish(target_of(english, x))
        also_refused = publish(target_of(french, x))

    assert refused is not None and refused.state == TargetState.FAILED
    assert refused.failure_reason.startswith(
        "The French version was changed after it was approved, so neither version was published."
    )
    assert also_refused is not None and also_refused.state == TargetState.FAILED
    assert on_network(quiet, x) == []
    assert refused.failure_reason in mailoutbox[0].body


def test_a_version_does_not_go_out_while_the_other_is_off_the_schedule(
    personas: Personas, quiet: Emulator
) -> None:
    x, _mastodon = x_and_mastodon(personas, quiet)
    english, french = scheduled_pair(personas, [x], [x])
    with agency_scope(personas.agency_a.pk):
        PostTarget.objects.filter(post=french).update(state=TargetState.DRAFT)
        Post.objects.filter(pk=french.pk).update(status=PostStatus.DRAFT)

    refused = publish(target_of(english, x))

    assert refused is not None and refused.state == TargetState.FAILED
    assert refused.failure_reason.startswith("The French version is not on the schedule")
    assert on_network(quiet, x) == []


def test_a_version_stays_off_an_account_that_refused_the_other_and_goes_to_the_rest(
    personas: Personas, quiet: Emulator
) -> None:
    x, mastodon = x_and_mastodon(personas, quiet)
    # The French version goes to X only, where the network refused it.
    english, french = scheduled_pair(personas, [x, mastodon], [x])
    with agency_scope(personas.agency_a.pk):
        PostTarget.objects.filter(post=french).update(
            state=TargetState.FAILED, failure_reason="X refused the post: duplicate."
        )
        Post.objects.filter(pk=french.pk).update(status=PostStatus.FAILED)

    on_x, on_mastodon = publish(target_of(english, x)), publish(target_of(english, mastodon))

    assert on_x is not None and on_x.state == TargetState.FAILED
    assert on_x.failure_reason.startswith("The French version was not published to")
    assert "X refused the post: duplicate." in on_x.failure_reason
    assert on_network(quiet, x) == []
    assert on_mastodon is not None and on_mastodon.state == TargetState.PUBLISHED
    assert texts_on(quiet, mastodon) == [ENGLISH]


def test_a_version_refused_after_the_other_went_out_tells_the_author_where_the_other_is(
    personas: Personas,
    quiet: Emulator,
    mailoutbox: Outbox,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    x, _mastodon = x_and_mastodon(personas, quiet)
    # X counts 280 at the most: it refuses the French version, once the English is out.
    english, french = scheduled_pair(personas, [x], [x], french="Travaux routiers. " * 20)
    out = publish(target_of(english, x))
    assert out is not None and out.state == TargetState.PUBLISHED

    with django_capture_on_commit_callbacks(execute=True):
        refused = publish(target_of(french, x))

    assert refused is not None and refused.state == TargetState.FAILED
    assert refused.failure_reason.startswith("X refused the post: ")
    assert f"The English version is already published on {x}: {out.permalink}." in (
        refused.failure_reason
    )
    assert "Only one language is out there" in refused.failure_reason
    (email,) = mailoutbox
    assert out.permalink in email.body
    assert texts_on(quiet, x) == [ENGLISH]


def test_the_claim_reads_nothing_more_for_a_post_without_a_translation(
    personas: Personas, quiet: Emulator, django_assert_num_queries: Any
) -> None:
    x, _mastodon = x_and_mastodon(personas, quiet)
    post = scheduled_post_for(personas.agency_a, [x], text=ENGLISH)

    with agency_scope(personas.agency_a.pk), django_assert_num_queries(0):
        assert translation_refusal(post, x) == ""


def test_one_task_checks_the_translations_of_its_whole_batch_with_the_same_reads(
    personas: Personas, quiet: Emulator
) -> None:
    def reads_to_publish(pairs: int) -> int:
        quiet.reset()
        accounts = [
            emulated_account_for(personas.agency_a, quiet, "mastodon", f"city_{pairs}_{n}")
            for n in range(pairs)
        ]
        english, french = scheduled_pair(personas, accounts, accounts)
        targets = [target_of(post, a).pk for post in (english, french) for a in accounts]
        with agency_scope(personas.agency_a.pk), CaptureQueriesContext(connection) as queries:
            ended = services.targets_publish(target_ids=targets)
        assert [t.state for t in ended] == [TargetState.PUBLISHED] * len(targets)
        return sum(query["sql"].startswith("SELECT") for query in queries.captured_queries)

    assert reads_to_publish(1) == reads_to_publish(4)
