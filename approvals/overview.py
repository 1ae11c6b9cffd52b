"""What the overview shows of approvals: the rounds of posts and of replies waiting for
the viewer's decision, and the posts published in an emergency whose review is open."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from approvals import selectors
from approvals.models import ReviewState
from govsocial.overview import Part, listing, needs


@needs(10)
def posts_to_approve(request: HttpRequest) -> Part | None:
    """The posts waiting for the viewer's approval, oldest first."""
    return listing(
        "overview/approvals_posts.html",
        "approve-posts",
        selectors.approval_waiting_list(user_id=request.user.pk),  # type: ignore[arg-type]
        all_url=_queue(request),
    )


@needs(20)
def replies_to_approve(request: HttpRequest) -> Part | None:
    """The replies waiting for the viewer's approval, oldest first."""
    return listing(
        "overview/approvals_replies.html",
        "approve-replies",
        selectors.reply_approval_waiting_list(user_id=request.user.pk),  # type: ignore[arg-type]
        all_url=_queue(request),
    )


@needs(30)
def emergencies_to_review(request: HttpRequest) -> Part | None:
    """The posts published in an emergency whose review is still open, oldest first,
    shown to everyone until each is closed; those the viewer reviews wait for them."""
    reviews = selectors.emergency_review_list().filter(state=ReviewState.OPEN)
    mine = selectors.emergency_reviews_waiting(user_id=request.user.pk, reviews=reviews)  # type: ignore[arg-type]
    return listing(
        "overview/approvals_emergencies.html",
        "emergencies",
        reviews,
        all_url=_queue(request),
        waiting=mine.count(),
    )


def _queue(request: HttpRequest) -> str:
    return reverse("approval_queue", args=[request.agency.slug])  # type: ignore[attr-defined]
