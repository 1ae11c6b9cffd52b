"""The inbox's reads: items of the bound agency, filtered and searched, and an item's
conversation."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, QuerySet

from accounts.models import Membership
from approvals.selectors import reply_approval_waiting_list
from inbox.models import (
    BlockedAuthor,
    InboxItem,
    InboxItemVersion,
    InboxNote,
    InboxReply,
    PolicyClause,
    ReplyState,
    RoutingRule,
    SavedReply,
)
from inbox.services import WORKER_ROLES


def item_list(
    *,
    account_id: int | None = None,
    network: str = "",
    kind: str = "",
    status: str = "",
    assignee_id: int | None = None,
    language: str = "",
    text: str = "",
    tag: str = "",
    priority: str = "",
    restricted: bool = False,
) -> QuerySet[InboxItem]:
    """Return the bound agency's items, newest first, narrowed by what is given; those
    whose processing is restricted only for a records officer (``restricted``)."""
    items = shown(InboxItem.objects.select_related("account", "assignee"), restricted)
    if account_id is not None:
        items = items.filter(account_id=account_id)
    if network:
        items = items.filter(account__network=network)
    if kind:
        items = items.filter(kind=kind)
    if status:
        items = items.filter(status=status)
    if assignee_id is not None:
        items = items.filter(assignee_id=assignee_id)
    if language:
        items = items.filter(language=language)
    if text:
        items = items.filter(text__icontains=text)
    if tag:
        items = items.filter(tags__contains=[tag])
    if priority:
        items = items.filter(priority=priority)
    return items.order_by("-written_at", "-id")


def newest_item_id() -> int:
    """Return the id of the bound agency's newest item (0: none yet)."""
    newest = InboxItem.objects.order_by("-id").values_list("id", flat=True).first()
    return newest or 0


def shown(items: QuerySet[InboxItem], restricted: bool) -> QuerySet[InboxItem]:
    """Return ``items`` as a reader sees them: without those whose processing is
    restricted, unless the reader is a records officer (``restricted``)."""
    return items if restricted else items.filter(restricted_under="")


def item_get(*, item_id: int, restricted: bool = False) -> InboxItem | None:
    """Return one item of the bound agency (see ``shown``), or None."""
    items = InboxItem.objects.select_related("account", "assignee", "target__post")
    return shown(items, restricted).filter(pk=item_id).first()


def conversation(*, item: InboxItem, restricted: bool = False) -> list[InboxItem | InboxReply]:
    """Return ``item``'s conversation on its account, oldest first: what citizens
    wrote (see ``shown``) and the agency's replies."""
    thread = InboxItem.objects.filter(account_id=item.account_id, thread=item.thread)
    said: list[InboxItem | InboxReply] = [
        *shown(thread, restricted),
        *InboxReply.objects.filter(
            item__account_id=item.account_id, item__thread=item.thread
        ).select_related("written_by", "approval"),
    ]
    return sorted(said, key=lambda entry: (entry.written_at, isinstance(entry, InboxReply)))


def replies_waiting(*, user_id: int) -> QuerySet[InboxReply]:
    """Return the bound agency's replies waiting for the person ``user_id``'s approval
    (``approvals.selectors.reply_approval_waiting_list``), oldest first, with their items."""
    # Read first: the rounds' filter names their table, which a subquery renames.
    rounds = reply_approval_waiting_list(user_id=user_id)
    return (
        InboxReply.objects.filter(
            state=ReplyState.IN_REVIEW, approval__in=list(rounds.values_list("pk", flat=True))
        )
        .select_related("item__account", "written_by")
        .order_by("written_at", "pk")
    )


def notes(*, item: InboxItem) -> QuerySet[InboxNote]:
    """Return the members' notes on ``item``, oldest first."""
    return InboxNote.objects.filter(item=item).select_related("written_by")


def blocked_author(*, item: InboxItem) -> BlockedAuthor | None:
    """Return the block of ``item``'s author by its account, if they are blocked."""
    return BlockedAuthor.objects.filter(
        account=item.account_id, author_handle=item.author_handle
    ).first()


def with_author_blocked(items: QuerySet[InboxItem]) -> QuerySet[InboxItem]:
    """Return ``items`` each with ``author_blocked``: whether its account blocked its
    author (``blocked_author`` for a whole page at once)."""
    blocks = BlockedAuthor.objects.filter(
        account=OuterRef("account"), author_handle=OuterRef("author_handle")
    )
    return items.annotate(author_blocked=Exists(blocks))


def versions(*, item: InboxItem) -> QuerySet[InboxItemVersion]:
    """Return what ``item`` said over time, first to last."""
    return InboxItemVersion.objects.filter(item=item).order_by("number")


def inbox_workers() -> list[Membership]:
    """Return the bound agency's active members who work the inbox, by name."""
    members = Membership.objects.filter(is_active=True, roles__overlap=list(WORKER_ROLES))
    return sorted(members.select_related("user"), key=lambda m: m.user.display_name.lower())


def policy_clauses(*, in_force_only: bool = False) -> QuerySet[PolicyClause]:
    """Return the bound agency's comment policy, clause by clause."""
    clauses = PolicyClause.objects.order_by("code", "id")
    return clauses.filter(retired_at__isnull=True) if in_force_only else clauses


def routing_rules() -> QuerySet[RoutingRule]:
    """Return the bound agency's routing rules, those in force first, oldest first."""
    return RoutingRule.objects.select_related("account", "assignee").order_by(
        F("retired_at").asc(nulls_first=True), "id"
    )


def saved_replies() -> QuerySet[SavedReply]:
    """Return the replies the bound agency keeps ready, by title."""
    return SavedReply.objects.order_by("title", "id")
