"""Queue slots: an account's weekly times, and "Add to queue", which schedules a draft at
the next slot free on all of its accounts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.services.principals import Principal, require_admin
from govsocial.errors import Conflict, GovsocialError
from govsocial.timezones import zone_named
from publishing.models import Post, PostStatus, QueueSlot, SocialAccount, Weekday
from publishing.selectors import QUEUE_HORIZON, queue_next_free_slot
from publishing.services.posts import lock_pair, require_composer
from publishing.services.scheduling import post_schedule

# Only what is not on its way yet can be given a queue time.
QUEUEABLE = frozenset({PostStatus.DRAFT, PostStatus.APPROVED})


def _slot_label(weekday: int, at: time) -> str:
    return f"{Weekday(weekday).name.lower()} {at:%H:%M}"


def queue_slots_set(
    *, account: SocialAccount, actor: Principal, slots: Iterable[tuple[int, time]]
) -> list[QueueSlot]:
    """Replace the account's queue slots with ``slots`` (weekday, Monday 0, and a time
    in the agency's zone, to the minute). Setting what is already set records nothing."""
    agency = account.agency
    require_admin(
        agency=agency, actor=actor, refusal=_("Only an agency admin can set queue times.")
    )
    wanted = sorted({(weekday, at.replace(second=0, microsecond=0)) for weekday, at in slots})
    if any(weekday not in Weekday.values for weekday, _at in wanted):
        raise GovsocialError(_("Choose days of the week from Monday to Sunday."), field="slots")
    with transaction.atomic():
        # Two admins saving at once: the second waits, then replaces the first's.
        SocialAccount.objects.select_for_update(no_key=True).filter(pk=account.pk).get()
        current = list(
            QueueSlot.objects.filter(account=account)
            .order_by("weekday", "time")
            .values_list("weekday", "time")
        )
        if current == wanted:
            return list(QueueSlot.objects.filter(account=account))
        QueueSlot.objects.filter(account=account).delete()
        created = QueueSlot.objects.bulk_create(
            QueueSlot(agency=agency, account=account, weekday=weekday, time=at)
            for weekday, at in wanted
        )
        archive.record(
            agency=agency,
            actor=actor,
            verb="queue.slots_set",
            obj=account,
            data={
                "slots": [_slot_label(*slot) for slot in wanted],
                "previously": [_slot_label(*slot) for slot in current],
                "time_zone": agency.time_zone,
            },
        )
    return created


def post_add_to_queue(*, post: Post, actor: Principal, not_before: datetime | None = None) -> Post:
    """Schedule a draft at the earliest queue slot after now (or ``not_before``) that
    every account of the post has and none of them has taken, through ``post_schedule``
    and its rules.

    Refused when the post is not a draft, or no common free slot comes within
    ``QUEUE_HORIZON``.
    """
    agency = post.agency
    require_composer(agency=agency, actor=actor)
    now = timezone.now()
    after = max(now, not_before) if not_before is not None else now
    with transaction.atomic():
        (post, targets), partner = lock_pair(post)
        if post.status not in QUEUEABLE:
            raise Conflict(
                _("Only a draft can be added to the queue: this post is %(status)s.")
                % {"status": post.get_status_display().lower()}
            )
        # A post and its translation take one slot together: one message, in both languages.
        pair = [(post, targets), *([partner] if partner is not None else [])]
        accounts = sorted({t.account for _p, of in pair for t in of}, key=lambda a: a.pk)
        if not targets:
            raise GovsocialError(_("Choose at least one account to publish to."), field="accounts")
        # Lock the accounts (in one order) so that two posts queued at once for the same
        # account cannot both take its next slot.
        list(
            SocialAccount.objects.select_for_update(no_key=True)
            .filter(pk__in=[a.pk for a in accounts])
            .order_by("pk")
        )
        at = queue_next_free_slot(
            accounts=accounts,
            zone=zone_named(agency.time_zone),
            after=after,
            exclude_post_ids=[p.pk for p, _of in pair],
        )
        if at is None:
            raise GovsocialError(
                _(
                    "No queue time is free for %(accounts)s in the next %(weeks)d weeks. "
                    "An agency admin sets each account's queue times on the Queue times "
                    "page; or choose a time yourself."
                )
                % {
                    "accounts": ", ".join(str(a) for a in accounts),
                    "weeks": QUEUE_HORIZON.days // 7,
                },
                field="accounts",
            )
        post = post_schedule(post=post, actor=actor, at=at)
        archive.record(
            agency=agency,
            actor=actor,
            verb="post.queued",
            obj=post,
            data={
                "at": at,
                "accounts": [a.pk for a in accounts],
                "translation": post.translation_id,
            },
        )
    return post
