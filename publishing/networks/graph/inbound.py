"""Remember how far an account's inbound items have been read.

Graph filters comments with ``since`` in whole Unix seconds, inclusive, and gives no
sequence to resume from across posts and conversations. The cursor is therefore the
second of the newest item seen and the ids seen in that very second:
``"1735689600|id1,id2"``. The next read asks from that second and drops the ids already
seen, so an item written later in the same second is not lost and none comes twice.
An empty cursor means "everything the adapter can see".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from publishing.networks.base import InboundItem, InboundPage


@dataclass(frozen=True)
class InboundCursor:
    """Say from which second to read and which items of that second were seen."""

    second: int = 0
    seen: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, cursor: str) -> InboundCursor:
        """Read a cursor this module wrote; anything else starts from the beginning."""
        second, _, seen = cursor.partition("|")
        if not second.isdigit():
            return cls()
        return cls(int(second), frozenset(filter(None, seen.split(","))))

    @property
    def since(self) -> datetime:
        """Return the first moment still to read."""
        return datetime.fromtimestamp(self.second, UTC)

    def admits(self, remote_id: str, created_at: datetime) -> bool:
        """Return whether an item is newer than what the cursor has seen."""
        stamp = int(created_at.timestamp())
        return stamp > self.second or (stamp == self.second and remote_id not in self.seen)

    def page(self, found: Iterable[InboundItem]) -> InboundPage:
        """Return the items of ``found`` the cursor has not seen, oldest first, with the
        cursor that follows them."""
        items = sorted(
            (item for item in found if self.admits(item.remote_id, item.created_at)),
            key=lambda item: (item.created_at, item.remote_id),
        )
        return InboundPage(items=tuple(items), cursor=str(self.after(items)))

    def after(self, items: Iterable[InboundItem]) -> InboundCursor:
        """Return the cursor that follows ``items`` (this one when there are none)."""
        newest = self
        for item in items:
            stamp = int(item.created_at.timestamp())
            if stamp > newest.second:
                newest = InboundCursor(stamp, frozenset({item.remote_id}))
            elif stamp == newest.second:
                newest = InboundCursor(stamp, newest.seen | {item.remote_id})
        return newest

    def __str__(self) -> str:
        """Write the cursor as ``fetch_inbound`` hands it out."""
        if not self.second:
            return ""
        return f"{self.second}|{','.join(sorted(self.seen))}"
