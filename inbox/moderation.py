"""Moderation: hiding a citizen's comment on the network, or showing it again, under a
clause of the agency's published comment policy, recorded with who, when and why. The
network is asked first (where it cannot, it says so and nothing changes); the item
stays in the inbox and in the archive either way. Admins keep the policy's clauses."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency
from accounts.services.principals import Principal, require_admin
from govsocial.errors import GovsocialError
from inbox.models import InboxItem, PolicyClause
from inbox.services import require_on_network, require_within, require_worker
from inbox.transitions import item_hidden_move
from publishing.networks.base import NetworkError
from publishing.networks.registry import adapter_for
from publishing.services import account_refresh

NOTE_LONGEST = 2000
CLAUSE_LONGEST = 5000


def item_hide(
    *, item: InboxItem, hidden: bool, clause: PolicyClause | None, note: str, actor: Principal
) -> InboxItem:
    """Hide ``item`` on its network (or show it again) under ``clause``; recorded."""
    require_worker(agency=item.agency, actor=actor)
    require_on_network(item)
    if clause is None or clause.retired_at is not None:
        raise GovsocialError(
            _("Choose the clause of the comment policy that applies."), field="clause"
        )
    note = note.strip()
    require_within("note", note, NOTE_LONGEST)
    try:
        account = account_refresh(account=item.account)
        adapter_for(account.network).hide(account.credentials(), item.remote_id, hidden=hidden)
    except NetworkError as error:
        raise GovsocialError(error.reason) from error
    with transaction.atomic():
        item = InboxItem.objects.select_for_update(no_key=True).get(pk=item.pk)
        item_hidden_move(item=item, hidden=hidden)
        archive.record(
            agency=item.agency,
            actor=actor,
            verb="inbox.item_hidden" if hidden else "inbox.item_shown",
            obj=item,
            data={"clause": clause.code, "clause_title": clause.title, "note": note},
        )
    return item


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
    require_admin(
        agency=clause.agency,
        actor=actor,
        refusal=_("Only an agency admin keeps the comment policy."),
    )
    if clause.retired_at is not None:
        return clause
    with transaction.atomic():
        clause.retired_at = timezone.now()
        clause.save(update_fields=["retired_at"])
        archive.record(
            agency=clause.agency,
            actor=actor,
            verb="inbox.policy_clause_retired",
            obj=clause,
            data={"code": clause.code},
        )
    return clause
