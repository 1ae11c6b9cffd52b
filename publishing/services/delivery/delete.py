"""Take a published post off one network account."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.services.principals import Principal
from govsocial.errors import Conflict, GovsocialError
from publishing.models import PostTarget, TargetState
from publishing.networks.base import NetworkError
from publishing.networks.registry import adapter_for
from publishing.services.accounts import account_require_publisher
from publishing.services.transitions import Move, fresh_account, target_move


def target_delete(*, target: PostTarget, actor: Principal) -> PostTarget:
    """Delete ``target``'s post (and its first comment) from its network, as an admin or
    a publisher of the account, and record it; the target becomes "deleted" once the
    network confirms.

    Deleting twice is harmless (a post already gone counts as deleted), so two people
    deleting at once both succeed and one change is recorded.
    """
    account = target.account
    account_require_publisher(account=account, actor=actor)
    if target.state != TargetState.PUBLISHED or not target.remote_id:
        raise Conflict(_("Only a published post can be deleted from the network."))
    try:
        account = fresh_account(account)
        adapter = adapter_for(account.network)
        if target.comment_remote_id:
            # Its first comment first: a reply in the thread would outlive the post on
            # some networks, and deleting it again after a failure is harmless.
            adapter.delete(account.credentials(), target.comment_remote_id)
        adapter.delete(account.credentials(), target.remote_id)
    except NetworkError as error:
        raise GovsocialError(
            _("%(network)s did not delete the post: %(reason)s")
            % {"network": account.get_network_display(), "reason": error.reason}
        ) from error
    moved = target_move(
        target_id=target.pk,
        from_states=(TargetState.PUBLISHED,),
        move=Move(TargetState.DELETED, "target.deleted", changes={"next_attempt_at": None}),
        actor=actor,
    )
    if moved is None:
        # Someone else's deletion got there first: show what it left.
        current: PostTarget = PostTarget.objects.select_related("account").get(pk=target.pk)
        return current
    return moved
