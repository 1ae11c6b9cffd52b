"""The inbox's copy of what citizens wrote goes when the archive erases its records of it
(a person's erasure request, a disposition): the item's text, its author's name and
handle, its address, its versions' text and its files' descriptions are emptied, and it
is marked erased, so that the network is not read for it again. The item stays, with
its place in its conversation and its facts (when, where, what kind, what was done)."""

from __future__ import annotations

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
    erased = list(items.values_list("pk", flat=True))
    items.update(text="", author_name="", author_handle="", permalink="", erased_at=Now())
    InboxItemVersion.objects.filter(item_id__in=erased).update(text="")
    InboxItemMedia.objects.filter(item_id__in=erased).update(alt_text="", remote_url="")
    return len(erased)
