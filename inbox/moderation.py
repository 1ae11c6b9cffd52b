"""Moderation: hiding a citizen's comment on the network or showing it again, deleting
it there, or blocking its author, under a clause of the agency's published comment
policy, recorded with who, when and why. Each network allows some of these
(``NetworkAdapter.moderations``); the network is asked first (where it cannot, it says
so and nothing changes); the item stays in the inbox and in the archive whatever is
done. Admins keep the policy's clauses."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import archive
from accounts.models import Agency
from accounts.services.principals import Principal, require_admin
from govsocial.errors import GovsocialError
from inbox import selectors
from inbox.models import BlockedAuthor, InboxItem, PolicyClause
from inbox.services import kept_retire, require_on_network, require_within, require_worker
from inbox.transitions import item_deleted_move, item_hidden_move
from publishing.networks.base import InboundKind, Moderation, NetworkError
from publishing.networks.registry import adapter_for
from publishing.services import account_refresh

NOTE_LONGEST = 2000
CLAUSE_LONGEST = 5000


class Action(TextChoices):
    """What a member may do to an item on its network, under the comment policy."""

    HIDE = "hide", gettext_lazy("Hide it on the network")
    SHOW = "show", gettext_lazy("Show it again on the network")
    DELETE = "delete", gettext_lazy("Delete it on the network")
    BLOCK = "block", gettext_lazy("Block its author on the network")
    UNBLOCK = "unblock", gettext_lazy("Unblock its author on the network")


VERBS = {
    Action.HIDE: "inbox.item_hidden",
    Action.SHOW: "inbox.item_shown",
    Action.DELETE: "inbox.item_deleted",
    Action.BLOCK: "inbox.author_blocked",
    Action.UNBLOCK: "inbox.author_unblocked",
}
DONE = {
    Action.HIDE: gettext_lazy("It is hidden on the network."),
    Action.SHOW: gettext_lazy("It shows on the network again."),
    Action.DELETE: gettext_lazy("It is deleted on the network."),
    Action.BLOCK: gettext_lazy("Its author is blocked on the network."),
    Action.UNBLOCK: gettext_lazy("Its author is no longer blocked on the network."),
}


def item_actions(item: InboxItem, *, author_blocked: bool) -> list[Action]:
    """Return what may be done to ``item`` on its network now: what the network lets
    its account do to an item of its kind, as far as it is not done already."""
    if item.deleted_on_network_at is not None:
        return []
    allowed = adapter_for(item.account.network).moderations(InboundKind(item.kind))
    actions = []
    if Moderation.HIDE in allowed:
        actions.append(Action.SHOW if item.hidden else Action.HIDE)
    if Moderation.DELETE in allowed:
        actions.append(Action.DELETE)
    if Moderation.BLOCK in allowed:
        actions.append(Action.UNBLOCK if author_blocked else Action.BLOCK)
    return actions


def item_moderate(
    *, item: InboxItem, action: str, clause: PolicyClause | None, note: str, actor: Principal
) -> InboxItem:
    """Do ``action`` to ``item`` on its network under ``clause``, then record it with
    who, when and why. The network is asked first: where it cannot, it says why and
    nothing changes. The item stays in the inbox and in the archive whatever is done."""
    require_worker(agency=item.agency, actor=actor)
    require_on_network(item)
    blocked = _require_undone(item, action)
    if clause is None or clause.retired_at is not None:
        raise GovsocialError(
            _("Choose the clause of the comment policy that applies."), field="clause"
        )
    note = note.strip()
    require_within("note", note, NOTE_LONGEST)
    try:
        account = account_refresh(account=item.account)
        adapter, credentials = adapter_for(account.network), account.credentials()
        block = ""
        if action == Action.DELETE:
            adapter.delete_comment(credentials, item.remote_id)
        elif action == Action.BLOCK:
            block = adapter.block_author(credentials, item.remote_id)
        elif action == Action.UNBLOCK and blocked is not None:
            adapter.unblock_author(credentials, item.remote_id, block=blocked.block)
        else:
            adapter.hide(credentials, item.remote_id, hidden=action == Action.HIDE)
    except NetworkError as error:
        raise GovsocialError(error.reason) from error
    with transaction.atomic():
        item = InboxItem.objects.select_for_update(no_key=True).get(pk=item.pk)
        if action == Action.DELETE:
            item_deleted_move(item=item)
        elif action == Action.BLOCK:
            BlockedAuthor.objects.get_or_create(
                agency=item.agency,
                account=item.account,
                author_handle=item.author_handle,
                defaults={"block": block},
            )
        elif action == Action.UNBLOCK:
            BlockedAuthor.objects.filter(
                account=item.account, author_handle=item.author_handle
            ).delete()
        else:
            item_hidden_move(item=item, hidden=action == Action.HIDE)
        archive.record(
            agency=item.agency,
            actor=actor,
            verb=VERBS[Action(action)],
            obj=item,
            data={
                "clause": clause.code,
                "clause_title": clause.title,
                "note": note,
                "author": item.author_handle,
            },
        )
    return item


def _require_undone(item: InboxItem, action: str) -> BlockedAuthor | None:
    """Refuse an action that is not one, or is done already; return the block of the
    item's author, if any."""
    if action not in Action.values:
        raise GovsocialError(_("Choose what to do on the network."), field="action")
    if action == Action.HIDE and item.hidden:
        raise GovsocialError(_("It is hidden on the network already."), field="action")
    if action == Action.SHOW and not item.hidden:
        raise GovsocialError(_("It is not hidden on the network."), field="action")
    blocked = selectors.blocked_author(item=item)
    if action == Action.BLOCK and blocked is not None:
        raise GovsocialError(_("Its author is blocked on the network already."), field="action")
    if action == Action.UNBLOCK and blocked is None:
        raise GovsocialError(_("Its author is not blocked on the network."), field="action")
    return blocked


def clause_add(
    *, agency: Agency, code: str, title: str, text: str, actor: Principal
) -> PolicyClause:
    """Add a clause to the agency's comment policy (admins)."""
    require_admin(
        agency=agency, actor=actor, refusal=_("Only an agency admin keeps the comment policy.")
    )
    code, title, text = code.strip(), title.strip(), text.strip()
    if not code or not title:
        raise GovsocialError(
            _("Give the clause a number and a title."), field="code" if not code else "title"
        )
    require_within("code", code, 20)
    require_within("title", title, 200)
    require_within("text", text, CLAUSE_LONGEST)
    try:
        with transaction.atomic():
            clause: PolicyClause = PolicyClause.objects.create(
                agency=agency, code=code, title=title, text=text
            )
            archive.record(
                agency=agency,
                actor=actor,
                verb="inbox.policy_clause_added",
                obj=clause,
                data={"code": code, "title": title, "text": clause.text},
            )
    except IntegrityError:
        raise GovsocialError(_("The policy has a clause with this number."), field="code") from None
    return clause


def clause_retire(*, clause: PolicyClause, actor: Principal) -> PolicyClause:
    """Retire a clause: no new decision names it; past ones keep it."""
    kept_retire(
        row=clause,
        actor=actor,
        refusal=_("Only an agency admin keeps the comment policy."),
        verb="inbox.policy_clause_retired",
        data={"code": clause.code},
    )
    return clause
