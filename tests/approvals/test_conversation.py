"""The conversation about a post's approval: an approver asks for changes, the author
answers, and everyone taking part is told; the thread shows decisions and messages in
time order, on the post's page and through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from approvals.comments import post_comment
from approvals.decisions import approval_decide, post_submit
from approvals.models import Verdict
from approvals.selectors import post_thread
from archive.models import ArchiveEvent
from govsocial.errors import GovsocialError, PermissionDenied
from govsocial.tenancy import agency_scope
from tests.approvals.test_emergency import water_advisory
from tests.conftest import Personas
from tests.factories import MembershipFactory, api_key_for

pytestmark = pytest.mark.django_db


def test_the_author_answers_the_approvers_request_and_each_side_is_told(
    personas: Personas,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    post, approver = water_advisory(personas)
    with agency_scope(personas.agency_a.pk):
        round_ = post_submit(post=post, actor=personas.author_a.user)
        approval_decide(
            approval=round_,
            actor=approver.user,
            verdict=Verdict.REQUEST_CHANGES,
            comment="Until when?",
        )
        with django_capture_on_commit_callbacks(execute=True):
            post_comment(post=post, actor=personas.author_a.user, text="  Until Monday noon. ")
        assert mailoutbox[-1].to == [approver.user.email]
        assert "Until Monday noon." in mailoutbox[-1].body
        with django_capture_on_commit_callbacks(execute=True):
            post_comment(post=post, actor=approver.user, text="Then say so in the post.")
        assert mailoutbox[-1].to == [personas.author_a.user.email]
        thread = post_thread(post_id=post.pk)
        event = ArchiveEvent.objects.filter(verb="post.commented").order_by("id")[0]
    assert [(e.written_by, e.text, e.verdict) for e in thread] == [
        (approver.user.display_name, "Until when?", "Request changes"),
        (personas.author_a.user.display_name, "Until Monday noon.", ""),
        (approver.user.display_name, "Then say so in the post.", ""),
    ]
    assert event.data["text"] == "Until Monday noon."


def test_only_people_who_write_or_approve_take_part_and_with_something_to_say(
    personas: Personas,
) -> None:
    post, _approver = water_advisory(personas)
    reader = MembershipFactory(agency=personas.agency_a, roles=[Role.RECORDS_OFFICER]).user
    key, _token = api_key_for(personas.agency_a, role=Role.ADMIN)
    with agency_scope(personas.agency_a.pk):
        with pytest.raises(PermissionDenied):
            post_comment(post=post, actor=reader, text="Hello")
        with pytest.raises(PermissionDenied):
            post_comment(post=post, actor=key, text="Hello")
        with pytest.raises(GovsocialError, match="Write something") as refused:
            post_comment(post=post, actor=personas.author_a.user, text="  ")
        assert refused.value.field == "text"


def test_the_post_page_and_the_api_carry_the_conversation(personas: Personas) -> None:
    post, approver = water_advisory(personas)
    author = personas.client_for(personas.author_a)
    page = reverse("post_detail", args=["alpha", post.pk])
    assert "Nobody has written about this post yet." in author.get(page).content.decode()
    address = reverse("post_comment_add", args=["alpha", post.pk])
    shown = author.post(address, {"text": "Is Monday fine?"}, follow=True).content.decode()
    assert "Your message is added" in shown and "Is Monday fine?" in shown
    refused = author.post(address, {"text": " "}, follow=True).content.decode()
    assert "Write something to add." in refused

    api = personas.client_for(approver)
    answered = api.post(
        "/api/agencies/alpha/post-comments/",
        {"post": post.pk, "text": "Monday is fine."},
        content_type="application/json",
    )
    assert answered.status_code == 201, answered.json()
    listed = api.get("/api/agencies/alpha/post-comments/", {"post": post.pk}).json()["results"]
    assert [(m["written_by"], m["text"]) for m in listed] == [
        (personas.author_a.user.email, "Is Monday fine?"),
        (approver.user.email, "Monday is fine."),
    ]
    _key, token = api_key_for(personas.agency_a, role=Role.ADMIN)
    keyed = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert keyed.get("/api/agencies/alpha/post-comments/").status_code == 200
    assert (
        keyed.post(
            "/api/agencies/alpha/post-comments/",
            {"post": post.pk, "text": "Hi"},
            content_type="application/json",
        ).status_code
        == 403
    )
