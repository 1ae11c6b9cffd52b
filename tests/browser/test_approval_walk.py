"""A post's way through a two-step chain in the browser, each person signed in on their
own: the author submits, the first step's approver asks for changes, the author edits
and submits again, both steps approve, and the author publishes it now while the real
dispatcher and a worker run; the archive shows every step. The post's page with the
decision form and the approval queue pass axe's checks."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from django.conf import global_settings
from django.db import connection
from django.db.models import Q
from django.test import override_settings
from playwright.sync_api import Browser, Page, expect

from accounts.models import Agency, Role, User
from approvals.models import StepRule
from approvals.services import StepSpec, chain_save
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from publishing.models import Post, PostTarget
from publishing.services import post_create
from tests.browser.conftest import Member, assert_accessible, sign_in
from tests.delivery_processes import Delivery
from tests.emulator_client import Emulator
from tests.factories import (
    PASSWORD,
    AgencyFactory,
    MembershipFactory,
    UserFactory,
    emulated_account_for,
    publisher_for,
)

TEXT = "The pools open on Saturday."
# Seconds, the worker's start included.
PUBLISHING_TIMEOUT = 60


@dataclass
class Walk:
    author: Member
    counsel: Member
    approver: Member
    post_id: int


def _person(agency: Agency, role: Role, name: str) -> Member:
    user = UserFactory(email=f"{name}-{uuid.uuid4().hex[:6]}@example.gov", name=name.title())
    # The server checks passwords with the production hashers, not the tests' fast one.
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    MembershipFactory(agency=agency, user=user, roles=[role])
    return Member(user=user, agency_slug=agency.slug, agency_name=agency.name)


def _commit_walk(emulator: Emulator) -> Walk:
    """Commit an agency with an author, a counsel, an approver and an admin, an X
    account on the emulator whose chain is counsel then any approver, and the author's
    draft for it."""
    try:
        suffix = uuid.uuid4().hex[:8]
        agency = AgencyFactory(name=f"Walk Town {suffix}", slug=f"walk-{suffix}")
        author = _person(agency, Role.AUTHOR, "author")
        counsel = _person(agency, Role.AUTHOR, "counsel")
        approver = _person(agency, Role.APPROVER, "approver")
        admin: User = MembershipFactory(agency=agency, roles=[Role.ADMIN]).user
        with agency_scope(agency.pk):
            account = emulated_account_for(agency, emulator, "x", f"walk_{suffix}")
            publisher_for(agency, account=account, user=author.user)
            chain_save(
                agency=agency,
                actor=admin,
                name="Legal then comms",
                steps=[
                    StepSpec(StepRule.ANY, user_ids=[counsel.user.pk]),
                    StepSpec(StepRule.ANY, roles=[Role.APPROVER]),
                ],
                account_ids=[account.pk],
            )
            post = post_create(
                agency=agency, actor=author.user, text=TEXT, account_ids=[account.pk]
            )
        return Walk(author=author, counsel=counsel, approver=approver, post_id=post.pk)
    finally:
        connection.close()


def _verbs(walk: Walk) -> list[tuple[str, str]]:
    """Return the archive's events of the post and its target, in order: (verb, actor
    id)."""
    try:
        agency = Agency.objects.get(slug=walk.author.agency_slug)
        with agency_scope(agency.pk):
            targets = PostTarget.objects.filter(post_id=walk.post_id).values_list("pk", flat=True)
            events = ArchiveEvent.objects.filter(
                Q(object_type="publishing.post", object_id=str(walk.post_id))
                | Q(object_type="publishing.posttarget", object_id__in=[str(t) for t in targets])
            )
            return list(events.order_by("id").values_list("verb", "actor_id"))
    finally:
        connection.close()


@pytest.fixture
def walk(django_db_blocker: pytest.FixtureRequest, emulator: Emulator) -> Walk:
    """Commit the walk's data in a thread of its own (see ``committed_member``)."""
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        return thread.submit(_commit_walk, emulator).result()


def _signed_in(browser: Browser, web_server: str, member: Member) -> Page:
    page = browser.new_context().new_page()
    sign_in(page, web_server, member)
    return page


def _decide(page: Page, verdict: str, comment: str = "") -> None:
    """From the queue, open the waiting post and send a decision on it, by keyboard."""
    page.get_by_role("link", name="Approvals").press("Enter")
    page.get_by_role("link", name=TEXT[:20]).first.press("Enter")
    page.get_by_label(verdict, exact=True).press("Space")
    if comment:
        page.get_by_label("Comment").fill(comment)
    page.get_by_role("button", name="Send decision").press("Enter")


def test_author_first_approver_second_approver_then_published_with_every_step_recorded(
    web_server: str,
    browser: Browser,
    walk: Walk,
    emulator: Emulator,
    delivery: Delivery,
    django_db_blocker: pytest.FixtureRequest,
) -> None:
    delivery.worker(wait=False)
    delivery.dispatcher()
    post_page = f"{web_server}/agencies/{walk.author.agency_slug}/posts/{walk.post_id}/"

    author = _signed_in(browser, web_server, walk.author)
    author.goto(post_page)
    expect(author.get_by_text("Legal then comms")).to_have_count(2)
    author.get_by_role("button", name="Submit for approval").press("Enter")
    expect(author.get_by_text("Waiting for approval: step 1 of 2")).to_be_visible()

    counsel = _signed_in(browser, web_server, walk.counsel)
    counsel.get_by_role("link", name="Approvals").press("Enter")
    expect(counsel.get_by_role("link", name=TEXT[:20])).to_be_visible()
    assert_accessible(counsel)
    _decide(counsel, "Request changes", "Say until when.")
    expect(counsel.get_by_text("Changes requested: the author is told.")).to_be_visible()

    author.goto(post_page)
    expect(author.get_by_text("“Say until when.”")).to_be_visible()
    author.get_by_role("link", name="Edit or schedule").press("Enter")
    author.get_by_label("Text", exact=True).fill(f"{TEXT} Until September.")
    author.get_by_role("button", name="Save draft").press("Enter")
    author.goto(post_page)
    author.get_by_role("button", name="Submit for approval").press("Enter")
    expect(author.get_by_text("Waiting for approval: step 1 of 2")).to_be_visible()

    counsel.goto(post_page)
    expect(counsel.get_by_role("group", name="Your decision")).to_be_visible()
    assert_accessible(counsel)
    _decide(counsel, "Approve")
    expect(counsel.get_by_text("Waiting for approval: step 2 of 2")).to_be_visible()

    approver = _signed_in(browser, web_server, walk.approver)
    _decide(approver, "Approve")
    expect(
        approver.get_by_text("Approved: the post may go on the schedule as it is.")
    ).to_be_visible()

    author.goto(post_page)
    author.get_by_role("link", name="Edit or schedule").press("Enter")
    author.get_by_role("button", name="Publish now").press("Enter")
    expect(author.get_by_text("Publishing now")).to_be_visible()
    states = author.get_by_role("row").filter(has_text="walk_").locator(".govsocial-state")
    expect(states).to_have_text(["Published"], timeout=PUBLISHING_TIMEOUT * 1000)
    for page in (author, counsel, approver):
        page.context.close()

    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        recorded = thread.submit(_verbs, walk).result()
    people = {
        str(walk.author.user.pk): "author",
        str(walk.counsel.user.pk): "counsel",
        str(walk.approver.user.pk): "approver",
    }
    steps = [
        (verb, people.get(actor, "other"))
        for verb, actor in recorded
        if verb.startswith(("post.submitted", "approval.", "post.updated", "post.scheduled"))
    ]
    assert steps == [
        ("post.submitted", "author"),
        ("approval.decided", "counsel"),
        ("post.updated", "author"),
        ("post.submitted", "author"),
        ("approval.decided", "counsel"),
        ("approval.decided", "approver"),
        ("post.scheduled", "author"),
    ]
    assert any(verb == "target.published" for verb, _actor in recorded), recorded
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as thread:  # type: ignore[attr-defined]
        assert thread.submit(_status, walk.post_id, walk.author.agency_slug).result() == "published"


def _status(post_id: int, slug: str) -> str:
    try:
        agency = Agency.objects.get(slug=slug)
        with agency_scope(agency.pk):
            return Post.objects.get(pk=post_id).status
    finally:
        connection.close()
