"""An approval binds the translation a post is paired with: the French version as it
was approved goes out with the English one, or neither does."""

from __future__ import annotations

import pytest

from accounts.models import Agency, Membership, Role
from approvals.decisions import approval_decide, post_submit
from approvals.models import Approval, Verdict
from archive.models import ArchiveEvent
from publishing.content import post_content, post_content_hash
from publishing.models import Post, PostRevision, PostStatus, SocialAccount
from publishing.services import post_create, post_translation_add, post_translation_unlink
from tests.approvals.test_decisions import any_approver_chain, member, rewritten
from tests.conftest import Personas
from tests.factories import publisher_for, social_account_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(personas: Personas, in_agency_a: Agency) -> SocialAccount:
    """An account with a one-step chain, which the author may publish to."""
    account = social_account_for(in_agency_a)
    publisher_for(in_agency_a, account=account, user=personas.author_a.user)
    any_approver_chain(personas, account)
    return account


@pytest.fixture
def approver(in_agency_a: Agency) -> Membership:
    return member(in_agency_a, Role.APPROVER)


def fresh(post: Post) -> Post:
    return Post.objects.get(pk=post.pk)


def pair(personas: Personas, account: SocialAccount) -> tuple[Post, Post]:
    """Write an English post and its French version, both with their text."""
    english = post_create(
        agency=personas.agency_a,
        actor=personas.author_a.user,
        text="The pool is closed today.",
        account_ids=[account.pk],
    )
    french = post_translation_add(post=english, actor=personas.author_a.user)
    french = rewritten(french, personas.author_a.user, account.pk, "La piscine est fermée.")
    return fresh(english), fresh(french)


def approved(personas: Personas, post: Post, approver: Membership) -> Approval:
    round_ = post_submit(post=fresh(post), actor=personas.author_a.user)
    return approval_decide(approval=round_, actor=approver.user, verdict=Verdict.APPROVE)


def assert_sent_back(post: Post, because: str, other: Post) -> None:
    """Assert that ``post``, approved, went back to draft because of ``other``."""
    post = fresh(post)
    assert post.status == PostStatus.DRAFT and post.approved_hash == ""
    event = (
        ArchiveEvent.objects.filter(object_type="publishing.post", object_id=str(post.pk))
        .order_by("-id")
        .first()
    )
    assert event is not None and event.verb == "post.back_to_draft"
    assert event.data == {"from": PostStatus.APPROVED, "because": because, "translation": other.pk}


def test_approving_a_version_approves_the_other_as_it_stands(
    personas: Personas, in_agency_a: Agency, account: SocialAccount, approver: Membership
) -> None:
    english, french = pair(personas, account)

    round_ = approved(personas, english, approver)

    english = fresh(english)
    assert english.status == PostStatus.APPROVED
    assert english.approved_hash == round_.content_hash == post_content_hash(english)
    covered = post_content(english)["translation"]
    assert covered["post"] == french.pk and covered["text"] == "La piscine est fermée."
    revision = PostRevision.objects.get(post=english, number=round_.revision)
    assert revision.content_hash == round_.content_hash


def test_editing_the_translation_sends_the_approved_version_back_for_approval(
    personas: Personas, in_agency_a: Agency, account: SocialAccount, approver: Membership
) -> None:
    english, french = pair(personas, account)
    approved(personas, english, approver)

    rewritten(french, personas.author_a.user, account.pk, "La piscine est fermée demain.")

    assert_sent_back(english, "translation_changed", french)


def test_the_next_submission_approves_a_revision_with_the_new_translation(
    personas: Personas, in_agency_a: Agency, account: SocialAccount, approver: Membership
) -> None:
    english, french = pair(personas, account)
    first = approved(personas, english, approver)
    rewritten(french, personas.author_a.user, account.pk, "La piscine est fermée demain.")

    second = approved(personas, english, approver)

    assert second.revision == first.revision + 1
    revision = PostRevision.objects.get(post=english, number=second.revision)
    assert revision.content["translation"]["text"] == "La piscine est fermée demain."
    assert fresh(english).approved_hash == revision.content_hash == second.content_hash


def test_linking_a_translation_to_an_approved_post_sends_it_back_for_approval(
    personas: Personas, in_agency_a: Agency, account: SocialAccount, approver: Membership
) -> None:
    english = post_create(
        agency=personas.agency_a,
        actor=personas.author_a.user,
        text="The pool is closed today.",
        account_ids=[account.pk],
    )
    approved(personas, english, approver)

    french = post_translation_add(post=fresh(english), actor=personas.author_a.user)

    assert_sent_back(english, "translation_linked", french)


def test_unlinking_an_approved_pair_sends_both_back_for_approval(
    personas: Personas, in_agency_a: Agency, account: SocialAccount, approver: Membership
) -> None:
    english, french = pair(personas, account)
    approved(personas, english, approver)
    approved(personas, french, approver)

    post_translation_unlink(post=fresh(english), actor=personas.author_a.user)

    assert_sent_back(english, "translation_unlinked", french)
    assert_sent_back(french, "translation_unlinked", english)
