"""Delivering a due target to its network once, through the real adapters over HTTP to
the emulator: what goes out, what waits, what fails and why, the post's status, and
taking a published post down."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import archive
from accounts.models import Role
from archive.entries import commitment
from archive.models import ArchiveEvent
from govsocial.errors import Conflict, PermissionDenied
from govsocial.tenancy import agency_scope
from publishing.content import post_content_hash, target_content_hash
from publishing.models import (
    AccountHealth,
    Post,
    PostStatus,
    PostTarget,
    SocialAccount,
    TargetState,
)
from publishing.services import target_delete, targets_publish
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import (
    MembershipFactory,
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
    on_network,
    one_target,
    publish,
    refreshed,
    seconds_to_wait,
    wait_until_due,
)

pytestmark = pytest.mark.django_db
Outbox = list[mail.EmailMessage]


@pytest.mark.parametrize("network", ["x", "mastodon", "facebook", "bluesky"])
def test_a_due_post_goes_out_once_with_its_remote_id_and_permalink(
    personas: Personas, quiet: Emulator, network: str
) -> None:
    target = one_target(personas, quiet, network, text="Main Street reopens on Monday.")

    done = publish(target)

    (remote,) = on_network(quiet, target.account)
    assert remote["text"] == "Main Street reopens on Monday."
    assert done is not None and done.state == TargetState.PUBLISHED
    assert remote["id"] in done.remote_id
    assert done.permalink.startswith("http")
    assert done.published_at is not None
    assert done.post.status == PostStatus.PUBLISHED
    verbs = [verb for verb, _ in events_of(target)]
    assert verbs == ["target.sending", "target.published"]
    sending, published = (data for _, data in events_of(target))
    assert sending["approved_hash"] == done.post.approved_hash
    assert published["remote_id"] == done.remote_id
    # The hash of what went to this account, as scheduling and approvals know it.
    with agency_scope(target.agency_id):
        assert published["content_hash"] == done.content_hash == target_content_hash(done)


def test_a_second_task_for_the_same_target_publishes_nothing(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet)

    first, second = publish(target), publish(target)

    assert first is not None and first.state == TargetState.PUBLISHED
    assert second is None
    assert len(on_network(quiet, target.account)) == 1


def test_a_target_not_yet_due_is_left_alone(personas: Personas, quiet: Emulator) -> None:
    target = one_target(personas, quiet, at=timezone.now() + timedelta(minutes=5))

    assert publish(target) is None
    assert refreshed(target).state == TargetState.SCHEDULED
    assert on_network(quiet, target.account) == []


def test_a_server_error_waits_and_backs_off_then_publishes(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "mastodon")
    quiet.fault("server_error", network="mastodon", path=CREATE_PATH["mastodon"], count=1)

    waits = seconds_to_wait(target)

    # 0.3 s base, with up to 20 % jitter either way.
    assert 0.2 < waits < 0.5
    assert refreshed(target).failure_reason
    assert publish(target) is None, "not due yet"
    wait_until_due(target)
    done = publish(target)
    assert done is not None and done.state == TargetState.PUBLISHED
    assert done.attempts == 2
    assert len(on_network(quiet, target.account)) == 1


@pytest.mark.parametrize("network", ["x", "mastodon"])
def test_a_rate_limit_waits_until_the_time_the_network_said(
    personas: Personas, quiet: Emulator, network: str
) -> None:
    target = one_target(personas, quiet, network)
    quiet.fault("rate_limit", network=network, path=CREATE_PATH[network], reset_in=2, count=1)

    waits = seconds_to_wait(target)

    # The networks say it in whole seconds (X and Mastodon as the time of the reset, which
    # Mastodon.py also corrects by the server's clock, to the second).
    assert 1.0 <= waits <= 4.0
    assert events_of(target)[-1][1]["rate_limited"] is True
    wait_until_due(target)
    done = publish(target)
    assert done is not None and done.state == TargetState.PUBLISHED
    assert len(on_network(quiet, target.account)) == 1


def test_graph_throttling_waits_the_minutes_graph_estimates(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "facebook")
    quiet.fault("rate_limit", network="facebook", path=CREATE_PATH["facebook"], reset_in=2)

    waits = seconds_to_wait(target)

    # Graph says how long in whole minutes (estimated_time_to_regain_access).
    assert 59 <= waits <= 61
    assert on_network(quiet, target.account) == []


def test_a_post_keeps_failing_after_the_last_attempt_and_the_author_is_told(
    personas: Personas,
    quiet: Emulator,
    settings: Any,
    mailoutbox: Outbox,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    settings.DELIVERY_MAX_ATTEMPTS = 2
    target = one_target(personas, quiet, "x")
    quiet.fault("server_error", network="x", path=CREATE_PATH["x"], status=502)

    with django_capture_on_commit_callbacks(execute=True):
        publish(target)
        wait_until_due(target)
        done = publish(target)

    assert done is not None and done.state == TargetState.FAILED
    assert "X kept failing after 2 tries" in done.failure_reason
    assert done.post.status == PostStatus.FAILED
    (email,) = mailoutbox
    assert email.to == [done.post.author.email]
    assert "X kept failing after 2 tries" in email.body


def test_a_refused_post_fails_with_the_networks_reason_and_the_author_is_emailed(
    personas: Personas,
    quiet: Emulator,
    mailoutbox: Outbox,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # X counts 280 at the most: the emulator refuses it as X does.
    target = one_target(personas, quiet, "x", text="Road works. " * 40)

    with django_capture_on_commit_callbacks(execute=True):
        done = publish(target)

    assert done is not None and done.state == TargetState.FAILED
    assert done.failure_reason.startswith("X refused the post: ")
    assert done.attempts == 1
    assert on_network(quiet, target.account) == []
    (email,) = mailoutbox
    assert email.to == [done.post.author.email]
    assert done.failure_reason in email.body
    assert "Road works." in email.body


def test_a_token_that_cannot_be_renewed_fails_the_post_and_marks_the_account(
    personas: Personas,
    quiet: Emulator,
    mailoutbox: Outbox,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    target = one_target(personas, quiet, "x")
    quiet.expire("x", HANDLES["x"], refresh=True)

    with django_capture_on_commit_callbacks(execute=True):
        done = publish(target)

    assert done is not None and done.state == TargetState.FAILED
    with agency_scope(personas.agency_a.pk):
        target.account.refresh_from_db()
    assert target.account.health == AccountHealth.NEEDS_REAUTHORISATION
    assert sorted(m.subject for m in mailoutbox) == sorted(
        [
            f"{target.account} needs to be reconnected",
            f"Your post was not published to {target.account}",
        ]
    )


def test_a_token_that_expired_early_is_renewed_and_the_post_goes_out(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "x")
    quiet.expire("x", HANDLES["x"])

    waiting = publish(target)
    assert waiting is not None and waiting.state == TargetState.RETRY_WAIT
    done = publish(target)

    assert done is not None and done.state == TargetState.PUBLISHED
    assert len(on_network(quiet, target.account)) == 1


def edit_after_approval(target: PostTarget) -> None:
    Post.objects.filter(pk=target.post_id).update(text="Edited after approval.")


def never_approve(target: PostTarget) -> None:
    Post.objects.filter(pk=target.post_id).update(approved_hash="")


def revoke_the_account(target: PostTarget) -> None:
    SocialAccount.objects.filter(pk=target.account_id).update(
        health=AccountHealth.NEEDS_REAUTHORISATION
    )


def disconnect_the_account(target: PostTarget) -> None:
    SocialAccount.objects.filter(pk=target.account_id).update(disconnected_at=timezone.now())


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (edit_after_approval, "changed after it was approved"),
        (never_approve, "has not been approved"),
        (revoke_the_account, "needs to be reconnected"),
        (disconnect_the_account, "was disconnected from govsocial"),
    ],
)
def test_a_post_is_refused_at_claim_time_before_anything_is_sent(
    personas: Personas,
    quiet: Emulator,
    mailoutbox: Outbox,
    django_capture_on_commit_callbacks: Callable[..., Any],
    spoil: Callable[[PostTarget], None],
    reason: str,
) -> None:
    target = one_target(personas, quiet, "x", text="Approved text.")
    with agency_scope(personas.agency_a.pk):
        spoil(target)

    with django_capture_on_commit_callbacks(execute=True):
        done = publish(target)

    assert done is not None and done.state == TargetState.FAILED
    assert reason in done.failure_reason
    assert done.attempts == 0
    assert on_network(quiet, target.account) == []
    assert [verb for verb, _ in events_of(target)] == ["target.failed"]
    (email,) = mailoutbox
    assert reason in email.body


def test_a_throttled_account_defers_the_post_to_its_reset_without_an_attempt(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "x")
    reset = timezone.now() + timedelta(minutes=3)
    with agency_scope(personas.agency_a.pk):
        SocialAccount.objects.filter(pk=target.account_id).update(
            health=AccountHealth.RATE_LIMITED, rate_limited_until=reset
        )

    done = publish(target)

    assert done is not None and done.state == TargetState.RETRY_WAIT
    assert done.next_attempt_at == reset
    assert done.attempts == 0
    assert on_network(quiet, target.account) == []


def test_the_post_is_publishing_while_a_target_is_out_and_failed_if_any_failed(
    personas: Personas, quiet: Emulator
) -> None:
    x = emulated_account_for(personas.agency_a, quiet, "x", HANDLES["x"])
    mastodon = emulated_account_for(personas.agency_a, quiet, "mastodon", HANDLES["mastodon"])
    post = scheduled_post_for(personas.agency_a, [x, mastodon])
    with agency_scope(personas.agency_a.pk):
        # Mastodon's variant is longer than the 500 characters its instance takes.
        PostTarget.objects.filter(post=post, account=mastodon).update(
            has_own_text=True, text="Road works. " * 50
        )
        Post.objects.filter(pk=post.pk).update(approved_hash=post_content_hash(post))
        to_x, to_mastodon = (PostTarget.objects.get(post=post, account=a) for a in (x, mastodon))

    publish(to_x)
    assert post_status(post) == PostStatus.PUBLISHING
    publish(to_mastodon)

    assert refreshed(to_mastodon).state == TargetState.FAILED
    assert post_status(post) == PostStatus.FAILED
    # The target's event that changed the post's status records that change too.
    assert events_of(to_x)[0][1]["post_status"] == PostStatus.PUBLISHING
    assert events_of(to_mastodon)[-1][1]["post_status"] == PostStatus.FAILED
    assert "post_status" not in events_of(to_mastodon)[0][1], "it was publishing already"


def test_the_post_is_published_when_every_target_is(personas: Personas, quiet: Emulator) -> None:
    x = emulated_account_for(personas.agency_a, quiet, "x", HANDLES["x"])
    bluesky = emulated_account_for(personas.agency_a, quiet, "bluesky", HANDLES["bluesky"])
    post = scheduled_post_for(personas.agency_a, [x, bluesky])
    with agency_scope(personas.agency_a.pk):
        first, second = PostTarget.objects.filter(post=post)

    publish(first)
    assert post_status(post) == PostStatus.PUBLISHING
    publish(second)

    assert post_status(post) == PostStatus.PUBLISHED


def post_status(post: Post) -> str:
    """Return the post's status as stored now."""
    with agency_scope(post.agency_id):
        return str(Post.objects.values_list("status", flat=True).get(pk=post.pk))


def test_a_publisher_deletes_a_published_post_from_the_network(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "mastodon")
    publish(target)

    with agency_scope(personas.agency_a.pk):
        deleted = target_delete(target=refreshed(target), actor=personas.admin_a.user)

    assert deleted.state == TargetState.DELETED
    assert on_network(quiet, target.account) == []
    verb, data = events_of(target)[-1]
    assert verb == "target.deleted"
    assert data["remote_id"] == deleted.remote_id


def test_an_author_who_may_not_publish_to_the_account_cannot_delete(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "mastodon")
    publish(target)

    with agency_scope(personas.agency_a.pk), pytest.raises(PermissionDenied):
        target_delete(target=refreshed(target), actor=personas.author_a.user)

    assert len(on_network(quiet, target.account)) == 1


def test_only_a_published_post_can_be_deleted(personas: Personas, quiet: Emulator) -> None:
    target = one_target(personas, quiet, "mastodon", at=timezone.now() + timedelta(hours=1))
    admin = MembershipFactory(agency=personas.agency_a, roles=[Role.ADMIN]).user

    with agency_scope(personas.agency_a.pk), pytest.raises(Conflict):
        target_delete(target=refreshed(target), actor=admin)


def test_the_post_page_and_the_api_delete_a_published_post_from_the_network(
    personas: Personas, quiet: Emulator
) -> None:
    page_target = one_target(personas, quiet, "mastodon", text="Pool closed today.")
    publish(page_target)
    client = personas.client_for(personas.admin_a)
    url = reverse("post_target_delete", args=["alpha", page_target.post_id, page_target.pk])
    page = client.post(url, follow=True)
    assert "The post is deleted from" in page.content.decode()
    assert refreshed(page_target).state == TargetState.DELETED
    assert on_network(quiet, page_target.account) == []

    api_target = one_target(personas, quiet, "x", text="Library closed today.")
    publish(api_target)
    api_url = reverse("post-delete-from-network", args=["alpha", api_target.post_id])
    unknown = client.post(api_url, {"account": 999999}, content_type="application/json")
    assert unknown.status_code == 400
    answer = client.post(
        api_url, {"account": api_target.account_id}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    assert refreshed(api_target).state == TargetState.DELETED
    assert on_network(quiet, api_target.account) == []


def test_the_author_of_a_failed_post_is_sent_to_the_post_itself(
    personas: Personas,
    quiet: Emulator,
    mailoutbox: list[mail.EmailMessage],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    target = one_target(personas, quiet, "x", text="x" * 300)
    with django_capture_on_commit_callbacks(execute=True):
        publish(target)
    assert refreshed(target).state == TargetState.FAILED
    (email,) = mailoutbox
    assert reverse("post_detail", args=["alpha", target.post_id]) in email.body


def test_one_task_sends_several_targets_together_and_settles_each_by_its_own_answer(
    personas: Personas, quiet: Emulator
) -> None:
    accounts = {
        network: emulated_account_for(personas.agency_a, quiet, network, HANDLES[network])
        for network in ("x", "mastodon", "bluesky")
    }
    post = scheduled_post_for(personas.agency_a, list(accounts.values()))
    quiet.fault("server_error", network="mastodon", path=CREATE_PATH["mastodon"], count=1)
    quiet.fault(
        "accepted_timeout", network="bluesky", path=CREATE_PATH["bluesky"], hold_ms=TIMED_OUT_MS
    )
    with agency_scope(personas.agency_a.pk):
        targets = {t.account.network: t for t in PostTarget.objects.filter(post=post)}

    with agency_scope(personas.agency_a.pk):
        ended = targets_publish(target_ids=[t.pk for t in targets.values()])

    assert {t.account.network: t.state for t in ended} == {
        "x": TargetState.PUBLISHED,
        "mastodon": TargetState.RETRY_WAIT,
        "bluesky": TargetState.UNCONFIRMED,
    }
    assert refreshed(targets["x"]).permalink.startswith(quiet.base_url)
    assert [verb for verb, _ in events_of(targets["x"])] == ["target.sending", "target.published"]
    assert [verb for verb, _ in events_of(targets["mastodon"])] == [
        "target.sending",
        "target.retry_wait",
    ]
    assert [verb for verb, _ in events_of(targets["bluesky"])] == [
        "target.sending",
        "target.unconfirmed",
    ]
    assert post_status(post) == PostStatus.PUBLISHING
    # The events written together each commit to what they hold.
    with agency_scope(personas.agency_a.pk):
        for row in ArchiveEvent.objects.values():
            assert commitment(row, salt=row["salt"]) == row["commitment"]
    # Sent once each: the network that timed out has the post, which reconciliation finds.
    assert len(on_network(quiet, accounts["x"])) == 1
    assert len(on_network(quiet, accounts["bluesky"])) == 1
    assert on_network(quiet, accounts["mastodon"]) == []


# The calls that make a post's files ready, before the one that publishes it.
UPLOAD_PATH = {
    "x": "/x/2/media/upload",
    "mastodon": "/api/v2/media",
    "facebook": "/photos",
    "bluesky": "com.atproto.repo.uploadBlob",
}


@pytest.mark.parametrize("network", list(UPLOAD_PATH))
def test_a_post_whose_uploads_ran_late_is_not_published_then_but_tried_again(
    personas: Personas, quiet: Emulator, settings: Any, network: str
) -> None:
    # The uploads end after the moment the post had to start going out: by then the
    # dispatcher takes the send for lost and looks for it on the network, finds
    # nothing and sends it again, so this send must not publish.
    settings.DELIVERY_SENDING_MARGIN_SECONDS = 0.5
    target = one_target(personas, quiet, network)
    with agency_scope(personas.agency_a.pk):
        post = Post.objects.get(pk=target.post_id)
    for position in range(2):
        asset = uploaded_media_for(personas.agency_a)
        post_media_for(personas.agency_a, post=post, asset=asset, position=position)
    with agency_scope(personas.agency_a.pk):
        post.approved_hash = post_content_hash(post)
        post.save(update_fields=["approved_hash"])
    quiet.fault("latency", network=network, path=UPLOAD_PATH[network], ms=600)

    waiting = publish(target)

    assert waiting is not None and waiting.state == TargetState.RETRY_WAIT
    assert waiting.failure_reason == "The send could not start in time; it is tried again."
    assert on_network(quiet, target.account) == []


def test_a_delivery_record_shows_the_history_of_its_post(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, text="Main Street reopens on Monday.")
    agency, counsel = personas.agency_a, personas.admin_a.user
    with agency_scope(agency.pk), transaction.atomic():
        archive.record(
            agency=agency,
            actor=counsel,
            verb="approval.decided",
            obj=target.post,
            data={"state": "approved", "comment": "Counsel agrees."},
        )
        about_a_person = archive.record(agency=agency, actor=counsel, verb="test.seen", obj=counsel)
    publish(target)
    with agency_scope(agency.pk):
        published = ArchiveEvent.objects.get(verb="target.published")
    reader = personas.client_for(personas.admin_a)

    shown = reader.get(reverse("record_detail", args=["alpha", published.pk])).content.decode()

    assert "The history of what it is part of" in shown
    part_of = shown[shown.index("The history of what it is part of") :]
    assert "approval.decided" in part_of and "Counsel agrees." in part_of
    # A record about what is part of nothing shows no such history.
    other = reader.get(reverse("record_detail", args=["alpha", about_a_person.pk]))
    assert "The history of what it is part of" not in other.content.decode()
    # Integrators read the same context.
    context = reader.get(f"/api/agencies/alpha/archive/events/{published.pk}/context/").json()
    assert [(e["verb"], e["data"].get("comment")) for e in context["part_of"]] == [
        ("approval.decided", "Counsel agrees.")
    ]
    assert [e["verb"] for e in context["history"]] == ["target.sending", "target.published"]
    assert context["conversation"] == []
