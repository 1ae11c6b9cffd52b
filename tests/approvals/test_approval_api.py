"""Approval through the API: submit a draft, list the rounds waiting for me, decide;
refusals (deciding on one's own post, an API key) are problems."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Role
from approvals.models import Approval, StepRule
from approvals.services import StepSpec, chain_save
from govsocial.tenancy import agency_scope
from publishing.models import Post, PostStatus
from publishing.services import post_create
from tests.conftest import Personas
from tests.factories import MembershipFactory, api_key_for, publisher_for, social_account_for

pytestmark = pytest.mark.django_db

ROUNDS = reverse("approval-list", args=["alpha"])


def send(client: Client, address: str, body: Any = None, **headers: str) -> Any:
    return client.post(address, body, content_type="application/json", headers=headers or None)


def decide_url(approval_id: int) -> str:
    return reverse("approval-decide", args=["alpha", approval_id])


@pytest.fixture
def approvers(personas: Personas) -> list[Membership]:
    """Two approvers, and the author holding the approver role too."""
    with agency_scope(personas.agency_a.pk):
        Membership.objects.filter(pk=personas.author_a.pk).update(
            roles=[Role.AUTHOR, Role.APPROVER]
        )
    return [MembershipFactory(agency=personas.agency_a, roles=[Role.APPROVER]) for _ in range(2)]


@pytest.fixture
def post(personas: Personas, approvers: list[Membership]) -> Post:
    """A draft by the author for an account whose chain asks any one approver."""
    agency = personas.agency_a
    with agency_scope(agency.pk):
        account = social_account_for(agency)
        publisher_for(agency, account=account, user=personas.author_a.user)
        chain_save(
            agency=agency,
            actor=personas.admin_a.user,
            name="Approvers",
            steps=[StepSpec(StepRule.ANY, roles=[Role.APPROVER])],
            account_ids=[account.pk],
        )
        return post_create(
            agency=agency, actor=personas.author_a.user, text="Road works", account_ids=[account.pk]
        )


def test_submit_list_mine_and_decide(
    personas: Personas, approvers: list[Membership], post: Post
) -> None:
    author = personas.client_for(personas.author_a)
    made = send(author, ROUNDS, {"post": post.pk}, **{"Idempotency-Key": "round-1"})
    assert made.status_code == 201, made.content
    round_ = made.json()
    assert round_["post"] == post.pk and round_["state"] == "pending" and round_["step"] == 1
    assert round_["chain"] == "Approvers" and round_["submitted_by"] == personas.author_a.user.email
    # Never the author, though they hold the role.
    [step] = round_["steps"]
    assert step["rule"] == "any"
    assert sorted(step["approvers"]) == sorted(m.user.email for m in approvers)
    assert round_["decisions"] == []
    again = send(author, ROUNDS, {"post": post.pk}, **{"Idempotency-Key": "round-1"})
    assert (again.status_code, again.json()) == (201, round_)
    with agency_scope(personas.agency_a.pk):
        assert Approval.objects.count() == 1

    approver = personas.client_for(approvers[0])
    mine = approver.get(ROUNDS, {"mine": "true"})
    assert mine.status_code == 200 and [r["id"] for r in mine.json()["results"]] == [round_["id"]]
    assert author.get(ROUNDS, {"mine": "true"}).json()["results"] == []
    assert [r["id"] for r in author.get(ROUNDS, {"post": post.pk}).json()["results"]] == [
        round_["id"]
    ]

    refused = send(approver, decide_url(round_["id"]), {"verdict": "reject"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"pointer": "/comment", "detail": "Say what should change, or why."}
    ]

    decided = send(approver, decide_url(round_["id"]), {"verdict": "approve", "comment": "Ok"})
    assert decided.status_code == 200, decided.content
    body = decided.json()
    assert body["state"] == "approved" and body["closed_at"] is not None
    assert [(d["decided_by"], d["verdict"], d["comment"]) for d in body["decisions"]] == [
        (approvers[0].user.email, "approve", "Ok")
    ]
    assert approver.get(ROUNDS, {"mine": "true"}).json()["results"] == []
    detail = approver.get(reverse("approval-detail", args=["alpha", round_["id"]]))
    assert detail.status_code == 200 and detail.json() == body
    with agency_scope(personas.agency_a.pk):
        post.refresh_from_db()
        assert post.status == PostStatus.APPROVED


def test_the_author_who_holds_the_approver_role_cannot_approve_their_own_post(
    personas: Personas, post: Post
) -> None:
    author = personas.client_for(personas.author_a)
    round_ = send(author, ROUNDS, {"post": post.pk}).json()
    refused = send(author, decide_url(round_["id"]), {"verdict": "approve"})
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"] == "Nobody approves their own post."


def test_an_api_key_reads_rounds_but_neither_submits_nor_decides(
    personas: Personas, approvers: list[Membership], post: Post
) -> None:
    _key, token = api_key_for(personas.agency_a)
    key = Client(headers={"Authorization": f"Bearer {token}"})
    refused = send(key, ROUNDS, {"post": post.pk})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Approvals are given by people, not by API keys."

    round_ = send(personas.client_for(personas.author_a), ROUNDS, {"post": post.pk}).json()
    assert [r["id"] for r in key.get(ROUNDS).json()["results"]] == [round_["id"]]
    assert key.get(ROUNDS, {"mine": "true"}).json()["results"] == []
    refused = send(key, decide_url(round_["id"]), {"verdict": "approve"})
    assert refused.status_code == 403


def test_an_unknown_post_and_a_bad_filter_are_problems(personas: Personas) -> None:
    admin = personas.client_for(personas.admin_a)
    missing = send(admin, ROUNDS, {"post": 999999})
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["pointer"] == "/post"
    assert admin.get(ROUNDS, {"mine": "perhaps"}).status_code == 400
    assert admin.get(ROUNDS, {"post": "x"}).status_code == 400
