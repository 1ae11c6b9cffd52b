"""Rounds of sign-off: an author submits, each step's approvers decide in turn, and the
last approval binds the post's approved hash to the exact revision submitted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Agency, Membership, Role, User
from approvals.decisions import approval_decide, post_submit
from approvals.models import ApprovalState, StepRule, Verdict
from approvals.services import StepSpec, chain_save
from archive.models import ArchiveEvent
from govsocial.errors import Conflict, GovsocialError, PermissionDenied
from publishing.content import post_content_hash
from publishing.models import Post, PostStatus, SocialAccount
from publishing.services import post_create, post_schedule, post_update
from tests.conftest import Personas
from tests.factories import MembershipFactory, api_key_for, publisher_for, social_account_for

pytestmark = pytest.mark.django_db


def member(agency: Agency, *roles: str) -> Membership:
    return MembershipFactory(agency=agency, roles=list(roles))


def draft(personas: Personas, account: SocialAccount, text: str = "Pool closed") -> Post:
    return post_create(
        agency=personas.agency_a,
        actor=personas.author_a.user,
        text=text,
        account_ids=[account.pk],
    )


def rewritten(post: Post, author: User, account_id: int, text: str) -> Post:
    """Return ``post`` with its text changed by ``author`` (for the one account)."""
    return post_update(
        post=Post.objects.get(pk=post.pk),
        actor=author,
        text=text,
        link="",
        campaign="",
        account_ids=[account_id],
        variants={},
        media=[],
    )


def any_approver_chain(personas: Personas, account: SocialAccount) -> None:
    """Give ``account`` a one-step chain that any approver decides."""
    chain_save(
        agency=personas.agency_a,
        actor=personas.admin_a.user,
        name="One",
        steps=[StepSpec(StepRule.ANY, roles=[Role.APPROVER])],
        account_ids=[account.pk],
    )


@pytest.fixture
def account(personas: Personas, in_agency_a: Agency) -> SocialAccount:
    """An account the author may publish to."""
    account = social_account_for(in_agency_a)
    publisher_for(in_agency_a, account=account, user=personas.author_a.user)
    return account


def test_a_two_step_chain_any_then_all_approves_the_exact_revision(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    counsel = [member(in_agency_a, Role.AUTHOR) for _ in range(2)]
    approvers = [member(in_agency_a, Role.APPROVER) for _ in range(2)]
    chain_save(
        agency=in_agency_a,
        actor=personas.admin_a.user,
        name="Legal then comms",
        steps=[
            StepSpec(StepRule.ANY, user_ids=[m.user.pk for m in counsel]),
            StepSpec(StepRule.ALL, roles=[Role.APPROVER]),
        ],
        account_ids=[account.pk],
    )
    post = draft(personas, account)
    round_ = post_submit(post=post, actor=personas.author_a.user)
    post.refresh_from_db()
    assert post.status == PostStatus.IN_REVIEW and round_.step == 1
    # The admin holds no approver role and is not named: not an approver of any step.
    assert sorted(round_.steps[1]["approvers"]) == sorted(m.user.pk for m in approvers)

    round_ = approval_decide(approval=round_, actor=counsel[1].user, verdict=Verdict.APPROVE)
    assert round_.step == 2
    round_ = approval_decide(approval=round_, actor=approvers[0].user, verdict=Verdict.APPROVE)
    post.refresh_from_db()
    assert round_.step == 2 and post.status == PostStatus.IN_REVIEW and not post.approved_hash
    round_ = approval_decide(
        approval=round_, actor=approvers[1].user, verdict=Verdict.APPROVE, comment="Good."
    )
    post.refresh_from_db()
    assert round_.state == ApprovalState.APPROVED
    assert post.status == PostStatus.APPROVED
    assert post.approved_hash == round_.content_hash == post_content_hash(post)
    verbs = list(
        ArchiveEvent.objects.filter(object_id=str(post.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs[-4:] == ["post.submitted"] + ["approval.decided"] * 3
    last = ArchiveEvent.objects.filter(verb="approval.decided").order_by("-id")[0]
    assert last.data["post_approved"] is True and last.data["comment"] == "Good."


def test_nobody_approves_their_own_post(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    other = member(in_agency_a, Role.APPROVER)
    author = personas.author_a
    Membership.objects.filter(pk=author.pk).update(roles=[Role.AUTHOR, Role.APPROVER])
    chain_save(
        agency=in_agency_a,
        actor=personas.admin_a.user,
        name="Approvers",
        steps=[StepSpec(StepRule.ANY, roles=[Role.APPROVER])],
        account_ids=[account.pk],
    )
    round_ = post_submit(post=draft(personas, account), actor=author.user)
    assert round_.steps[0]["approvers"] == [other.user.pk]
    with pytest.raises(PermissionDenied):
        approval_decide(approval=round_, actor=author.user, verdict=Verdict.APPROVE)


def test_a_chain_with_only_the_author_to_approve_refuses_the_submission(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    chain_save(
        agency=in_agency_a,
        actor=personas.admin_a.user,
        name="Self",
        steps=[StepSpec(StepRule.ANY, user_ids=[personas.author_a.user.pk])],
        account_ids=[account.pk],
    )
    post = draft(personas, account)
    with pytest.raises(GovsocialError, match="Nobody but the author"):
        post_submit(post=post, actor=personas.author_a.user)
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_accounts_without_a_chain_need_no_submission(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    with pytest.raises(GovsocialError, match="need no approval"):
        post_submit(post=draft(personas, account), actor=personas.author_a.user)


def test_changes_requested_say_why_and_the_post_goes_back_to_its_author(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    approver = member(in_agency_a, Role.APPROVER)
    any_approver_chain(personas, account)
    post = draft(personas, account)
    first = post_submit(post=post, actor=personas.author_a.user)
    with pytest.raises(GovsocialError) as silent:
        approval_decide(approval=first, actor=approver.user, verdict=Verdict.REQUEST_CHANGES)
    assert silent.value.field == "comment"
    first = approval_decide(
        approval=first,
        actor=approver.user,
        verdict=Verdict.REQUEST_CHANGES,
        comment="Give the reopening date.",
    )
    post.refresh_from_db()
    assert first.state == ApprovalState.CHANGES_REQUESTED and post.status == PostStatus.DRAFT
    with pytest.raises(Conflict):
        approval_decide(approval=first, actor=approver.user, verdict=Verdict.APPROVE)
    second = post_submit(post=post, actor=personas.author_a.user)
    assert second.pk != first.pk and second.state == ApprovalState.PENDING


def test_an_edit_after_submission_voids_the_round_until_the_post_is_submitted_again(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    approver = member(in_agency_a, Role.APPROVER)
    any_approver_chain(personas, account)
    post = draft(personas, account)
    submitted = post_submit(post=post, actor=personas.author_a.user)
    rewritten(post, personas.author_a.user, account.pk, "Pool closed until Monday")
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT
    with pytest.raises(Conflict, match="changed after it was submitted"):
        approval_decide(approval=submitted, actor=approver.user, verdict=Verdict.APPROVE)
    again = post_submit(post=post, actor=personas.author_a.user)
    submitted.refresh_from_db()
    assert submitted.state == ApprovalState.WITHDRAWN
    approval_decide(approval=again, actor=approver.user, verdict=Verdict.APPROVE)
    post.refresh_from_db()
    assert post.approved_hash == post_content_hash(post) == again.content_hash


def test_only_the_steps_approvers_decide_and_never_through_a_key(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    chain_save(
        agency=in_agency_a,
        actor=personas.admin_a.user,
        name="Named",
        steps=[StepSpec(StepRule.ANY, user_ids=[member(in_agency_a, Role.AUTHOR).user.pk])],
        account_ids=[account.pk],
    )
    round_ = post_submit(post=draft(personas, account), actor=personas.author_a.user)
    with pytest.raises(PermissionDenied):
        approval_decide(approval=round_, actor=personas.admin_a.user, verdict=Verdict.APPROVE)
    key, _token = api_key_for(in_agency_a, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        approval_decide(approval=round_, actor=key, verdict=Verdict.APPROVE)


def test_a_post_for_an_account_that_needs_approval_is_scheduled_only_once_approved(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    approver = member(in_agency_a, Role.APPROVER)
    any_approver_chain(personas, account)
    post = draft(personas, account)
    tomorrow = timezone.now() + timedelta(days=1)
    with pytest.raises(Conflict, match="must be approved"):
        post_schedule(post=post, actor=personas.author_a.user, at=tomorrow)
    round_ = post_submit(post=post, actor=personas.author_a.user)
    approval_decide(approval=round_, actor=approver.user, verdict=Verdict.APPROVE)
    post = post_schedule(post=post, actor=personas.author_a.user, at=tomorrow)
    assert post.status == PostStatus.SCHEDULED
    # Approved by its chain, not by its scheduling.
    assert not ArchiveEvent.objects.filter(verb="post.approved", object_id=str(post.pk)).exists()


def test_each_steps_approvers_are_emailed_and_the_author_hears_the_outcome(
    personas: Personas,
    in_agency_a: Agency,
    account: SocialAccount,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    counsel = member(in_agency_a, Role.AUTHOR)
    approver = member(in_agency_a, Role.APPROVER)
    chain_save(
        agency=in_agency_a,
        actor=personas.admin_a.user,
        name="Legal then comms",
        steps=[
            StepSpec(StepRule.ANY, user_ids=[counsel.user.pk]),
            StepSpec(StepRule.ANY, roles=[Role.APPROVER]),
        ],
        account_ids=[account.pk],
    )
    post = draft(personas, account, text="Road works on Main Street")
    with django_capture_on_commit_callbacks(execute=True):
        round_ = post_submit(post=post, actor=personas.author_a.user)
    assert [m.to for m in mailoutbox] == [[counsel.user.email]]
    assert "step 1 of 2" in mailoutbox[0].body and "Road works" in mailoutbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        round_ = approval_decide(approval=round_, actor=counsel.user, verdict=Verdict.APPROVE)
    assert mailoutbox[-1].to == [approver.user.email] and "step 2 of 2" in mailoutbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(
            approval=round_,
            actor=approver.user,
            verdict=Verdict.REQUEST_CHANGES,
            comment="Say until when.",
        )
    assert mailoutbox[-1].to == [personas.author_a.user.email]
    assert "Say until when." in mailoutbox[-1].body
