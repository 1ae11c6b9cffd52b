"""Approval chains: agency admins say which steps a post goes through, who decides at
each, and for which accounts; a post follows the strictest chain of its accounts."""

from __future__ import annotations

import pytest

from accounts.models import Agency, Role
from approvals.models import ApprovalChain, StepRule
from approvals.selectors import chain_for_accounts, chain_get
from approvals.services import StepSpec, chain_delete, chain_save
from archive.models import ArchiveEvent
from govsocial.errors import GovsocialError, PermissionDenied
from publishing.models import SocialAccount
from tests.conftest import Personas
from tests.factories import MembershipFactory, social_account_for

pytestmark = pytest.mark.django_db


def two_steps(personas: Personas) -> list[StepSpec]:
    """Legal counsel (either of two named members), then every approver."""
    counsel = [MembershipFactory(agency=personas.agency_a).user.pk for _ in range(2)]
    return [
        StepSpec(StepRule.ANY, user_ids=counsel),
        StepSpec(StepRule.ALL, roles=[Role.APPROVER]),
    ]


def test_an_admin_makes_a_two_step_chain_for_chosen_accounts(
    personas: Personas, in_agency_a: Agency
) -> None:
    x = social_account_for(in_agency_a)
    steps = two_steps(personas)
    chain = chain_save(
        agency=in_agency_a,
        actor=personas.admin_a.user,
        name=" Communications ",
        steps=steps,
        account_ids=[x.pk],
    )
    stored = chain_get(chain_id=chain.pk)
    assert stored is not None and stored.name == "Communications"
    saved = list(stored.steps.all())
    assert [(s.position, s.rule, s.roles) for s in saved] == [
        (1, StepRule.ANY, []),
        (2, StepRule.ALL, [Role.APPROVER]),
    ]
    assert sorted(a.user_id for a in saved[0].approvers.all()) == sorted(steps[0].user_ids)
    assert [link.account_id for link in stored.accounts.all()] == [x.pk]
    event = ArchiveEvent.objects.get(verb="approval_chain.created")
    assert event.data["after"]["accounts"] == [x.pk]
    assert event.data["after"]["steps"][1] == {
        "rule": "all",
        "roles": ["approver"],
        "users": [],
        "external": [],
    }


def test_only_an_admin_changes_chains(personas: Personas, in_agency_a: Agency) -> None:
    with pytest.raises(PermissionDenied):
        chain_save(
            agency=in_agency_a,
            actor=personas.author_a.user,
            name="Mine",
            steps=[StepSpec(StepRule.ANY, roles=[Role.ADMIN])],
        )
    assert not ApprovalChain.objects.exists()


@pytest.mark.parametrize(
    ("step", "field"),
    [
        (StepSpec(StepRule.ANY), "steps.0"),
        (StepSpec("most", roles=[Role.APPROVER]), "steps.0.rule"),
        (StepSpec(StepRule.ANY, roles=["minister"]), "steps.0.roles"),
        (StepSpec(StepRule.ANY, user_ids=[10**9]), "steps.0.users"),
    ],
)
def test_a_step_must_name_real_approvers(
    personas: Personas, in_agency_a: Agency, step: StepSpec, field: str
) -> None:
    with pytest.raises(GovsocialError) as refused:
        chain_save(agency=in_agency_a, actor=personas.admin_a.user, name="Bad", steps=[step])
    assert refused.value.field == field
    assert not ApprovalChain.objects.exists()


def test_a_member_of_another_agency_cannot_approve_here(
    personas: Personas, in_agency_a: Agency
) -> None:
    stranger = personas.admin_b.user
    with pytest.raises(GovsocialError) as refused:
        chain_save(
            agency=in_agency_a,
            actor=personas.admin_a.user,
            name="Leaky",
            steps=[StepSpec(StepRule.ANY, user_ids=[stranger.pk])],
        )
    assert str(stranger.pk) in refused.value.message


def test_an_account_follows_one_chain_and_names_are_unique(
    personas: Personas, in_agency_a: Agency
) -> None:
    x = social_account_for(in_agency_a)
    admin = personas.admin_a.user
    steps = [StepSpec(StepRule.ANY, roles=[Role.APPROVER])]
    chain_save(agency=in_agency_a, actor=admin, name="Press", steps=steps, account_ids=[x.pk])
    with pytest.raises(GovsocialError) as taken:
        chain_save(agency=in_agency_a, actor=admin, name="Legal", steps=steps, account_ids=[x.pk])
    assert taken.value.field == "accounts" and "Press" in taken.value.message
    with pytest.raises(GovsocialError) as twice:
        chain_save(agency=in_agency_a, actor=admin, name="Press", steps=steps)
    assert twice.value.field == "name"


def test_another_agencys_account_cannot_be_named(personas: Personas, in_agency_a: Agency) -> None:
    theirs = social_account_for(personas.agency_b)
    with pytest.raises(GovsocialError) as refused:
        chain_save(
            agency=in_agency_a,
            actor=personas.admin_a.user,
            name="Theirs",
            steps=[StepSpec(StepRule.ANY, roles=[Role.APPROVER])],
            account_ids=[theirs.pk],
        )
    assert refused.value.field == "accounts"


def test_a_post_follows_the_strictest_chain_of_its_accounts(
    personas: Personas, in_agency_a: Agency
) -> None:
    admin = personas.admin_a.user
    x, mastodon, bluesky, exempt = (social_account_for(in_agency_a) for _ in range(4))
    one = [StepSpec(StepRule.ANY, roles=[Role.APPROVER])]
    default = chain_save(
        agency=in_agency_a, actor=admin, name="Default", steps=one, is_default=True
    )
    press = chain_save(
        agency=in_agency_a,
        actor=admin,
        name="Press",
        steps=two_steps(personas),
        account_ids=[mastodon.pk],
    )
    chain_save(agency=in_agency_a, actor=admin, name="None", steps=[], account_ids=[exempt.pk])

    alone = chain_for_accounts(account_ids=[x.pk])
    assert alone.chain == default and alone.needs_approval
    both = chain_for_accounts(account_ids=[x.pk, mastodon.pk, bluesky.pk])
    assert both.chain == press
    assert both.by_account == {x.pk: default, mastodon.pk: press, bluesky.pk: default}
    free = chain_for_accounts(account_ids=[exempt.pk])
    assert free.chain is not None and free.chain.name == "None" and not free.needs_approval


def test_without_chains_no_post_needs_approval(personas: Personas, in_agency_a: Agency) -> None:
    x = social_account_for(in_agency_a)
    choice = chain_for_accounts(account_ids=[x.pk])
    assert choice.chain is None and not choice.needs_approval
    assert choice.by_account == {x.pk: None}


def test_a_new_default_replaces_the_old_one_and_says_so(
    personas: Personas, in_agency_a: Agency
) -> None:
    admin = personas.admin_a.user
    steps = [StepSpec(StepRule.ANY, roles=[Role.APPROVER])]
    old = chain_save(agency=in_agency_a, actor=admin, name="Old", steps=steps, is_default=True)
    new = chain_save(agency=in_agency_a, actor=admin, name="New", steps=steps, is_default=True)
    old.refresh_from_db()
    assert not old.is_default and new.is_default
    event = ArchiveEvent.objects.filter(verb="approval_chain.created").order_by("-id")[0]
    assert event.data["replaces_default"] == "Old"


def test_changing_a_chain_records_before_and_after_and_deleting_frees_its_accounts(
    personas: Personas, in_agency_a: Agency
) -> None:
    admin = personas.admin_a.user
    x = social_account_for(in_agency_a)
    chain = chain_save(
        agency=in_agency_a,
        actor=admin,
        name="Press",
        steps=[StepSpec(StepRule.ANY, roles=[Role.APPROVER])],
        account_ids=[x.pk],
    )
    chain_save(
        agency=in_agency_a,
        actor=admin,
        chain=chain,
        name="Press office",
        steps=two_steps(personas),
        account_ids=[x.pk],
    )
    changed = ArchiveEvent.objects.get(verb="approval_chain.changed")
    assert changed.data["before"]["name"] == "Press"
    assert len(changed.data["before"]["steps"]) == 1 and len(changed.data["after"]["steps"]) == 2
    chain_delete(chain=chain, actor=admin)
    assert ArchiveEvent.objects.get(verb="approval_chain.deleted").data["before"]["accounts"] == [
        x.pk
    ]
    assert chain_for_accounts(account_ids=[x.pk]).chain is None


def test_each_account_is_marked_by_the_chain_it_follows_even_one_connected_later(
    personas: Personas, in_agency_a: Agency
) -> None:
    admin = personas.admin_a.user
    named, by_default, exempt = (social_account_for(in_agency_a) for _ in range(3))
    one = [StepSpec(StepRule.ANY, roles=[Role.APPROVER])]
    chain_save(agency=in_agency_a, actor=admin, name="Press", steps=one, account_ids=[named.pk])
    chain_save(agency=in_agency_a, actor=admin, name="Free", steps=[], account_ids=[exempt.pk])
    default = chain_save(agency=in_agency_a, actor=admin, name="All", steps=one, is_default=True)
    later = social_account_for(in_agency_a)

    def marks() -> list[bool]:
        return [
            SocialAccount.objects.get(pk=account.pk).approval_required
            for account in (named, by_default, exempt, later)
        ]

    assert marks() == [True, True, False, True]
    chain_delete(chain=default, actor=admin)
    assert marks() == [True, False, False, False]
