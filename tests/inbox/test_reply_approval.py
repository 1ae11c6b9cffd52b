"""Replies through approval: where the agency's replies pass approval, a reply on an
account whose chain has steps waits for the chain's members, step by step, as a post
does; only its last approval sends it, and a round ended otherwise never sends it. The
content rules check every reply; every step is on the record."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db.models.functions import Now
from django.test import Client
from django.urls import reverse

from accounts.models import Agency, Membership, Role
from approvals.models import Approval, ApprovalState, RuleSeverity, StepRule, Verdict
from approvals.rules import ContentRefused
from approvals.services import StepSpec, chain_save, content_rules_save
from archive.models import ArchiveEvent
from govsocial.celery import app
from govsocial.errors import Conflict, GovsocialError, PermissionDenied
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem, InboxReply, ReplyState
from inbox.replies import reply_create, reply_decide, reply_send
from publishing.models import SocialAccount
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import MembershipFactory, api_key_for, coverage_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def approvers(personas: Personas, account: SocialAccount) -> tuple[Membership, Membership]:
    """Replies of agency A pass approval; the account's chain asks any approver, then
    its counsel (named)."""
    first = MembershipFactory(agency=personas.agency_a, roles=[Role.APPROVER])
    counsel = MembershipFactory(agency=personas.agency_a, roles=[Role.VIEWER])
    with agency_scope(personas.agency_a.pk):
        chain_save(
            agency=personas.agency_a,
            actor=personas.admin_a.user,
            name="Comms then counsel",
            steps=[
                StepSpec(StepRule.ANY, roles=[Role.APPROVER]),
                StepSpec(StepRule.ALL, user_ids=[counsel.user_id]),
            ],
            account_ids=[account.pk],
        )
    coverage_for(personas.agency_a, replies_need_approval=True)
    return first, counsel


@pytest.fixture
def committing(django_capture_on_commit_callbacks: Any) -> Iterator[Callable[[], Any]]:
    """Run what a transaction leaves for after its commit (emails, a reply handed to
    a worker, which runs it at once): ``with committing(): …``."""
    app.conf.task_always_eager = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = False


def page(personas: Personas, member: Membership, item: InboxItem, data: dict[str, str]) -> str:
    """Send a form of the item's page as ``member``; return the page it leads to."""
    url = reverse("inbox_item", args=["alpha", item.pk])
    return personas.client_for(member).post(url, data, follow=True).content.decode()


def approvals_page(personas: Personas, member: Membership) -> str:
    """Return what waits for ``member``'s approval, as the *Approvals* page shows it."""
    url = reverse("approval_queue", args=["alpha"])
    return personas.client_for(member).get(url).content.decode()


def reply_of(agency: Agency) -> InboxReply:
    with agency_scope(agency.pk):
        return InboxReply.objects.select_related("approval").get()


def due_and_sent(agency: Agency, reply: InboxReply) -> InboxReply | None:
    """Try to send ``reply`` now, as the account's poll would."""
    with agency_scope(agency.pk):
        InboxReply.objects.filter(pk=reply.pk).update(next_attempt_at=Now())
        return reply_send(reply_id=reply.pk)


def on_the_network(quiet: Emulator, item: InboxItem) -> list[str]:
    return [
        str(post["text"])
        for post in quiet.posts(network="mastodon", account="riverton", origin="account")
        if post["in_reply_to"] == item.remote_id
    ]


def verbs(agency: Agency) -> list[str]:
    with agency_scope(agency.pk):
        return list(
            ArchiveEvent.objects.filter(verb__in=["inbox.reply_written", "approval.decided"])
            .order_by("id")
            .values_list("verb", flat=True)
        )


def test_a_reply_goes_out_only_after_the_last_step_approves_it(
    personas: Personas,
    item: InboxItem,
    approvers: tuple[Membership, Membership],
    quiet: Emulator,
    mailoutbox: list[Any],
    committing: Callable[[], Any],
) -> None:
    first, counsel = approvers
    with committing():
        shown = page(personas, personas.author_a, item, {"text": "Yes, until 8 p.m. today."})
    assert "Your reply waits for approval" in shown
    waiting = reply_of(personas.agency_a)
    assert waiting.state == ReplyState.IN_REVIEW
    assert waiting.approval is not None and waiting.approval.post_id is None
    assert waiting.approval.steps[0]["approvers"] == [first.user_id]
    # Nothing unapproved goes out, however often it is tried.
    assert due_and_sent(personas.agency_a, waiting) is None
    assert on_the_network(quiet, item) == []
    assert [mail.to for mail in mailoutbox] == [[first.user.email]]
    assert "step 1 of 2" in mailoutbox[0].body and "until 8 p.m." in mailoutbox[0].body

    # The first approver finds it in the inbox and among what waits for their approval
    # (counsel, at the second step, not yet), then decides on the item's page.
    listed = personas.client_for(first).get(reverse("inbox_list", args=["alpha"]))
    assert "1 reply waits for your approval" in listed.content.decode()
    listed_reply = f'href="{reverse("inbox_item", args=["alpha", item.pk])}">Yes, until 8 p.m.'
    assert listed_reply in approvals_page(personas, first)
    assert "No reply waits for your approval." in approvals_page(personas, counsel)
    with committing():
        shown = page(
            personas, first, item, {"reply": str(waiting.pk), "verdict": "approve", "comment": ""}
        )
    assert "Your decision is recorded." in shown
    after_first = reply_of(personas.agency_a)
    assert after_first.state == ReplyState.IN_REVIEW and after_first.approval.step == 2  # type: ignore[union-attr]
    assert mailoutbox[-1].to == [counsel.user.email] and "step 2 of 2" in mailoutbox[-1].body
    assert listed_reply in approvals_page(personas, counsel)
    assert "No reply waits for your approval." in approvals_page(personas, first)
    assert due_and_sent(personas.agency_a, after_first) is None

    # Counsel decides through the API; the reply is then queued and sent once.
    with committing():
        answer = (
            personas.client_for(counsel)
            .post(
                f"/api/agencies/alpha/inbox/replies/{waiting.pk}/decide/",
                {"verdict": "approve"},
                content_type="application/json",
            )
            .json()
        )
    assert answer["state"] == "queued" and answer["approval"]["state"] == "approved"
    assert [d["decided_by"] for d in answer["approval"]["decisions"]] == [
        first.user.email,
        counsel.user.email,
    ]
    # Handed to a worker once committed, it went out at once.
    assert reply_of(personas.agency_a).state == ReplyState.SENT
    (went_out,) = on_the_network(quiet, item)
    assert went_out.endswith("Yes, until 8 p.m. today.")
    assert mailoutbox[-1].to == [personas.author_a.user.email]
    assert "approved" in mailoutbox[-1].body
    assert verbs(personas.agency_a) == [
        "inbox.reply_written",
        "approval.decided",
        "approval.decided",
    ]


def test_a_reply_not_approved_is_never_sent_and_its_writer_hears_why(
    personas: Personas,
    item: InboxItem,
    approvers: tuple[Membership, Membership],
    quiet: Emulator,
    mailoutbox: list[Any],
    committing: Callable[[], Any],
) -> None:
    first, _ = approvers
    page(personas, personas.author_a, item, {"text": "Maybe, ask later."})
    waiting = reply_of(personas.agency_a)
    refused = page(
        personas, first, item, {"reply": str(waiting.pk), "verdict": "reject", "comment": ""}
    )
    assert "Say what should change, or why." in refused
    assert reply_of(personas.agency_a).state == ReplyState.IN_REVIEW
    with committing():
        page(
            personas,
            first,
            item,
            {"reply": str(waiting.pk), "verdict": "reject", "comment": "Give the hours."},
        )
    ended = reply_of(personas.agency_a)
    assert ended.state == ReplyState.NOT_APPROVED and ended.failure_reason == "Give the hours."
    assert ended.approval is not None and ended.approval.state == ApprovalState.REJECTED
    assert due_and_sent(personas.agency_a, ended) is None
    assert on_the_network(quiet, item) == []
    assert mailoutbox[-1].to == [personas.author_a.user.email]
    assert "Give the hours." in mailoutbox[-1].body
    shown = personas.client_for(personas.author_a).get(
        reverse("inbox_item", args=["alpha", item.pk])
    )
    assert "Not approved" in shown.content.decode()
    with agency_scope(personas.agency_a.pk):
        decided = ArchiveEvent.objects.get(verb="approval.decided")
    assert decided.data["verdict"] == Verdict.REJECT and decided.data["state"] == "rejected"
    assert decided.object_type == "inbox.inboxreply"


def test_who_may_decide_on_a_reply(
    personas: Personas, item: InboxItem, approvers: tuple[Membership, Membership]
) -> None:
    first, counsel = approvers
    with agency_scope(personas.agency_a.pk):
        reply = reply_create(item=item, text="Open until 8.", actor=personas.author_a.user)
        with pytest.raises(PermissionDenied, match="their own reply"):
            reply_decide(reply=reply, actor=personas.author_a.user, verdict=Verdict.APPROVE)
        with pytest.raises(PermissionDenied, match="not an approver of this step"):
            reply_decide(reply=reply, actor=counsel.user, verdict=Verdict.APPROVE)
        key, _ = api_key_for(personas.agency_a)
        with pytest.raises(PermissionDenied, match="API keys"):
            reply_decide(reply=reply, actor=key, verdict=Verdict.APPROVE)
        reply_decide(reply=reply, actor=first.user, verdict=Verdict.APPROVE)
        with pytest.raises(PermissionDenied, match="not an approver of this step"):
            reply_decide(reply=reply, actor=first.user, verdict=Verdict.APPROVE)
        coverage_for(personas.agency_a)
        straight = reply_create(item=item, text="Also Sundays.", actor=personas.author_a.user)
        assert straight.state == ReplyState.QUEUED and straight.approval is None
        with pytest.raises(Conflict, match="needed no approval"):
            reply_decide(reply=straight, actor=first.user, verdict=Verdict.APPROVE)


def test_the_api_lists_the_replies_waiting_for_me_and_keys_decide_nothing(
    personas: Personas, item: InboxItem, approvers: tuple[Membership, Membership]
) -> None:
    first, counsel = approvers
    with agency_scope(personas.agency_a.pk):
        reply = reply_create(item=item, text="Open until 8.", actor=personas.author_a.user)
    listed = personas.client_for(first).get("/api/agencies/alpha/inbox/replies/?mine=true").json()
    assert [row["id"] for row in listed["results"]] == [reply.pk]
    assert listed["results"][0]["approval"]["deciding"] == [first.user.email]
    assert listed["results"][0]["approval"]["steps"] == 2
    nobody = personas.client_for(counsel).get("/api/agencies/alpha/inbox/replies/?mine=true")
    assert nobody.json()["results"] == []
    _, token = api_key_for(personas.agency_a)
    key = Client(headers={"Authorization": f"Bearer {token}"})
    assert key.get("/api/agencies/alpha/inbox/replies/?mine=true").json()["results"] == []
    refused = key.post(
        f"/api/agencies/alpha/inbox/replies/{reply.pk}/decide/",
        {"verdict": "approve"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    other = personas.client_for(personas.admin_b).get(
        f"/api/agencies/beta/inbox/replies/{reply.pk}/"
    )
    assert other.status_code == 404


def test_a_chain_whose_step_only_outsiders_decide_cannot_approve_replies(
    personas: Personas, item: InboxItem, account: SocialAccount
) -> None:
    with agency_scope(personas.agency_a.pk):
        chain_save(
            agency=personas.agency_a,
            actor=personas.admin_a.user,
            name="Outside counsel",
            steps=[StepSpec(StepRule.ANY, externals=[("Ann Law", "ann@law.example")])],
            account_ids=[account.pk],
        )
    coverage_for(personas.agency_a, replies_need_approval=True)
    with agency_scope(personas.agency_a.pk):
        with pytest.raises(GovsocialError, match="Nobody but the author could approve step 1"):
            reply_create(item=item, text="Open until 8.", actor=personas.author_a.user)
        assert not InboxReply.objects.exists() and not Approval.objects.exists()


def test_the_content_rules_check_every_reply(personas: Personas, item: InboxItem) -> None:
    with agency_scope(personas.agency_a.pk):
        content_rules_save(
            agency=personas.agency_a,
            actor=personas.admin_a.user,
            blocked_terms=["idiot"],
            warned_terms=["closed"],
            sensitive=RuleSeverity.OFF,
            published_contacts=[],
            internal_hosts=[],
            guidelines="",
        )
        with pytest.raises(ContentRefused, match="do not allow this reply") as blocked:
            reply_create(item=item, text="Only an idiot asks.", actor=personas.author_a.user)
        assert blocked.value.field == "text"
    shown = page(personas, personas.author_a, item, {"text": "The pool is closed today."})
    assert "Read the content rules" in shown and 'name="acknowledge_warnings"' in shown
    with agency_scope(personas.agency_a.pk):
        assert not InboxReply.objects.exists()
    page(
        personas,
        personas.author_a,
        item,
        {"text": "The pool is closed today.", "acknowledge_warnings": "on"},
    )
    assert reply_of(personas.agency_a).state == ReplyState.QUEUED
