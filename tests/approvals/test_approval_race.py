"""An approval and an edit of the same post at the same moment, in threads of their own
on committed data: whichever comes first, what ends up approved is exactly what the post
says, and an edit that lands after the approval leaves nothing approved to go out."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.db import connection
from django.utils import timezone

from accounts.models import Agency, Role, User
from approvals.decisions import approval_decide, post_submit
from approvals.models import Approval, StepRule, Verdict
from approvals.services import StepSpec, chain_save
from govsocial.errors import Conflict, GovsocialError
from govsocial.tenancy import agency_scope
from publishing.content import post_content_hash
from publishing.models import Post, PostStatus
from publishing.selectors import post_get
from publishing.services import post_create, post_schedule
from tests.approvals.test_decisions import rewritten
from tests.factories import MembershipFactory, publisher_for, social_account_for

ROUNDS = 12
# Seconds each side may take on a loaded machine before the test calls it stuck.
STUCK = 120


def _both_at_once(agency: Agency, *sides: Callable[[], str]) -> list[str]:
    """Run ``sides`` in threads released together, the agency bound in each; return
    what each said (its refusal's class name when it was refused)."""
    start = threading.Barrier(len(sides))
    said = [""] * len(sides)

    def run(index: int, side: Callable[[], str]) -> None:
        try:
            with agency_scope(agency.pk):
                start.wait(timeout=STUCK)
                said[index] = side()
        except GovsocialError as refused:
            said[index] = type(refused).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(sides)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=STUCK)
        assert not thread.is_alive(), "a side is stuck"
    return said


def _approve(round_: Approval, approver: User) -> str:
    approval_decide(approval=round_, actor=approver, verdict=Verdict.APPROVE)
    return "approved"


def _edit(post: Post, author: User, account_id: int, text: str) -> str:
    rewritten(post, author, account_id, text)
    return "edited"


def test_an_approval_racing_an_edit_never_approves_a_text_it_did_not_see(
    live_agency: Agency,
) -> None:
    author = MembershipFactory(agency=live_agency, roles=[Role.AUTHOR]).user
    approver = MembershipFactory(agency=live_agency, roles=[Role.APPROVER]).user
    admin = MembershipFactory(agency=live_agency, roles=[Role.ADMIN]).user
    with agency_scope(live_agency.pk):
        account = social_account_for(live_agency, handle="race_city")
        publisher_for(live_agency, account=account, user=author)
        chain_save(
            agency=live_agency,
            actor=admin,
            name="One",
            steps=[StepSpec(StepRule.ANY, roles=[Role.APPROVER])],
            account_ids=[account.pk],
        )
    for n in range(ROUNDS):
        with agency_scope(live_agency.pk):
            post = post_create(
                agency=live_agency, actor=author, text=f"Notice {n}", account_ids=[account.pk]
            )
            round_ = post_submit(post=post, actor=author)

        approved, edited = _both_at_once(
            live_agency,
            partial(_approve, round_, approver),
            partial(_edit, post, author, account.pk, f"Notice {n}, changed"),
        )
        # The edit always lands: changing a post in review or approved takes it back.
        assert edited == "edited"
        # The approval either came first, or found the post changed and was refused.
        assert approved in {"approved", "Conflict"}
        with agency_scope(live_agency.pk):
            now = post_get(post_id=post.pk)
            assert now is not None
            assert now.text == f"Notice {n}, changed"
            assert now.status == PostStatus.DRAFT
            # What was approved, if anything, is the text before the edit: not what the
            # post says now, so it cannot go on the schedule without a new approval.
            assert now.approved_hash != post_content_hash(now)
            try:
                post_schedule(post=now, actor=author, at=timezone.now() + timedelta(days=1))
            except Conflict as refused:
                assert "must be approved" in refused.message
            else:
                raise AssertionError("an edited post went on the schedule unapproved")
