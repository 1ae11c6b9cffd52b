"""Approval chains in pages: every member sees the chains and the chain each account
follows; agency admins make, change and delete them through a form of steps."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Role
from approvals.models import ApprovalChain, StepRule
from approvals.selectors import chain_get
from approvals.services import StepSpec, chain_save
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from publishing.models import SocialAccount
from tests.conftest import Personas
from tests.factories import MembershipFactory, social_account_for

pytestmark = pytest.mark.django_db


def url(name: str, *args: object) -> str:
    return reverse(name, args=["alpha", *args])


def chain_form(
    name: str,
    steps: list[dict[str, Any]],
    *,
    accounts: list[SocialAccount] = (),  # type: ignore[assignment]
    is_default: bool = False,
    initial_steps: int = 0,
) -> dict[str, Any]:
    """Return what the chain form posts: its fields and one row per step (a row's keys
    are the step form's fields; ``{}`` is a blank row)."""
    data: dict[str, Any] = {
        "name": name,
        "accounts": [a.pk for a in accounts],
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(initial_steps),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    if is_default:
        data["is_default"] = "on"
    for index, step in enumerate(steps):
        data |= {f"steps-{index}-{field}": value for field, value in step.items()}
    return data


def counsel(personas: Personas) -> list[Membership]:
    """Two members of agency A named as legal counsel."""
    return [MembershipFactory(agency=personas.agency_a, roles=[Role.AUTHOR]) for _ in range(2)]


def page(client: Client, address: str) -> str:
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


def ticked(html: str, name: str) -> list[str]:
    """Return the values of the boxes or buttons named ``name`` that the page ticks."""
    return re.findall(rf'name="{re.escape(name)}" value="([^"]*)" id="[^"]*" checked', html)


def row_of(html: str, text: str) -> str:
    """Return the table row of the page that holds ``text``."""
    at = html.index(text, html.index("<tbody>"))
    return html[html.rindex("<tr>", 0, at) : html.index("</tr>", at)]


def stored(personas: Personas, name: str) -> ApprovalChain | None:
    with agency_scope(personas.agency_a.pk):
        chain = ApprovalChain.objects.filter(name=name).first()
        return chain_get(chain_id=chain.pk) if chain else None


def test_an_admin_makes_a_two_step_chain_and_sees_which_chain_each_account_follows(
    personas: Personas,
) -> None:
    press = social_account_for(personas.agency_a, handle="alpha_press")
    city = social_account_for(personas.agency_a, handle="alpha_city")
    lawyers = counsel(personas)
    admin = personas.client_for(personas.admin_a)
    form = page(admin, url("approval_chain_new"))
    assert "alpha_press" in form and lawyers[0].user.display_name in form
    assert 'name="steps-TOTAL_FORMS" value="2"' in form

    made = admin.post(
        url("approval_chain_new"),
        chain_form(
            "Communications",
            [
                {"rule": StepRule.ANY, "members": [m.pk for m in lawyers]},
                {"rule": StepRule.ALL, "roles": [Role.APPROVER]},
            ],
            accounts=[press],
        ),
    )
    assert made.status_code == 302 and made.url == url("approval_chain_list")
    chain = stored(personas, "Communications")
    assert chain is not None and not chain.is_default
    steps = list(chain.steps.all())
    assert [(s.rule, s.roles) for s in steps] == [(StepRule.ANY, []), (StepRule.ALL, ["approver"])]
    assert {a.user_id for a in steps[0].approvers.all()} == {m.user_id for m in lawyers}

    chains = page(admin, url("approval_chain_list"))
    assert "Approval chain “Communications” saved." in chains
    assert "Any one of:" in chains and lawyers[1].user.display_name in chains
    assert "All of:" in chains and "members with the role Approver" in chains
    assert "Named by the chain “Communications”." in row_of(chains, press.handle)
    no_default = "No chain names it and the agency has no default."
    assert no_default in row_of(chains, city.handle)

    default = admin.post(
        url("approval_chain_new"),
        chain_form(
            "Everything else", [{"rule": StepRule.ANY, "roles": [Role.ADMIN]}], is_default=True
        ),
    )
    assert default.status_code == 302, default.content.decode()
    chains = page(admin, url("approval_chain_list"))
    assert '<span class="usa-tag">the agency\'s default</span>' in chains
    assert "The agency's default: no chain names it." in chains
    assert no_default not in chains
    assert "The agency's default: no chain names it." in row_of(chains, city.handle)
    assert "Named by the chain “Communications”." in row_of(chains, press.handle)


def test_editing_a_chain_keeps_the_rows_order_leaves_out_blank_rows_and_removes_steps(
    personas: Personas,
) -> None:
    lawyers = counsel(personas)
    with agency_scope(personas.agency_a.pk):
        chain = chain_save(
            agency=personas.agency_a,
            actor=personas.admin_a.user,
            name="Press",
            steps=[
                StepSpec(StepRule.ANY, roles=[Role.APPROVER]),
                StepSpec(StepRule.ALL, user_ids=[lawyers[0].user_id]),
            ],
        )
    admin = personas.client_for(personas.admin_a)
    form = page(admin, url("approval_chain_edit", chain.pk))
    # The two steps, then two blank rows for new ones.
    assert 'name="steps-TOTAL_FORMS" value="4"' in form
    assert 'name="steps-INITIAL_FORMS" value="2"' in form
    assert ticked(form, "steps-0-rule") == [StepRule.ANY]
    assert ticked(form, "steps-0-roles") == [Role.APPROVER]
    assert ticked(form, "steps-1-members") == [str(lawyers[0].pk)]
    assert ticked(form, "steps-2-rule") == []
    assert "Remove this step" in form

    changed = admin.post(
        url("approval_chain_edit", chain.pk),
        chain_form(
            "Press office",
            [
                {"rule": StepRule.ANY, "roles": [Role.APPROVER], "DELETE": "on"},
                {"rule": StepRule.ALL, "members": [lawyers[0].pk]},
                {},
                {"rule": StepRule.ANY, "members": [lawyers[1].pk], "roles": [Role.ADMIN]},
            ],
            initial_steps=2,
        ),
    )
    assert changed.status_code == 302
    chain = stored(personas, "Press office")
    assert chain is not None
    steps = list(chain.steps.all())
    assert [(s.position, s.rule, s.roles) for s in steps] == [
        (1, StepRule.ALL, []),
        (2, StepRule.ANY, ["admin"]),
    ]
    assert [a.user_id for a in steps[1].approvers.all()] == [lawyers[1].user_id]
    with agency_scope(personas.agency_a.pk):
        assert ArchiveEvent.objects.filter(verb="approval_chain.changed").count() == 1


def test_a_step_without_approvers_is_refused_on_its_own_row(personas: Personas) -> None:
    admin = personas.client_for(personas.admin_a)
    refused = admin.post(
        url("approval_chain_new"),
        chain_form(
            "Half done",
            [{"rule": StepRule.ANY, "roles": [Role.APPROVER]}, {}, {"rule": StepRule.ALL}],
        ),
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "There is a problem" in body
    # The second step given is the third row: the message sits in that row's fieldset,
    # and the summary links to its first choice.
    message = "Step 2 has no approvers: name members or choose a role."
    assert body.count(message) == 2
    assert f'<a href="#id_steps-2-rule_0">{message}</a>' in body
    row = body[body.index("Step 3") :]
    assert row.index(message) < row.index('name="steps-2-rule"')
    assert stored(personas, "Half done") is None


def test_a_row_with_approvers_but_no_rule_and_a_taken_name_are_shown_on_their_fields(
    personas: Personas,
) -> None:
    with agency_scope(personas.agency_a.pk):
        chain_save(agency=personas.agency_a, actor=personas.admin_a.user, name="Press", steps=[])
    admin = personas.client_for(personas.admin_a)
    no_rule = admin.post(
        url("approval_chain_new"), chain_form("Legal", [{"roles": [Role.APPROVER]}])
    )
    assert no_rule.status_code == 400
    assert "Choose whether any one or all of them approve." in no_rule.content.decode()

    taken = admin.post(
        url("approval_chain_new"),
        chain_form("Press", [{"rule": StepRule.ANY, "roles": [Role.APPROVER]}]),
    )
    assert taken.status_code == 400
    assert '<a href="#id_name">The agency already has a chain named “Press”.</a>' in (
        taken.content.decode()
    )


def test_a_member_who_is_not_an_admin_sees_the_chains_but_cannot_change_them(
    personas: Personas,
) -> None:
    with agency_scope(personas.agency_a.pk):
        chain = chain_save(
            agency=personas.agency_a,
            actor=personas.admin_a.user,
            name="Press",
            steps=[StepSpec(StepRule.ANY, roles=[Role.APPROVER])],
        )
    author = personas.client_for(personas.author_a)
    chains = page(author, url("approval_chain_list"))
    assert "Press" in chains and "members with the role Approver" in chains
    assert url("approval_chain_new") not in chains
    assert url("approval_chain_edit", chain.pk) not in chains
    refusal = "Only an agency admin can change approval chains."
    assert refusal in page(author, url("approval_chain_new"))
    assert refusal in page(author, url("approval_chain_edit", chain.pk))
    assert "Delete the chain</button>" not in page(author, url("approval_chain_delete", chain.pk))

    steps = [{"rule": StepRule.ANY, "roles": [Role.AUTHOR]}]
    assert author.post(url("approval_chain_new"), chain_form("Mine", steps)).status_code == 403
    changed = author.post(url("approval_chain_edit", chain.pk), chain_form("Mine", steps))
    assert changed.status_code == 403
    assert author.post(url("approval_chain_delete", chain.pk)).status_code == 403
    assert stored(personas, "Mine") is None
    kept = stored(personas, "Press")
    assert kept is not None and [s.roles for s in kept.steps.all()] == [["approver"]]


def test_an_admin_deletes_a_chain_after_confirming_and_the_archive_records_it(
    personas: Personas,
) -> None:
    x = social_account_for(personas.agency_a, handle="alpha_x")
    with agency_scope(personas.agency_a.pk):
        chain = chain_save(
            agency=personas.agency_a,
            actor=personas.admin_a.user,
            name="Press",
            steps=[StepSpec(StepRule.ANY, roles=[Role.APPROVER])],
            account_ids=[x.pk],
        )
    admin = personas.client_for(personas.admin_a)
    assert url("approval_chain_delete", chain.pk) in page(admin, url("approval_chain_list"))
    confirm = page(admin, url("approval_chain_delete", chain.pk))
    assert "Delete the chain “Press”?" in confirm and "Delete the chain</button>" in confirm

    deleted = admin.post(url("approval_chain_delete", chain.pk))
    assert deleted.status_code == 302 and deleted.url == url("approval_chain_list")
    assert stored(personas, "Press") is None
    with agency_scope(personas.agency_a.pk):
        event = ArchiveEvent.objects.get(verb="approval_chain.deleted")
    assert event.data["before"]["accounts"] == [x.pk]
    assert event.actor_id == str(personas.admin_a.user_id)
    chains = page(admin, url("approval_chain_list"))
    assert "The chain “Press” is deleted. The archive keeps a record of it." in chains
    assert admin.get(url("approval_chain_edit", chain.pk)).status_code == 404


def test_the_agency_navigation_leads_to_approvals_and_the_chains_are_one_click_away(
    personas: Personas,
) -> None:
    author = personas.client_for(personas.author_a)
    home = page(author, reverse("agency_home", args=["alpha"]))
    assert f'href="{url("approval_queue")}"' in home
    assert "<span>Approvals</span>" in home
    assert f'href="{url("approval_chain_list")}"' in page(author, url("approval_queue"))
    assert f'href="{url("approval_queue")}"' in page(author, url("approval_chain_list"))
