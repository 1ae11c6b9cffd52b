"""The conversation about a post's approval: its author answers the approvers'
decisions, and anyone taking part adds to it. Decisions carry their own comments; the
thread (``approvals.selectors.post_thread``) shows both in time order. Each message is
recorded in the archive, and the others taking part are emailed."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

import archive
from accounts.models import Role, User
from accounts.selectors import roles_of
from accounts.services.principals import Principal
from approvals.decisions import COMMENT_LONGEST, person_of, post_link
from approvals.models import Approval, Decision, PostComment
from govsocial.errors import GovsocialError, PermissionDenied
from notifications.models import Kind
from notifications.services import notify
from publishing.models import Post

# Who takes part in the conversation: those who write posts and those who approve them.
COMMENTERS = frozenset({Role.AUTHOR, Role.APPROVER, Role.ADMIN})


def may_comment(*, post: Post, actor: Principal) -> bool:
    """Say whether ``actor`` takes part in the conversation about ``post``: a person
    (never an API key) who is an author, an approver or an admin of its agency."""
    return bool(roles_of(agency=post.agency, actor=actor) & COMMENTERS) and isinstance(actor, User)


def post_comment(*, post: Post, actor: Principal, text: str) -> PostComment:
    """Add ``text`` to the conversation about ``post``; return it. Those who took part
    so far (its author, and whoever wrote in it or decided with a comment) are emailed,
    but not the writer."""
    person = person_of(actor)
    if not may_comment(post=post, actor=person):
        raise PermissionDenied(
            _("Only authors, approvers and agency admins take part in the conversation.")
        )
    text = (text or "").strip()
    if not text:
        raise GovsocialError(_("Write something to add."), field="text")
    if len(text) > COMMENT_LONGEST:
        raise GovsocialError(
            _("A comment has at most %(count)s characters.") % {"count": COMMENT_LONGEST},
            field="text",
        )
    with transaction.atomic():
        comment = PostComment.objects.create(
            agency=post.agency, post=post, written_by=person, text=text
        )
        archive.record(
            agency=post.agency,
            actor=actor,
            verb="post.commented",
            obj=post,
            data={"comment": comment.pk, "text": text},
        )
        _tell_the_others(comment, post)
    return comment


def _tell_the_others(comment: PostComment, post: Post) -> None:
    """Tell the post's author and everyone else who took part, but the writer (people
    outside govsocial are not in the conversation: their link decided once)."""
    rounds = Approval.objects.filter(post=post)
    taking_part = (
        {post.author_id}
        | set(PostComment.objects.filter(post=post).values_list("written_by_id", flat=True))
        | set(
            Decision.objects.filter(approval__in=rounds)
            .exclude(comment="")
            .values_list("decided_by_id", flat=True)
        )
    ) - {comment.written_by_id}
    context = {"comment": comment, "post": post, "link": post_link(post)}
    for person in User.objects.filter(pk__in=taking_part).order_by("pk"):
        notify(
            user=person,
            kind=Kind.POST_COMMENTED,
            subject=_("A new message about a post"),
            body=render_to_string("emails/post_commented.txt", context | {"person": person}),
            link=post_link(post),
        )
