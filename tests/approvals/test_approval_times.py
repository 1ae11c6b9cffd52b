"""A post submitted with a time goes on the schedule for it at its last approval; one
still waiting when its time comes does not go out and shows as overdue (on its page,
the calendar, the queue and the API); one approved after its time waits for its author
to choose a new time or publish it now."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency, Membership, Role
from approvals.decisions import approval_decide, post_submit
from approvals.models import Approval, Verdict
from archive.models import ArchiveEvent
from govsocial.errors import GovsocialError
from govsocial.tenancy import agency_scope
from govsocial.timezones import viewer_zone
from publishing.dispatcher import due_tickets
from publishing.models import Post, PostStatus, SocialAccount, TargetState
from publishing.services import account_disconnect, post_publish_now, post_schedule
from tests.approvals.test_decisions import account, any_approver_chain, draft, member
from tests.conftest import Personas
from tests.factories import api_key_for

pytestmark = pytest.mark.django_db

__all__ = ["account"]  # the fixture, shared with the decisions' tests


def decided_event(post: Post) -> dict[str, Any]:
    event = ArchiveEvent.objects.filter(verb="approval.decided", object_id=str(post.pk))
    return event.order_by("-id")[0].data


def time_passes(post: Post) -> None:
    """Make the post's time an hour ago, as if the clock had gone past it."""
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(hours=1))
    post.refresh_from_db()


def target_states(post: Post) -> set[str]:
    return set(post.targets.values_list("state", flat=True))


def submitted(
    personas: Personas, account: SocialAccount, at: datetime
) -> tuple[Post, Approval, Membership]:
    """Return the author's draft for ``account`` (whose chain is one step, any
    approver) submitted to go out at ``at``, its round, and an approver."""
    approver = member(personas.agency_a, Role.APPROVER)
    any_approver_chain(personas, account)
    post = draft(personas, account)
    round_ = post_submit(post=post, actor=personas.author_a.user, at=at)
    post.refresh_from_db()
    return post, round_, approver


def in_half_an_hour() -> datetime:
    return timezone.now() + timedelta(minutes=30)


def test_a_post_submitted_with_a_time_goes_on_the_schedule_for_it_at_its_last_approval(
    personas: Personas,
    in_agency_a: Agency,
    account: SocialAccount,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    post, round_, approver = submitted(personas, account, at)
    assert (post.status, post.scheduled_at, post.overdue) == (PostStatus.IN_REVIEW, at, False)
    assert target_states(post) == {TargetState.DRAFT}

    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(approval=round_, actor=approver.user, verdict=Verdict.APPROVE)
    post.refresh_from_db()
    assert (post.status, post.scheduled_at) == (PostStatus.SCHEDULED, at)
    assert set(post.targets.values_list("state", "next_attempt_at")) == {
        (TargetState.SCHEDULED, at)
    }
    assert decided_event(post)["scheduled_at"] == at.isoformat().replace("+00:00", "Z")
    # Scheduled as its submitter asked, who is told when it goes out (in their zone).
    scheduled = ArchiveEvent.objects.get(verb="post.scheduled", object_id=str(post.pk))
    assert scheduled.actor_id == str(personas.author_a.user.pk)
    zone = viewer_zone(
        user_zone=personas.author_a.user.time_zone, agency_zone=personas.agency_a.time_zone
    )
    local = timezone.localtime(at, zone)
    assert mailoutbox[-1].to == [personas.author_a.user.email]
    assert "it goes out on" in mailoutbox[-1].body
    assert f"{local:%Y}" in mailoutbox[-1].body and f"({zone.key})" in mailoutbox[-1].body


def test_a_post_still_waiting_at_its_time_does_not_go_out_and_once_approved_waits_for_a_new_time(
    personas: Personas,
    in_agency_a: Agency,
    account: SocialAccount,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    post, round_, approver = submitted(personas, account, in_half_an_hour())
    time_passes(post)
    assert post.overdue and post.status_label == "Approval overdue"
    # Nothing of it is due: the dispatcher has no ticket of it to hand to the workers.
    assert target_states(post) == {TargetState.DRAFT}
    assert in_agency_a.pk not in due_tickets(limit=100)

    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(approval=round_, actor=approver.user, verdict=Verdict.APPROVE)
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED and target_states(post) == {TargetState.DRAFT}
    assert post.overdue and post.status_label == "Approved after its time"
    assert decided_event(post)["late"] is True
    assert "after its time" in mailoutbox[-1].body and "publish it now" in mailoutbox[-1].body
    assert in_agency_a.pk not in due_tickets(limit=100)

    # Its author chooses a new time (or publishes it now): it goes out as approved.
    later = timezone.now() + timedelta(hours=3)
    post = post_schedule(post=post, actor=personas.author_a.user, at=later)
    assert (post.status, post.overdue) == (PostStatus.SCHEDULED, False)


def test_an_approved_post_past_its_time_can_be_published_now(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    post, round_, approver = submitted(personas, account, in_half_an_hour())
    time_passes(post)
    approval_decide(approval=round_, actor=approver.user, verdict=Verdict.APPROVE)
    post = post_publish_now(post=Post.objects.get(pk=post.pk), actor=personas.author_a.user)
    assert post.status == PostStatus.SCHEDULED and not post.overdue
    assert in_agency_a.pk in due_tickets(limit=100)


def test_an_approval_the_schedule_refuses_stays_recorded_and_says_why(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    at = timezone.now() + timedelta(days=1)
    post, round_, approver = submitted(personas, account, at)
    account_disconnect(account=account, actor=personas.admin_a.user)
    approval_decide(approval=round_, actor=approver.user, verdict=Verdict.APPROVE)
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED and post.scheduled_at == at
    assert target_states(post) == {TargetState.DRAFT}
    assert "disconnected" in decided_event(post)["not_scheduled"]


def test_a_time_past_or_without_its_zone_is_refused_at_submission(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    any_approver_chain(personas, account)
    post = draft(personas, account)
    with pytest.raises(GovsocialError, match="That time has passed") as refused:
        post_submit(post=post, actor=personas.author_a.user, at=timezone.now() - timedelta(hours=1))
    assert refused.value.field == "at"
    with pytest.raises(GovsocialError, match="time zone"):
        post_submit(post=post, actor=personas.author_a.user, at=datetime(2031, 1, 1, 9))
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT and not Approval.objects.filter(post=post).exists()


def _submit_page(client: Client, post: Post, **form: str) -> str:
    address = reverse("post_approval_submit", args=["alpha", post.pk])
    return client.post(address, form, follow=True).content.decode()


def test_the_post_page_submits_with_a_local_time_and_shows_when_it_is_overdue(
    personas: Personas, account: SocialAccount
) -> None:
    member(personas.agency_a, Role.APPROVER)
    with agency_scope(personas.agency_a.pk):
        any_approver_chain(personas, account)
        post = draft(personas, account, text="The pools open on Saturday")
    author = personas.client_for(personas.author_a)
    shown = _submit_page(author, post, schedule_date="2031-07-01")
    assert "Give both the date and the time, or neither." in shown

    shown = _submit_page(author, post, schedule_date="2031-07-01", schedule_time="09:30")
    assert "The post is submitted" in shown
    assert "Once approved, this post goes on the schedule for" in shown
    with agency_scope(personas.agency_a.pk):
        post.refresh_from_db()
        # The author's zone (America/Toronto): 9:30 in July is 13:30 UTC.
        assert post.scheduled_at == datetime(2031, 7, 1, 13, 30, tzinfo=ZoneInfo("UTC"))
        time_passes(post)

    shown = author.get(reverse("post_detail", args=["alpha", post.pk])).content.decode()
    assert "Approval overdue: this post was meant to go out on" in shown
    assert "govsocial-status--overdue" in shown
    month = timezone.localtime(post.scheduled_at, ZoneInfo("America/Toronto"))
    calendar = author.get(
        reverse("calendar", args=["alpha"]), {"view": "month", "date": f"{month:%Y-%m-%d}"}
    ).content.decode()
    assert "Approval overdue" in calendar and "The pools open" in calendar

    _key, token = api_key_for(personas.agency_a)
    key = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = key.get(reverse("post-detail", args=["alpha", post.pk])).json()
    assert (answer["status"], answer["overdue"]) == ("in_review", True)


def test_the_api_submits_with_a_time(personas: Personas, account: SocialAccount) -> None:
    member(personas.agency_a, Role.APPROVER)
    with agency_scope(personas.agency_a.pk):
        any_approver_chain(personas, account)
        post = draft(personas, account)
    author = personas.client_for(personas.author_a)
    address = reverse("approval-list", args=["alpha"])
    refused = author.post(
        address, {"post": post.pk, "at": "2031-07-01T09:30:00"}, content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["pointer"] == "/at"
    answer = author.post(
        address,
        {"post": post.pk, "at": "2031-07-01T09:30:00-04:00"},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.json()
    shown = author.get(reverse("post-detail", args=["alpha", post.pk])).json()
    assert (shown["status"], shown["scheduled_at"], shown["overdue"]) == (
        "in_review",
        "2031-07-01T13:30:00Z",
        False,
    )
