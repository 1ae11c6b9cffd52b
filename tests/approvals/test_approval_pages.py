"""Approval in pages: the author submits from the post's page, the approver finds the
post in the queue and decides on its page; refusals are messages on the post's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from approvals.models import Approval, ApprovalState, Decision, StepRule
from approvals.services import StepSpec, chain_save
from govsocial.tenancy import agency_scope
from publishing.models import Post, PostStatus
from publishing.services import post_create, post_schedule
from tests.conftest import Personas
from tests.factories import MembershipFactory, publisher_for, social_account_for

pytestmark = pytest.mark.django_db


@dataclass
class Setting:
    post: Post
    approver: Membership


@pytest.fixture
def setting(personas: Personas) -> Setting:
    """A draft by the author for an account whose chain has one step: any approver."""
    agency = personas.agency_a
    approver = MembershipFactory(agency=agency, roles=[Role.APPROVER])
    with agency_scope(agency.pk):
        account = social_account_for(agency, handle="alpha_pools")
        publisher_for(agency, account=account, user=personas.author_a.user)
        chain_save(
            agency=agency,
            actor=personas.admin_a.user,
            name="Press office",
            steps=[StepSpec(StepRule.ANY, roles=[Role.APPROVER])],
            account_ids=[account.pk],
        )
        post = post_create(
            agency=agency,
            actor=personas.author_a.user,
            text="The pools open on Saturday",
            account_ids=[account.pk],
        )
    return Setting(post=post, approver=approver)


def post_page(post: Post | int) -> str:
    return reverse("post_detail", args=["alpha", post if isinstance(post, int) else post.pk])


def page(client: Client, address: str) -> str:
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


def submit(client: Client, post: Post) -> str:
    """Press "Submit for approval"; return the post's page it goes back to."""
    response = client.post(reverse("post_approval_submit", args=["alpha", post.pk]), follow=True)
    assert response.redirect_chain == [(post_page(post), 302)]
    return response.content.decode()


def the_round(post: Post) -> Approval:
    with agency_scope(post.agency_id):
        return Approval.objects.get(post=post)


def decide(client: Client, approval: Approval, **form: str) -> str:
    address = reverse("approval_decide", args=["alpha", approval.pk])
    response = client.post(address, form, follow=True)
    assert response.redirect_chain == [(post_page(approval.post_id), 302)]
    return response.content.decode()


def status_of(post: Post) -> str:
    with agency_scope(post.agency_id):
        post.refresh_from_db()
    return post.status


def test_the_author_submits_the_approver_approves_from_the_queue_and_the_post_can_be_scheduled(
    personas: Personas, setting: Setting
) -> None:
    post = setting.post
    author = personas.client_for(personas.author_a)
    shown = page(author, post_page(post))
    assert "Press office" in shown and "which names this account" in shown
    assert "Submit for approval" in shown and 'name="verdict"' not in shown

    shown = submit(author, post)
    assert "The post is submitted" in shown
    assert "Waiting for approval: step 1 of 1" in shown
    assert setting.approver.user.display_name in shown
    assert "Submit for approval" not in shown and status_of(post) == PostStatus.IN_REVIEW

    approver = personas.client_for(setting.approver)
    queue = page(approver, reverse("approval_queue", args=["alpha"]))
    assert "The pools open on Saturday" in queue and post_page(post) in queue
    assert personas.author_a.user.display_name in queue and "alpha_pools" in queue
    # The author waits; nothing waits for them.
    assert "Nothing waits for your approval." in page(
        author, reverse("approval_queue", args=["alpha"])
    )

    assert 'name="verdict"' in page(approver, post_page(post))
    shown = decide(approver, the_round(post), verdict="approve", comment="Fine.")
    assert "Approved: the post may go on the schedule as it is." in shown
    assert "Fine." in shown and 'name="verdict"' not in shown
    assert status_of(post) == PostStatus.APPROVED
    assert "Nothing waits for your approval." in page(
        approver, reverse("approval_queue", args=["alpha"])
    )

    with agency_scope(post.agency_id):
        post.refresh_from_db()
        post_schedule(
            post=post, actor=personas.author_a.user, at=timezone.now() + timedelta(hours=2)
        )
    assert status_of(post) == PostStatus.SCHEDULED


def test_requesting_changes_needs_a_comment_and_sends_the_post_back_to_draft(
    personas: Personas, setting: Setting
) -> None:
    post = setting.post
    submit(personas.client_for(personas.author_a), post)
    approver = personas.client_for(setting.approver)
    round_ = the_round(post)

    shown = decide(approver, round_, verdict="request_changes", comment="  ")
    assert "Say what should change, or why." in shown
    assert the_round(post).state == ApprovalState.PENDING and 'name="verdict"' in shown

    shown = decide(approver, round_, verdict="request_changes", comment="Say which pools.")
    assert "Changes requested: the author is told." in shown
    assert the_round(post).state == ApprovalState.CHANGES_REQUESTED
    assert status_of(post) == PostStatus.DRAFT
    # The history says who asked for what; the author may submit again.
    assert "Say which pools." in shown and "Changes requested" in shown
    assert "Submit for approval" in page(personas.client_for(personas.author_a), post_page(post))


def test_someone_not_an_approver_of_the_step_sees_no_form_and_is_refused(
    personas: Personas, setting: Setting
) -> None:
    post = setting.post
    submit(personas.client_for(personas.author_a), post)
    admin = personas.client_for(personas.admin_a)
    assert 'name="verdict"' not in page(admin, post_page(post))

    shown = decide(admin, the_round(post), verdict="approve")
    assert "You are not an approver of this step." in shown
    with agency_scope(post.agency_id):
        assert not Decision.objects.exists()
    assert status_of(post) == PostStatus.IN_REVIEW


def test_a_post_whose_accounts_need_no_approval_offers_no_submission(
    personas: Personas,
) -> None:
    agency = personas.agency_a
    with agency_scope(agency.pk):
        account = social_account_for(agency)
        publisher_for(agency, account=account, user=personas.author_a.user)
        post = post_create(
            agency=agency, actor=personas.author_a.user, text="Hello", account_ids=[account.pk]
        )
    author = personas.client_for(personas.author_a)
    shown = page(author, post_page(post))
    assert "need no approval" in shown and "Submit for approval" not in shown
    # Sent anyway: the service's refusal, on the post's page.
    assert "need no approval: schedule it when it is ready" in submit(author, post)
