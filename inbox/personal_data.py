"""What a person's requests about their data do to the inbox's copy of what they wrote.

Erasure (a request to erase, or a disposition): when the archive erases its records of
an item, the item's text, its author's name and handle, its address, its versions' text
and its files' descriptions are emptied (a direct message's conversation, named by its
author's handle, is renamed), and it is marked erased, so that the network is not read
for it again. The item stays, with its place in its conversation and its facts (when,
where, what kind, what was done). Staff's notes on it stay: they are records of the
agency's work, which the law keeps (``archive.retention``: inbox work is exempt).

Restriction (GDPR Art. 18): the items a restriction names are marked with its request's
number; only records officers see them, and they are not answered, moderated or counted
until the restriction is lifted."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django.db.models.functions import Now

from inbox.models import InboxItem, InboxItemMedia, InboxItemVersion

ITEM = InboxItem._meta.label_lower


def items_erase(*, agency_id: int, objects: Sequence[tuple[str, str]], **_signal: Any) -> int:
    """Erase the bound agency's items among ``objects`` (the archive's (type, id) pairs
    whose records were erased), in the caller's transaction; return how many."""
    item_ids = [int(object_id) for object_type, object_id in objects if object_type == ITEM]
    if not item_ids:
        return 0
    items = InboxItem.objects.filter(pk__in=item_ids, erased_at=None)
    found = list(items.values_list("pk", "account_id", "thread", "author_handle"))
    erased = [pk for pk, _account, _thread, _handle in found]
    # A direct message's conversation is named by its author's handle: renamed, the
    # same for each of the person's conversations, so that it stays one.
    renamed: dict[tuple[int, str], list[int]] = {}
    for pk, account_id, thread, handle in found:
        if handle and thread == f"@{handle}"[:255]:
            renamed.setdefault((account_id, thread), []).append(pk)
    for conversation in renamed.values():
        InboxItem.objects.filter(pk__in=conversation).update(
            thread=f"erased-{secrets.token_hex(12)}"
        )
    items.update(text="", author_name="", author_handle="", permalink="", erased_at=Now())
    InboxItemVersion.objects.filter(item_id__in=erased).update(text="")
    InboxItemMedia.objects.filter(item_id__in=erased).update(alt_text="", remote_url="")
    return len(erased)


def items_restrict(
    *, agency_id: int, objects: Sequence[tuple[str, str]], under: str, lifted: bool, **_signal: Any
) -> int:
    """Restrict the bound agency's items among ``objects`` under the request ``under``,
    or lift every restriction of that request, in the caller's transaction; return how
    many items changed."""
    if lifted:
        return InboxItem.objects.filter(restricted_under=under).update(restricted_under="")
    item_ids = [int(object_id) for object_type, object_id in objects if object_type == ITEM]
    return InboxItem.objects.filter(pk__in=item_ids, restricted_under="").update(
        restricted_under=under
    )
