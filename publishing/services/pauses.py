"""Crisis pauses: hold every queued post of the agency (or of some accounts) at once,
and put them back when the crisis is over."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency
from accounts.services.principals import Principal, person_behind, require_admin
from archive.services import SYSTEM, NamedActor
from govsocial.errors import Conflict, GovsocialError
from publishing.models import (
    PausedAccount,
    Post,
    PostTarget,
    PublishingPause,
    SocialAccount,
    TargetState,
)
from publishing.selectors import pause_cover, pause_list_active
from publishing.services.transitions import posts_follow_holds, targets_state_set

# What a pause holds: targets waiting for their time or for a retry.
HOLDABLE = (TargetState.SCHEDULED, TargetState.RETRY_WAIT)


def _require_admin(agency: Agency, actor: Principal) -> None:
    refusal = _("Only an agency admin can pause or resume publishing.")
    require_admin(agency=agency, actor=actor, refusal=refusal)


def pause_start(
    *,
    agency: Agency,
    actor: Principal,
    reason: str,
    accounts: Sequence[SocialAccount] = (),
    until: datetime | None = None,
) -> PublishingPause:
    """Stop publishing for the agency (or for ``accounts``) now: every target waiting to
    go out on a covered account is held, not failed, until the pause ends."""
    _require_admin(agency, actor)
    reason = reason.strip()
    if not reason:
        raise GovsocialError(_("Say why publishing is paused."), field="reason")
    if until is not None and until <= timezone.now():
        raise GovsocialError(_("The end of the pause must be in the future."), field="until")
    if any(account.agency_id != agency.pk for account in accounts):
        raise GovsocialError(_("Choose accounts of this agency."), field="accounts")
    with transaction.atomic():
        pause: PublishingPause = PublishingPause.objects.create(
            agency=agency, reason=reason, until=until, started_by=person_behind(actor)
        )
        PausedAccount.objects.bulk_create(
            PausedAccount(agency=agency, pause=pause, account=account) for account in accounts
        )
        held = _hold(agency, [a.pk for a in accounts])
        archive.record(
            agency=agency,
            actor=actor,
            verb="publishing.paused",
            obj=pause,
            data={
                "reason": reason,
                "accounts": sorted(a.pk for a in accounts) or "all",
                "until": until.isoformat() if until else None,
                "targets_held": held,
            },
        )
    return pause


def pause_end(
    *, pause: PublishingPause, actor: Principal | NamedActor, overdue_now: bool
) -> PublishingPause:
    """End a pause. Held targets whose time is still ahead go back on the schedule;
    overdue ones go out now when ``overdue_now``, else stay held for their authors to
    give them new times. Accounts another pause still covers stay held."""
    if not isinstance(actor, NamedActor):
        _require_admin(pause.agency, actor)
    with transaction.atomic():
        pause = PublishingPause.objects.select_for_update(no_key=True).get(pk=pause.pk)
        if pause.ended_at is not None:
            raise Conflict(_("This pause has already ended."))
        pause.ended_at = timezone.now()
        pause.ended_by = None if isinstance(actor, NamedActor) else person_behind(actor)
        pause.save(update_fields=["ended_at", "ended_by"])
        released, kept = _release(pause.agency, overdue_now=overdue_now)
        archive.record(
            agency=pause.agency,
            actor=actor,
            verb="publishing.resumed",
            obj=pause,
            data={
                "overdue": "now" if overdue_now else "held",
                "targets_released": released,
                "targets_still_held": kept,
            },
        )
    return pause


def pauses_expire(*, agency: Agency) -> list[PublishingPause]:
    """End the agency's pauses whose time is up; overdue posts stay held, so nothing
    surprising goes out unattended."""
    now = timezone.now()
    expired = [p for p in pause_list_active(agency=agency, at=None) if p.until and p.until <= now]
    return [pause_end(pause=pause, actor=SYSTEM, overdue_now=False) for pause in expired]


def _hold(agency: Agency, account_ids: list[int]) -> int:
    """Hold the agency's waiting targets (of ``account_ids``, or all); return how many."""
    targets = PostTarget.objects.filter(agency=agency, state__in=HOLDABLE)
    if account_ids:
        targets = targets.filter(account_id__in=account_ids)
    post_ids = _lock_posts_of(targets)
    count = targets_state_set(targets.filter(post_id__in=post_ids), TargetState.HELD)
    posts_follow_holds(post_ids)
    return count


def _release(agency: Agency, *, overdue_now: bool) -> tuple[int, int]:
    """Put back held targets no active pause covers; return (released, still held)."""
    now = timezone.now()
    held = PostTarget.objects.filter(agency=agency, state=TargetState.HELD)
    cover = pause_cover(agency=agency)
    if cover.every_account:
        return 0, held.count()
    held = held.exclude(account_id__in=cover.account_ids)
    post_ids = _lock_posts_of(held)
    held = held.filter(post_id__in=post_ids)
    released = targets_state_set(held.filter(next_attempt_at__gt=now), TargetState.SCHEDULED)
    if overdue_now:
        overdue = held.filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
        released += targets_state_set(overdue, TargetState.SCHEDULED, next_attempt_at=now)
    posts_follow_holds(post_ids)
    still_held = PostTarget.objects.filter(agency=agency, state=TargetState.HELD).count()
    return released, still_held


def _lock_posts_of(targets: QuerySet[PostTarget]) -> set[int]:
    """Lock the posts of ``targets``, in the order of their ids, before their targets
    change: posts before targets, as every change of delivery takes them (the lock
    order in DESIGN.md). Return their ids: only their targets change, so a target that
    came to be held meanwhile on a post not locked waits for the next pass."""
    post_ids = set(targets.values_list("post_id", flat=True))
    locking = Post.objects.select_for_update(no_key=True).filter(pk__in=post_ids).order_by("pk")
    list(locking.values_list("pk", flat=True))
    return post_ids
