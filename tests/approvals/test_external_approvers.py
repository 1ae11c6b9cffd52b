"""Approvers outside govsocial (a minister's office, legal counsel): named at a step,
each is emailed a signed link when the step starts; the link shows the post as each
network would, takes one decision before it expires, and the round records it with the
person it was sent to."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from approvals.decisions import approval_decide, post_submit
from approvals.models import Approval, ApprovalState, ExternalLink, StepRule, Verdict
from approvals.services import StepSpec, chain_save
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from publishing.models import Post, PostStatus
from tests.approvals.test_decisions import draft, member
from tests.conftest import Personas
from tests.factories import publisher_for, social_account_for

pytestmark = pytest.mark.django_db

MINISTER = ("Minister's Office", "minister@example.gov")
LINK = re.compile(r"http://\S+/approvals/external/(\S+)/")


def submitted(personas: Personas, mails: Callable[..., Any]) -> tuple[Post, Approval, Membership]:
    """Return the author's draft for an account whose chain is any approver, then the
    minister's office, submitted; its round; and the approver."""
    agency = personas.agency_a
    approver = member(agency, Role.APPROVER)
    with agency_scope(agency.pk):
        account = social_account_for(agency, handle="alpha_pools")
        publisher_for(agency, account=account, user=personas.author_a.user)
        chain_save(
            agency=agency,
            actor=personas.admin_a.user,
            name="Comms then the minister",
            steps=[
                StepSpec(StepRule.ANY, roles=[Role.APPROVER]),
                StepSpec(StepRule.ALL, externals=[MINISTER]),
            ],
            account_ids=[account.pk],
        )
        post = draft(personas, account, text="The pools open on Saturday")
        with mails(execute=True):
            round_ = post_submit(post=post, actor=personas.author_a.user)
    return post, round_, approver


def link_sent(mailoutbox: list[Any]) -> tuple[str, str]:
    """Return the address of the last link emailed, and its token."""
    found = LINK.search(mailoutbox[-1].body)
    assert found is not None, mailoutbox[-1].body
    return found.group(0).removeprefix("http://localhost:8000"), found.group(1)


def first_step_approved(
    personas: Personas,
    round_: Approval,
    approver: Membership,
    mails: Callable[..., Any],
) -> None:
    with agency_scope(personas.agency_a.pk), mails(execute=True):
        approval_decide(approval=round_, actor=approver.user, verdict=Verdict.APPROVE)


def test_the_second_steps_person_outside_approves_once_through_the_link(
    personas: Personas,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    post, round_, approver = submitted(personas, django_capture_on_commit_callbacks)
    # Nobody outside is asked before their step.
    assert not any(m.to == [MINISTER[1]] for m in mailoutbox)
    first_step_approved(personas, round_, approver, django_capture_on_commit_callbacks)
    assert mailoutbox[-1].to == [MINISTER[1]]
    assert personas.agency_a.name in mailoutbox[-1].subject
    address, _token = link_sent(mailoutbox)

    outside = Client()
    shown = outside.get(address).content.decode()
    assert "The pools open on Saturday" in shown and "alpha_pools" in shown
    assert "Minister&#x27;s Office" in shown
    with django_capture_on_commit_callbacks(execute=True):
        decided = outside.post(address, {"verdict": "approve", "comment": "Fine by us."})
    assert decided.status_code == 200
    assert "Your decision is recorded" in decided.content.decode()
    with agency_scope(personas.agency_a.pk):
        round_.refresh_from_db()
        post.refresh_from_db()
        link = ExternalLink.objects.get(approval=round_)
        event = ArchiveEvent.objects.filter(verb="approval.decided").order_by("-id")[0]
    assert (round_.state, post.status) == (ApprovalState.APPROVED, PostStatus.APPROVED)
    assert (link.verdict, link.comment, link.used_at is not None) == (
        "approve",
        "Fine by us.",
        True,
    )
    assert (event.actor_type, event.actor_name) == (
        "external",
        "Minister's Office <minister@example.gov>",
    )
    assert event.data["link"] == link.pk and event.data["post_approved"] is True
    assert mailoutbox[-1].to == [personas.author_a.user.email]

    # Once only.
    again = outside.post(address, {"verdict": "reject", "comment": "No."})
    assert again.status_code == 410
    assert "This link no longer works" in again.content.decode()
    # The post's page and the API show who decided, and how.
    page = personas.client_for(personas.author_a).get(
        reverse("post_detail", args=["alpha", post.pk])
    )
    assert "outside govsocial, through the link sent to them" in page.content.decode()
    answer = personas.client_for(personas.author_a).get(
        reverse("approval-detail", args=["alpha", round_.pk])
    )
    assert answer.json()["external_decisions"][0]["email"] == MINISTER[1]
    assert answer.json()["steps"][1]["external_approvers"] == [
        {"name": MINISTER[0], "email": MINISTER[1]}
    ]


def test_changes_asked_through_the_link_need_a_comment_and_go_back_to_the_author(
    personas: Personas,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    post, round_, approver = submitted(personas, django_capture_on_commit_callbacks)
    first_step_approved(personas, round_, approver, django_capture_on_commit_callbacks)
    address, _token = link_sent(mailoutbox)
    outside = Client()
    refused = outside.post(address, {"verdict": "request_changes", "comment": " "})
    assert refused.status_code == 400
    assert "Say what should change, or why." in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        outside.post(address, {"verdict": "request_changes", "comment": "Add the hours."})
    with agency_scope(personas.agency_a.pk):
        round_.refresh_from_db()
        post.refresh_from_db()
    assert (round_.state, post.status) == (ApprovalState.CHANGES_REQUESTED, PostStatus.DRAFT)
    assert mailoutbox[-1].to == [personas.author_a.user.email]
    assert "Minister's Office asks for changes" in mailoutbox[-1].body


def test_an_expired_unknown_or_stale_link_does_not_decide(
    personas: Personas,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _post, round_, approver = submitted(personas, django_capture_on_commit_callbacks)
    first_step_approved(personas, round_, approver, django_capture_on_commit_callbacks)
    address, token = link_sent(mailoutbox)
    outside = Client()
    assert outside.get(address.replace(token, "not-a-token")).status_code == 404
    # Another agency's address: the token names nothing there.
    assert outside.get(address.replace("/alpha/", "/beta/")).status_code == 404
    with agency_scope(personas.agency_a.pk):
        ExternalLink.objects.filter(approval=round_).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    expired = outside.post(address, {"verdict": "approve"})
    assert expired.status_code == 410
    with agency_scope(personas.agency_a.pk):
        round_.refresh_from_db()
        assert round_.state == ApprovalState.PENDING
        assert not ExternalLink.objects.filter(approval=round_, used_at__isnull=False).exists()
