"""Approval chains through the API: every member reads them; agency admins make,
replace and delete them, members named by member id; refusals are problems that point
at the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Role
from approvals.models import ApprovalChain, StepRule
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import MembershipFactory, api_key_for, social_account_for

pytestmark = pytest.mark.django_db

CHAINS = reverse("approvalchain-list", args=["alpha"])


def detail(chain_id: int) -> str:
    return reverse("approvalchain-detail", args=["alpha", chain_id])


def send(client: Client, method: str, address: str, body: Any = None, **headers: str) -> Any:
    return getattr(client, method)(
        address, body, content_type="application/json", headers=headers or None
    )


def counsel(personas: Personas) -> list[Membership]:
    """Two members of agency A named as legal counsel, by name order."""
    return [
        MembershipFactory(agency=personas.agency_a, roles=[Role.AUTHOR]),
        MembershipFactory(agency=personas.agency_a, roles=[Role.APPROVER]),
    ]


def two_steps(lawyers: list[Membership]) -> list[dict[str, Any]]:
    return [
        {"rule": "any", "members": [m.pk for m in lawyers]},
        {
            "rule": "all",
            "roles": ["approver"],
            "external_approvers": [
                {"name": " Minister's  Office ", "email": "Minister@Example.gov"}
            ],
        },
    ]


MINISTER = {"name": "Minister's Office", "email": "minister@example.gov"}


def test_an_admin_makes_a_two_step_chain_and_reads_it_back(personas: Personas) -> None:
    press = social_account_for(personas.agency_a, handle="alpha_press")
    lawyers = counsel(personas)
    admin = personas.client_for(personas.admin_a)
    body = {"name": "Communications", "accounts": [press.pk], "steps": two_steps(lawyers)}
    made = send(admin, "post", CHAINS, body, **{"Idempotency-Key": "chain-1"})
    assert made.status_code == 201, made.content
    chain = made.json()
    assert chain == {
        "id": chain["id"],
        "name": "Communications",
        "is_default": False,
        "accounts": [press.pk],
        "steps": [
            {
                "rule": "any",
                "roles": [],
                "members": sorted(m.pk for m in lawyers),
                "external_approvers": [],
            },
            {"rule": "all", "roles": ["approver"], "members": [], "external_approvers": [MINISTER]},
        ],
    }
    # Sent again with the same key: the first answer, and still one chain.
    again = send(admin, "post", CHAINS, body, **{"Idempotency-Key": "chain-1"})
    assert (again.status_code, again.json()) == (201, chain)
    with agency_scope(personas.agency_a.pk):
        assert ApprovalChain.objects.count() == 1
        stored = ApprovalChain.objects.get()
        named = {a.user_id for s in stored.steps.all() for a in s.approvers.all()}
        assert named == {m.user_id for m in lawyers}
        assert ArchiveEvent.objects.filter(verb="approval_chain.created").count() == 1

    author = personas.client_for(personas.author_a)
    listed = author.get(CHAINS)
    assert listed.status_code == 200 and listed.json()["results"] == [chain]
    assert author.get(detail(chain["id"])).json() == chain
    page = author.get(reverse("approval_chain_list", args=["alpha"])).content.decode()
    assert "Named by the chain “Communications”." in page


def test_an_admin_key_replaces_a_chain_and_a_new_default_takes_over(personas: Personas) -> None:
    x = social_account_for(personas.agency_a, handle="alpha_x")
    _key, token = api_key_for(personas.agency_a, role=Role.ADMIN)
    admin = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    first = send(admin, "post", CHAINS, {"name": "Old default", "is_default": True, "steps": []})
    assert first.status_code == 201 and first.json()["is_default"] is True
    second = send(
        admin,
        "post",
        CHAINS,
        {"name": "Press", "steps": [{"rule": "any", "roles": ["admin"]}], "accounts": [x.pk]},
    )
    assert second.status_code == 201

    lawyers = counsel(personas)
    replaced = send(
        admin,
        "put",
        detail(second.json()["id"]),
        {"name": "Press office", "is_default": True, "steps": two_steps(lawyers)},
    )
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["name"] == "Press office" and replaced.json()["accounts"] == []
    assert [s["rule"] for s in replaced.json()["steps"]] == ["any", "all"]
    assert send(admin, "get", detail(first.json()["id"])).json()["is_default"] is False
    with agency_scope(personas.agency_a.pk):
        changed = ArchiveEvent.objects.get(verb="approval_chain.changed")
    assert changed.data["before"]["name"] == "Press"
    assert changed.data["after"]["steps"][1] == {
        "rule": "all",
        "roles": ["approver"],
        "users": [],
        "external": [MINISTER],
    }
    assert changed.data["replaces_default"] == "Old default"


def test_a_member_who_is_not_an_admin_reads_chains_but_cannot_change_them(
    personas: Personas,
) -> None:
    admin = personas.client_for(personas.admin_a)
    steps = [{"rule": "any", "roles": ["approver"]}]
    chain = send(admin, "post", CHAINS, {"name": "Press", "steps": steps}).json()
    _key, token = api_key_for(personas.agency_a, role=Role.AUTHOR)
    for author in (
        personas.client_for(personas.author_a),
        Client(HTTP_AUTHORIZATION=f"Bearer {token}"),
    ):
        assert send(author, "get", detail(chain["id"])).status_code == 200
        # Refused before its body is read: even a body that is not valid.
        for method, address, body in (
            ("post", CHAINS, {"name": "Mine", "steps": steps}),
            ("post", CHAINS, {}),
            ("put", detail(chain["id"]), {"name": "Mine", "steps": []}),
            ("delete", detail(chain["id"]), None),
        ):
            refused = send(author, method, address, body)
            assert refused.status_code == 403, (method, refused.content)
            assert refused["Content-Type"] == "application/problem+json"
            assert refused.json()["detail"] == "Only an agency admin can change approval chains."
    assert send(admin, "get", detail(chain["id"])).json() == chain
    with agency_scope(personas.agency_a.pk):
        assert not ArchiveEvent.objects.filter(
            verb__in=["approval_chain.changed", "approval_chain.deleted"]
        ).exists()


@pytest.mark.parametrize(
    ("steps", "pointer", "says"),
    [
        ([{"rule": "any"}], "/steps/0", "Step 1 has no approvers"),
        (
            [{"rule": "any", "roles": ["admin"]}, {"rule": "all", "members": [10**9]}],
            "/steps/1/members",
            f"Step 2 names people who are not active members: {10**9}.",
        ),
    ],
)
def test_a_refused_step_is_a_problem_pointing_at_it(
    personas: Personas, steps: list[dict[str, Any]], pointer: str, says: str
) -> None:
    admin = personas.client_for(personas.admin_a)
    refused = send(admin, "post", CHAINS, {"name": "Bad", "steps": steps})
    assert refused.status_code == 400
    problem = refused.json()
    assert problem["type"].endswith("/refused/")
    assert [e["pointer"] for e in problem["errors"]] == [pointer]
    assert says in problem["detail"]
    with agency_scope(personas.agency_a.pk):
        assert not ApprovalChain.objects.exists()


def test_members_of_another_agency_or_no_longer_active_cannot_be_named(
    personas: Personas,
) -> None:
    gone = MembershipFactory(agency=personas.agency_a, roles=[Role.APPROVER], is_active=False)
    admin = personas.client_for(personas.admin_a)
    for member in (personas.admin_b, gone):
        steps = [{"rule": "any", "members": [member.pk]}]
        refused = send(admin, "post", CHAINS, {"name": "Leaky", "steps": steps})
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["pointer"] == "/steps/0/members"


def test_an_account_another_chain_names_is_refused_at_accounts(personas: Personas) -> None:
    x = social_account_for(personas.agency_a, handle="alpha_x")
    admin = personas.client_for(personas.admin_a)
    steps = [{"rule": "any", "roles": ["approver"]}]
    send(admin, "post", CHAINS, {"name": "Press", "steps": steps, "accounts": [x.pk]})
    refused = send(admin, "post", CHAINS, {"name": "Legal", "steps": steps, "accounts": [x.pk]})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["pointer"] == "/accounts"
    assert "Press" in refused.json()["detail"]


def test_an_admin_deletes_a_chain_and_the_archive_records_it(personas: Personas) -> None:
    admin = personas.client_for(personas.admin_a)
    steps = [{"rule": "any", "roles": ["approver"]}]
    chain = send(admin, "post", CHAINS, {"name": "Press", "steps": steps}).json()
    deleted = send(admin, "delete", detail(chain["id"]))
    assert deleted.status_code == 204
    assert send(admin, "get", detail(chain["id"])).status_code == 404
    with agency_scope(personas.agency_a.pk):
        event = ArchiveEvent.objects.get(verb="approval_chain.deleted")
    assert event.data["before"]["name"] == "Press"
    assert event.data["before"]["steps"] == [
        {"rule": StepRule.ANY, "roles": ["approver"], "users": [], "external": []}
    ]
