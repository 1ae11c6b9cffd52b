"""What the dispatcher reads to find due work in every agency without seeing any
agency's posts: one ticket per target waiting for its time."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from govsocial.tenancy import AgencyOwned
from publishing.models.posts import PostTarget

# States in which a target waits for the dispatcher: its time to be sent, to be sent
# again, or to be checked on. The ticket trigger of migration 0004 names the same ones.
WAITING_STATES = ("scheduled", "queued", "sending", "retry_wait", "unconfirmed")
# The ticket's state while a published target's first comment waits (migration 0009).
FIRST_COMMENT = "first_comment"


class DispatchTicket(AgencyOwned):
    """Say that one target is due at ``due_at``, and who has it in hand until
    ``lease_until``.

    Each agency reads only its own tickets. The dispatcher, bound to no agency, finds
    due work across agencies through the database function ``publishing_due_tickets``
    (migration 0010), which returns agency and ticket ids and nothing else, then claims
    each agency's tickets with that agency bound.

    No service writes a ticket. A database trigger on the target table keeps exactly one
    ticket per target in a waiting state, due at its ``next_attempt_at`` and carrying its
    state, and drops the lease whenever either changes; any other state removes it. So a
    target scheduled, held or resumed by any service is seen by the dispatcher, and a
    lease never outlives the step it covered.
    """

    target = models.OneToOneField(PostTarget, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()
    state = models.CharField(max_length=16)
    lease_until = models.DateTimeField(null=True, blank=True)

    # Database functions made for the app role to call; the migration that creates one
    # revokes it from PUBLIC, and grant_app_role grants it to the app role by name.
    app_functions: ClassVar[tuple[str, ...]] = ("publishing_due_tickets",)

    class Meta:
        indexes = [models.Index(fields=["due_at"], name="dispatch_ticket_due")]

    def __str__(self) -> str:
        return f"target {self.target_id} due {self.due_at:%Y-%m-%d %H:%M:%S}"
