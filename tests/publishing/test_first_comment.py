"""A post's first comment, posted by the account under its own post once the post is
published, through the real adapters over HTTP to the emulator: once, whatever the
network answers or fails to answer, and never at the cost of the post's published
state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from govsocial.tenancy import agency_scope
from publishing.models import (
    AccountHealth,
    CommentState,
    DispatchTicket,
    PostStatus,
    SocialAccount,
    TargetState,
)
from publishing.services import pause_end, pause_start, target_delete
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.publishing.delivery import (
    TIMED_OUT_MS,
    comment,
    events_of,
    on_network,
    one_target,
    publish,
    refreshed,
    until_settled,
    wait_until_due,
)

pytestmark = pytest.mark.django_db
Outbox = list[mail.EmailMessage]

NETWORKS = ["x", "mastodon", "facebook", "bluesky"]
# The request that posts the comment on each network (an emulator fault's ``path``).
COMMENT_PATH = {
    "x": "/x/2/tweets",
    "mastodon": "/api/v1/statuses",
    "facebook": "/comments",
    "bluesky": "com.atproto.repo.createRecord",
}
LINK_COMMENT = "Register here: https://alpha.example/register"


def comments_on(quiet: Emulator, target: Any) -> list[dict[str, Any]]:
    """Return the account's own comments under the target's post on the emulator."""
    posts = on_network(quiet, target.account)
    return [
        p for p in posts if p["in_reply_to"] and p["in_reply_to"] in refreshed(target).remote_id
    ]


@pytest.mark.parametrize("network", NETWORKS)
def test_a_published_post_gets_its_first_comment_under_it_by_the_same_account(
    personas: Personas, quiet: Emulator, network: str
) -> None:
    target = one_target(personas, quiet, network, text="Spring camps.", first_comment=LINK_COMMENT)

    published = publish(target)
    assert published is not None and published.state == TargetState.PUBLISHED
    assert published.comment_state == CommentState.WAITING
    with agency_scope(target.agency_id):
        assert DispatchTicket.objects.get(target=target).state == "first_comment"
    done = comment(target)

    assert done is not None and done.state == TargetState.PUBLISHED
    assert done.comment_state == CommentState.POSTED
    (remote,) = comments_on(quiet, target)
    assert remote["author"] == target.account.handle
    assert remote["id"] in done.comment_remote_id
    assert done.comment_permalink.startswith("http")
    verb, data = events_of(target)[-1]
    assert verb == "first_comment.posted"
    assert data["first_comment"]["remote_id"] == done.comment_remote_id
    assert data["remote_id"] == done.remote_id
    with agency_scope(target.agency_id):
        assert not DispatchTicket.objects.filter(target=target).exists()
    assert comment(target) is None
    assert len(comments_on(quiet, target)) == 1


def test_a_post_without_a_first_comment_posts_none(personas: Personas, quiet: Emulator) -> None:
    target = one_target(personas, quiet, "mastodon")

    published = publish(target)

    assert published is not None and published.comment_state == CommentState.NONE
    assert comment(target) is None
    assert len(on_network(quiet, target.account)) == 1


def test_a_refused_comment_leaves_the_post_published_and_tells_the_author_why(
    personas: Personas,
    quiet: Emulator,
    mailoutbox: Outbox,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # X refuses a post whose text the account already posted: the comment repeats it.
    target = one_target(personas, quiet, "x", text="Pools open.", first_comment="Pools open.")
    publish(target)

    with django_capture_on_commit_callbacks(execute=True):
        done = comment(target)

    assert done is not None and done.state == TargetState.PUBLISHED
    assert done.post.status == PostStatus.PUBLISHED
    assert done.comment_state == CommentState.FAILED
    assert done.comment_failure_reason.startswith("X refused the first comment: ")
    assert comments_on(quiet, target) == []
    assert events_of(target)[-1][0] == "first_comment.failed"
    (email,) = mailoutbox
    assert email.to == [done.post.author.email]
    assert done.comment_failure_reason in email.body
    page = personas.client_for(personas.author_a).get(
        reverse("post_detail", args=["alpha", target.post_id])
    )
    html = page.content.decode()
    assert "Published" in html
    assert "X refused the first comment" in html


@pytest.mark.parametrize("network", NETWORKS)
def test_a_comment_whose_answer_never_came_is_found_under_the_post_not_posted_twice(
    personas: Personas, quiet: Emulator, network: str
) -> None:
    target = one_target(personas, quiet, network, text="Road closed.", first_comment=LINK_COMMENT)
    publish(target)
    quiet.fault(
        "accepted_timeout",
        network=network,
        method="POST",
        path=COMMENT_PATH[network],
        hold_ms=TIMED_OUT_MS,
        count=1,
    )

    unknown = comment(target)

    assert unknown is not None and unknown.comment_state == CommentState.UNCONFIRMED
    assert unknown.state == TargetState.PUBLISHED
    (remote,) = comments_on(quiet, target)
    wait_until_due(target)
    done = comment(target)
    assert done is not None and done.comment_state == CommentState.POSTED
    assert remote["id"] in done.comment_remote_id
    assert len(comments_on(quiet, target)) == 1
    assert events_of(target)[-1][1]["reconciled"] is True


def test_a_comment_the_network_never_made_is_posted_again_once_it_had_its_time(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "mastodon", first_comment=LINK_COMMENT)
    publish(target)
    # Slower than the timeout: the client gives up and the instance makes nothing.
    quiet.fault(
        "latency", network="mastodon", method="POST", path="/statuses", ms=TIMED_OUT_MS, count=1
    )

    unknown = comment(target)
    assert unknown is not None and unknown.comment_state == CommentState.UNCONFIRMED
    assert comments_on(quiet, target) == []
    for _ in until_settled():
        wait_until_due(target)
        done = comment(target)
        if done is not None and done.comment_state == CommentState.POSTED:
            break

    assert done is not None and done.comment_state == CommentState.POSTED
    assert len(comments_on(quiet, target)) == 1
    assert refreshed(target).comment_attempts == 2


def test_a_rate_limited_comment_waits_for_the_time_the_network_said(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "x", first_comment=LINK_COMMENT)
    publish(target)
    # Long enough that the second try below comes before it on a loaded machine.
    quiet.fault("rate_limit", network="x", method="POST", path="/x/2/tweets", reset_in=5, count=1)

    waiting = comment(target)

    assert waiting is not None and waiting.comment_state == CommentState.WAITING
    assert waiting.next_attempt_at is not None
    assert comment(target) is None  # not due yet
    with agency_scope(target.agency_id):
        ticket = DispatchTicket.objects.get(target=target)
    assert ticket.due_at == waiting.next_attempt_at
    wait_until_due(target)
    done = comment(target)
    assert done is not None and done.comment_state == CommentState.POSTED
    assert len(comments_on(quiet, target)) == 1


def test_a_comment_that_could_not_start_in_time_is_not_posted_then_but_tried_again(
    personas: Personas, quiet: Emulator, settings: Any
) -> None:
    target = one_target(personas, quiet, "mastodon", first_comment=LINK_COMMENT)
    publish(target)
    # No time at all: as if the worker had been held up since it claimed the comment,
    # by which time the dispatcher takes it for lost and looks for it under the post.
    settings.DELIVERY_SENDING_MARGIN_SECONDS = 0

    waiting = comment(target)

    assert waiting is not None and waiting.comment_state == CommentState.WAITING
    assert waiting.comment_failure_reason == (
        "The send could not start in time; it is tried again."
    )
    assert comments_on(quiet, target) == []


def test_a_post_with_its_comment_is_still_deleted_from_the_network(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "mastodon", text="Wrong date.", first_comment="More.")
    publish(target)
    comment(target)

    with agency_scope(personas.agency_a.pk):
        deleted = target_delete(target=refreshed(target), actor=personas.admin_a.user)

    assert deleted.state == TargetState.DELETED
    assert [p["id"] for p in on_network(quiet, target.account)] == []


def test_a_crisis_pause_keeps_a_waiting_first_comment_back_until_it_ends(
    personas: Personas, quiet: Emulator
) -> None:
    target = one_target(personas, quiet, "mastodon", text="Spring camps.", first_comment="#camps")
    publish(target)
    with agency_scope(target.agency_id):
        pause = pause_start(agency=personas.agency_a, actor=personas.admin_a.user, reason="Storm")

    held = comment(target)

    assert held is not None and held.comment_state == CommentState.WAITING
    assert held.comment_attempts == 0, "no attempt spent while paused"
    assert comments_on(quiet, target) == []
    assert events_of(target)[-1][0] == "first_comment.deferred"
    with agency_scope(target.agency_id):
        pause_end(pause=pause, actor=personas.admin_a.user, overdue_now=False)
    wait_until_due(target)
    done = comment(target)
    assert done is not None and done.comment_state == CommentState.POSTED
    assert len(comments_on(quiet, target)) == 1


def test_a_first_comment_on_an_account_that_must_be_reconnected_is_given_up_at_once(
    personas: Personas,
    quiet: Emulator,
    mailoutbox: Outbox,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    target = one_target(personas, quiet, "x", text="Spring camps.", first_comment="#camps")
    publish(target)
    with agency_scope(target.agency_id):
        SocialAccount.objects.filter(pk=target.account_id).update(
            health=AccountHealth.NEEDS_REAUTHORISATION
        )

    # The author's email goes once the giving up commits.
    with django_capture_on_commit_callbacks(execute=True):
        given_up = comment(target)

    assert given_up is not None and given_up.state == TargetState.PUBLISHED
    assert given_up.comment_state == CommentState.FAILED
    assert "must be reconnected" in given_up.comment_failure_reason
    assert comments_on(quiet, target) == []
    assert [m.subject for m in mailoutbox] == [
        f"The first comment of your post was not posted on {target.account}"
    ]
