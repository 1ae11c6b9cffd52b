"""Emergency publishing: a member the agency allows publishes at once, with a reason,
skipping the chain; the post opens a review that one of the chain's approvers closes
afterwards (acknowledged, or flagged with a note). In services, pages and the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Agency, Membership, Role
from approvals.decisions import post_submit
from approvals.emergency import (
    emergency_publishers_set,
    emergency_review_close,
    post_publish_emergency,
)
from approvals.models import Approval, ApprovalState, EmergencyReview, ReviewState
from approvals.services import content_rules_save
from archive.models import ArchiveEvent
from govsocial.errors import Conflict, GovsocialError, PermissionDenied
from govsocial.tenancy import agency_scope
from publishing.dispatcher import due_tickets
from publishing.models import Post, PostStatus, SocialAccount, TargetState
from publishing.services import post_create
from tests.approvals.test_decisions import account, any_approver_chain, draft, member
from tests.conftest import Personas
from tests.factories import api_key_for, publisher_for, social_account_for

pytestmark = pytest.mark.django_db

__all__ = ["account"]  # the fixture, shared with the decisions' tests

REASON = "Boil-water advisory from the health unit"


def allowed_author(personas: Personas) -> Membership:
    """Let the agency's author publish in an emergency (admins choose who may)."""
    emergency_publishers_set(
        agency=personas.agency_a, actor=personas.admin_a.user, members=[personas.author_a]
    )
    return personas.author_a


def events(post: Post, verb: str) -> list[dict[str, Any]]:
    found = ArchiveEvent.objects.filter(verb=verb, object_id=str(post.pk)).order_by("id")
    return [event.data for event in found]


def test_an_allowed_member_publishes_at_once_and_the_chains_approvers_owe_a_review(
    personas: Personas,
    in_agency_a: Agency,
    account: SocialAccount,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    approvers = [member(in_agency_a, Role.APPROVER) for _ in range(2)]
    any_approver_chain(personas, account)
    allowed_author(personas)
    post = draft(personas, account)
    with django_capture_on_commit_callbacks(execute=True):
        review = post_publish_emergency(
            post=post, actor=personas.author_a.user, reason=f"  {REASON}  "
        )
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    assert set(post.targets.values_list("state", flat=True)) == {TargetState.SCHEDULED}
    assert in_agency_a.pk in due_tickets(limit=100)
    assert (review.state, review.reason, review.chain_name) == (ReviewState.OPEN, REASON, "One")
    assert sorted(review.reviewers) == sorted(m.user.pk for m in approvers)
    assert post.approved_hash == review.content_hash
    [published] = events(post, "post.emergency_published")
    assert published["reason"] == REASON and published["review"] == review.pk
    assert sorted(m.to[0] for m in mailoutbox) == sorted(m.user.email for m in approvers)
    assert REASON in mailoutbox[0].body

    with pytest.raises(PermissionDenied):
        emergency_review_close(
            review=review, actor=personas.author_a.user, outcome=ReviewState.ACKNOWLEDGED
        )
    with pytest.raises(GovsocialError, match="Say what was wrong"):
        emergency_review_close(
            review=review, actor=approvers[0].user, outcome=ReviewState.FLAGGED, note=" "
        )
    review = emergency_review_close(
        review=review,
        actor=approvers[0].user,
        outcome=ReviewState.FLAGGED,
        note="The map link is last year's.",
    )
    assert (review.state, review.closed_by) == (ReviewState.FLAGGED, approvers[0].user)
    with pytest.raises(Conflict):
        emergency_review_close(
            review=review, actor=approvers[1].user, outcome=ReviewState.ACKNOWLEDGED
        )
    [reviewed] = events(post, "emergency.reviewed")
    assert reviewed["outcome"] == "flagged" and reviewed["note"] == "The map link is last year's."


def test_only_the_members_the_admins_chose_publish_in_an_emergency_and_only_with_a_reason(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    member(in_agency_a, Role.APPROVER)
    any_approver_chain(personas, account)
    post = draft(personas, account)
    with pytest.raises(PermissionDenied, match="an agency admin chooses who may"):
        post_publish_emergency(post=post, actor=personas.author_a.user, reason=REASON)
    key, _token = api_key_for(in_agency_a, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        post_publish_emergency(post=post, actor=key, reason=REASON)
    with pytest.raises(PermissionDenied):
        emergency_publishers_set(
            agency=in_agency_a, actor=personas.author_a.user, members=[personas.author_a]
        )
    allowed_author(personas)
    with pytest.raises(GovsocialError, match="cannot wait for approval") as refused:
        post_publish_emergency(post=post, actor=personas.author_a.user, reason="   ")
    assert refused.value.field == "reason"
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT
    assert not EmergencyReview.objects.exists() and not events(post, "post.emergency_published")


def test_an_emergency_withdraws_the_round_under_way_and_admins_always_may(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    member(in_agency_a, Role.APPROVER)
    any_approver_chain(personas, account)
    post = draft(personas, account)
    round_ = post_submit(post=post, actor=personas.author_a.user)
    review = post_publish_emergency(post=post, actor=personas.admin_a.user, reason=REASON)
    round_.refresh_from_db()
    assert round_.state == ApprovalState.WITHDRAWN
    assert review.published_by == personas.admin_a.user
    with pytest.raises(Conflict, match="already scheduled"):
        post_publish_emergency(post=post, actor=personas.admin_a.user, reason=REASON)


def test_posts_that_need_no_approval_or_nobody_to_review_are_refused(
    personas: Personas, in_agency_a: Agency, account: SocialAccount
) -> None:
    allowed_author(personas)
    post = draft(personas, account)
    with pytest.raises(GovsocialError, match="need no approval"):
        post_publish_emergency(post=post, actor=personas.author_a.user, reason=REASON)
    # A chain whose only approver is the one publishing: nobody left to review.
    any_approver_chain(personas, account)
    approver = member(in_agency_a, Role.APPROVER, Role.AUTHOR)
    publisher_for(in_agency_a, account=account, user=approver.user)
    emergency_publishers_set(agency=in_agency_a, actor=personas.admin_a.user, members=[approver])
    own = post_create(
        agency=in_agency_a, actor=approver.user, text="Road closed", account_ids=[account.pk]
    )
    with pytest.raises(GovsocialError, match="Nobody but you could review"):
        post_publish_emergency(post=own, actor=approver.user, reason=REASON)
    assert not Approval.objects.exists() and not EmergencyReview.objects.exists()


def water_advisory(personas: Personas) -> tuple[Post, Membership]:
    """Return the author's draft for an account whose chain is one step (any approver),
    and that approver (committed through the pages, not bound here)."""
    agency = personas.agency_a
    approver = member(agency, Role.APPROVER)
    with agency_scope(agency.pk):
        account = social_account_for(agency, handle="alpha_water")
        publisher_for(agency, account=account, user=personas.author_a.user)
        any_approver_chain(personas, account)
        post = draft(personas, account, text="Boil your water before drinking it")
    return post, approver


def _page(client: Client, address: str, form: dict[str, Any] | None = None) -> str:
    if form is None:
        return client.get(address).content.decode()
    return client.post(address, form, follow=True).content.decode()


def test_pages_publish_review_and_choose_who_may(personas: Personas) -> None:
    post, approver = water_advisory(personas)
    author = personas.client_for(personas.author_a)
    post_page = reverse("post_detail", args=["alpha", post.pk])
    assert "Publish now as an emergency" not in _page(author, post_page)

    admin = personas.client_for(personas.admin_a)
    choose = reverse("emergency_publishers", args=["alpha"])
    assert personas.author_a.user.display_name in _page(admin, choose)
    shown = _page(admin, choose, {"members": [str(personas.author_a.pk)]})
    assert "Who may publish in an emergency is saved." in shown
    refused = author.post(choose, {"members": []})
    assert refused.status_code == 403
    assert "Only an agency admin can choose" in refused.content.decode()

    assert "Publish now as an emergency" in _page(author, post_page)
    emergency = reverse("post_emergency_publish", args=["alpha", post.pk])
    assert "Say why this post cannot wait for approval." in _page(author, emergency, {})
    shown = _page(author, emergency, {"reason": REASON})
    assert "Publishing now, in an emergency" in shown
    assert "Published in an emergency" in shown and REASON in shown
    assert "Waiting for review" in shown and 'name="outcome"' not in shown

    reviewer = personas.client_for(approver)
    queue = _page(reviewer, reverse("approval_queue", args=["alpha"]))
    assert "Boil your water" in queue and REASON in queue
    assert 'name="outcome"' in _page(reviewer, post_page)
    with agency_scope(personas.agency_a.pk):
        review = EmergencyReview.objects.get(post=post)
    close = reverse("emergency_review_close", args=["alpha", review.pk])
    shown = _page(reviewer, close, {"outcome": "acknowledged", "note": ""})
    assert "Your review is recorded." in shown and "Acknowledged" in shown
    assert "No emergency post waits for your review." in _page(
        reviewer, reverse("approval_queue", args=["alpha"])
    )


def test_the_api_publishes_lists_closes_and_chooses_who_may(personas: Personas) -> None:
    post, approver = water_advisory(personas)
    agency = personas.agency_a
    base = "/api/agencies/alpha/emergency-reviews/"
    admin = personas.client_for(personas.admin_a)
    author = personas.client_for(personas.author_a)

    def send(client: Client, address: str, body: dict[str, Any], method: str = "post") -> Any:
        return getattr(client, method)(address, body, content_type="application/json")

    refused = send(author, base, {"post": post.pk, "reason": REASON})
    assert refused.status_code == 403
    assert send(author, f"{base}publishers/", {"members": []}, "put").status_code == 403
    chosen = send(admin, f"{base}publishers/", {"members": [personas.author_a.pk]}, "put")
    assert chosen.json() == {"members": [personas.author_a.pk]}
    unknown = send(admin, f"{base}publishers/", {"members": [personas.admin_a.pk]}, "put")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["pointer"] == "/members"

    blank = send(author, base, {"post": post.pk, "reason": " "})
    assert blank.status_code == 400 and blank.json()["errors"][0]["pointer"] == "/reason"
    created = send(author, base, {"post": post.pk, "reason": REASON})
    assert created.status_code == 201, created.json()
    review = created.json()
    assert (review["state"], review["published_by"], review["reviewers"]) == (
        "open",
        personas.author_a.user.email,
        [approver.user.email],
    )
    reviewer = personas.client_for(approver)
    assert [r["id"] for r in reviewer.get(base, {"mine": "true"}).json()["results"]] == [
        review["id"]
    ]
    _key, token = api_key_for(agency, role=Role.ADMIN)
    key = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert key.get(base, {"mine": "true"}).json()["results"] == []
    assert send(key, f"{base}{review['id']}/close/", {"outcome": "acknowledged"}).status_code == 403
    closed = send(reviewer, f"{base}{review['id']}/close/", {"outcome": "flagged", "note": "Late"})
    assert closed.status_code == 200
    assert (closed.json()["state"], closed.json()["closed_by"], closed.json()["note"]) == (
        "flagged",
        approver.user.email,
        "Late",
    )


def test_a_refused_emergency_keeps_the_reason_typed(personas: Personas) -> None:
    post, _approver = water_advisory(personas)
    with agency_scope(personas.agency_a.pk):
        content_rules_save(
            agency=personas.agency_a,
            actor=personas.admin_a.user,
            blocked_terms=["boil"],
            warned_terms=[],
            sensitive="off",
            published_contacts=[],
            internal_hosts=[],
            guidelines="",
        )
    admin = personas.client_for(personas.admin_a)
    emergency = reverse("post_emergency_publish", args=["alpha", post.pk])
    shown = _page(admin, emergency, {"reason": "The health unit called at 6:40"})
    assert "do not allow this post" in shown
    assert ">The health unit called at 6:40</textarea>" in shown
    # Shown once: the next visit starts afresh.
    page = _page(admin, reverse("post_detail", args=["alpha", post.pk]))
    assert "The health unit called at 6:40" not in page


def test_the_overview_lists_emergency_posts_until_their_review_is_closed(
    personas: Personas,
) -> None:
    post, approver = water_advisory(personas)
    with agency_scope(personas.agency_a.pk):
        review = post_publish_emergency(post=post, actor=personas.admin_a.user, reason=REASON)
    overview = reverse("agency_home", args=["alpha"])
    author = personas.client_for(personas.author_a)
    shown = author.get(overview).content.decode()
    assert "Emergency posts awaiting review" in shown and "Boil your water" in shown
    with agency_scope(personas.agency_a.pk):
        emergency_review_close(review=review, actor=approver.user, outcome=ReviewState.ACKNOWLEDGED)
    assert "Emergency posts awaiting review" not in author.get(overview).content.decode()
