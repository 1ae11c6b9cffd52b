"""The one module that writes a post's status and its targets' states (DESIGN.md,
invariant 9).

Delivery moves targets one way, ``targets_move``: under the post's lock, only from the
state the caller saw, each move recorded in the archive, with the post's status rolled
up and the author told of a failure. The moves people make (scheduling, taking off the
schedule, an edit that voids an approval, a crisis pause and its end, a decision on an
approval) go through ``post_status_set``, ``targets_state_set``, ``targets_schedule``
and ``posts_follow_holds``, in the caller's transaction and under the post's lock,
which the caller took; the caller records its own event, which says why."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Subquery
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

import archive
from archive.services import SYSTEM, Actor
from notifications.models import Kind
from notifications.services import notify
from publishing.content import target_content_hash
from publishing.liveness import FRESH_SECONDS, liveness, sender_gone
from publishing.models import Post, PostStatus, PostTarget, SocialAccount, TargetState
from publishing.services.accounts import REFRESH_AHEAD, account_refresh

TERMINAL = frozenset({TargetState.PUBLISHED, TargetState.FAILED, TargetState.DELETED})
# A post whose targets are all still in one of these has not started going out.
NOT_STARTED = frozenset({TargetState.DRAFT, TargetState.SCHEDULED, TargetState.HELD})
# What a post still waits on while a pause may hold it: targets due, held or to be retried.
DUE_OR_HELD = frozenset({TargetState.SCHEDULED, TargetState.RETRY_WAIT, TargetState.HELD})


@dataclass(frozen=True)
class Move:
    """Say where a target goes: its new state, the verb of its archive event, the other
    fields that change with it, and what the event records besides."""

    to: str
    verb: str
    changes: Mapping[str, object] = field(default_factory=dict)
    data: Mapping[str, object] = field(default_factory=dict)


# Decides the moves of targets once they and their posts are locked (the claim's
# checks): one move for each target, by its id.
Decide = Callable[[Sequence[PostTarget]], Mapping[int, Move]]


def targets_move(
    *,
    target_ids: Collection[int],
    from_states: Collection[str],
    move: Move | Decide,
    attempts: Mapping[int, int] | None = None,
    due: bool = False,
    where: Q | None = None,
    actor: Actor = SYSTEM,
) -> list[PostTarget]:
    """Make ``move`` (or what ``move`` decides) of each of ``target_ids`` that is in one
    of ``from_states``, in one transaction; return the targets moved (those another
    worker moved first are left out).

    ``attempts`` also requires each target to be at the attempt given for it, so a
    worker that lost its target (checked on as stuck, then sent again) cannot overwrite
    a later attempt; ``due`` requires the next attempt to be due by the database's
    clock; ``where`` adds conditions of the caller's own (the first comment's state).
    The posts are locked first, in order, as every change to a post does, so targets of
    one post change one batch at a time and the roll-up sees them all. Each move is one
    archive event, which also records the change of the post's status the batch brings
    (on the event of the post's last target moved).
    """
    with transaction.atomic():
        of_targets = PostTarget.objects.filter(pk__in=list(target_ids)).values("post_id")
        posts = {
            post.pk: post
            for post in Post.objects.select_for_update(no_key=True, of=("self",))
            .select_related("agency")
            .filter(pk__in=Subquery(of_targets))
            .order_by("pk")
        }
        if not posts:
            return []
        wanted = Q(pk__in=list(target_ids), post_id__in=list(posts), state__in=list(from_states))
        if due:
            wanted &= Q(next_attempt_at__lte=Now())
        if where is not None:
            wanted &= where
        targets = [
            target
            for target in PostTarget.objects.select_for_update(no_key=True, of=("self",))
            .select_related("account")
            .filter(wanted)
            .order_by("pk")
            # Read locked, so a target's attempt is checked as it stands (one condition
            # per target in SQL would cost more to build than the rows it reads).
            if attempts is None or target.attempts == attempts[target.pk]
        ]
        if not targets:
            return []
        for target in targets:
            target.post = posts[target.post_id]
        steps = (
            dict.fromkeys((t.pk for t in targets), move)
            if isinstance(move, Move)
            else move(targets)
        )
        befores = {}
        for target in targets:
            step = steps[target.pk]
            befores[target.pk], target.state = target.state, step.to
            for name, value in step.changes.items():
                setattr(target, name, value)
        _save(targets, steps)
        rolled = _roll_up({target.post_id: target.post for target in targets})
        last_of_post = {target.post_id: target.pk for target in targets}
        events = []
        for target in targets:
            step = steps[target.pk]
            events.append(
                archive.Event(
                    step.verb,
                    target,
                    {
                        "post": target.post_id,
                        "account": target.account_id,
                        "from": befores[target.pk],
                        "to": step.to,
                        "attempt": target.attempts,
                        "remote_id": target.remote_id,
                        "content_hash": target.content_hash,
                        "next_attempt_at": _iso(target.next_attempt_at),
                        "reason": target.failure_reason,
                    }
                    # The post's change, on the event of its last target moved.
                    | (
                        rolled.get(target.post_id, {})
                        if last_of_post[target.post_id] == target.pk
                        else {}
                    )
                    | dict(step.data),
                )
            )
        archive.record_each(agency=targets[0].post.agency, actor=actor, events=events)
        for target in targets:
            if target.state == TargetState.FAILED:
                _tell_author(target)
    return targets


def target_move(
    *,
    target_id: int,
    from_states: Collection[str],
    move: Move,
    attempt: int | None = None,
    due: bool = False,
    where: Q | None = None,
    actor: Actor = SYSTEM,
) -> PostTarget | None:
    """Make ``move`` of one target (see ``targets_move``); return it, or None when it
    was no longer in one of ``from_states`` (or at ``attempt``)."""
    moved = targets_move(
        target_ids=[target_id],
        from_states=from_states,
        move=move,
        attempts=None if attempt is None else {target_id: attempt},
        due=due,
        where=where,
        actor=actor,
    )
    return moved[0] if moved else None


# A target's fields that a move may change, by name.
_COLUMNS: dict[str, Any] = {f.name: f for f in PostTarget._meta.concrete_fields}


def _save(targets: Sequence[PostTarget], steps: Mapping[int, Move]) -> None:
    """Write the targets' changed fields: one statement (sent once, with each target's
    values) for each set of fields."""
    by_fields: dict[tuple[str, ...], list[PostTarget]] = defaultdict(list)
    for target in targets:
        by_fields[("state", *sorted(steps[target.pk].changes))].append(target)
    with connection.cursor() as cursor:
        for names, changed in by_fields.items():
            fields = [_COLUMNS[name] for name in names]
            columns = sql.SQL(", ").join(
                [sql.SQL("{} = %s").format(sql.Identifier(f.column)) for f in fields]
            )
            update = sql.SQL("UPDATE publishing_posttarget SET {} WHERE id = %s").format(columns)
            cursor.executemany(
                update.as_string(connection.connection),
                [
                    [f.get_db_prep_save(getattr(t, f.attname), connection) for f in fields] + [t.pk]
                    for t in changed
                ],
            )


def target_advance(
    target: PostTarget, *, from_states: Collection[str], move: Move
) -> PostTarget | None:
    """Make ``move`` of ``target`` from one of ``from_states``, only while it is still at
    the attempt it was read at (see ``target_move``)."""
    return target_move(
        target_id=target.pk,
        from_states=from_states,
        attempt=target.attempts,
        move=move,
    )


def target_fail(
    target: PostTarget, *, from_states: Collection[str], reason: str
) -> PostTarget | None:
    """Give up on ``target``, saying why; its author is emailed the reason."""
    return target_advance(target, from_states=from_states, move=failed(reason))


def failed(reason: str) -> Move:
    """Return the move that gives up on a target, saying why."""
    return Move(
        TargetState.FAILED,
        "target.failed",
        changes={"failure_reason": reason, "next_attempt_at": None},
    )


def post_status_set(post: Post, status: str, **changes: Any) -> None:
    """Write the locked post's ``status`` and the fields that change with it (its time,
    its approved hash)."""
    _require_transaction()
    post.status = status
    for name, value in changes.items():
        setattr(post, name, value)
    post.save(update_fields=["status", *changes, "updated_at"])


def targets_state_set(targets: QuerySet[PostTarget], to: str, **changes: Any) -> int:
    """Write ``to`` (and ``changes``) on ``targets``, whose posts the caller locked;
    return how many changed."""
    _require_transaction()
    return targets.update(state=to, **changes)


def targets_schedule(
    post: Post, targets: Sequence[PostTarget], *, at: datetime, held: Callable[[int], bool]
) -> str:
    """Put the locked post's targets on the schedule for ``at``, held where ``held``
    says their account is paused, each with the hash of what it will send; return the
    status the post takes (held when all its targets are)."""
    _require_transaction()
    for target in targets:
        target.post = post
        target.state = TargetState.HELD if held(target.account_id) else TargetState.SCHEDULED
        target.next_attempt_at = at
        target.content_hash = target_content_hash(target)
    PostTarget.objects.bulk_update(targets, ["state", "next_attempt_at", "content_hash"])
    all_held = all(target.state == TargetState.HELD for target in targets)
    return PostStatus.HELD if all_held else PostStatus.SCHEDULED


def posts_follow_holds(post_ids: Collection[int]) -> None:
    """Show each of the locked posts as held while all its waiting targets are held,
    else as scheduled (one query for the counts, one update per status)."""
    _require_transaction()
    counts = (
        PostTarget.objects.filter(post_id__in=post_ids, state__in=DUE_OR_HELD)
        .values("post_id")
        .annotate(waiting=Count("pk"), held=Count("pk", filter=Q(state=TargetState.HELD)))
    )
    by_status: dict[str, list[int]] = {PostStatus.HELD: [], PostStatus.SCHEDULED: []}
    for row in counts:
        held = row["held"] == row["waiting"]
        by_status[PostStatus.HELD if held else PostStatus.SCHEDULED].append(row["post_id"])
    for status, ids in by_status.items():
        Post.objects.filter(pk__in=ids, status__in=[PostStatus.SCHEDULED, PostStatus.HELD]).update(
            status=status
        )


def _require_transaction() -> None:
    """Refuse a write outside a transaction: the post's lock would not be held."""
    if not connection.in_atomic_block:
        raise RuntimeError("a post's status and its targets' states change in a transaction")


def fresh_account(account: SocialAccount) -> SocialAccount:
    """Return ``account`` with a token that works for a while yet: renewed (under the
    accounts service's lock) only when it is about to expire."""
    expires = account.token_expires_at
    if expires is None or expires - REFRESH_AHEAD > timezone.now():
        return account
    return account_refresh(account=account)


# The posts' statuses from their targets' states, in one statement (it runs on every
# move): published or failed once every target is done (failed if any failed),
# publishing while any is past scheduled; unchanged (no row) otherwise.
ROLL_UP = """
UPDATE publishing_post SET status = rolled.status, updated_at = %(now)s
FROM (
    SELECT post_id, CASE
        WHEN bool_and(state = ANY(%(terminal)s)) THEN
            CASE WHEN bool_or(state = 'failed') THEN 'failed' ELSE 'published' END
        WHEN bool_or(state <> ALL(%(not_started)s)) THEN 'publishing'
    END AS status
    FROM publishing_posttarget WHERE post_id = ANY(%(posts)s) GROUP BY post_id
) AS rolled
WHERE publishing_post.id = rolled.post_id AND rolled.status IS NOT NULL
  AND publishing_post.status <> rolled.status
RETURNING publishing_post.id, rolled.status
"""


def _roll_up(posts: Mapping[int, Post]) -> dict[int, dict[str, str]]:
    """Set each post's status from its targets' and return, by post, what the archive
    records of a change (posts whose status stays are left out)."""
    with connection.cursor() as cursor:
        cursor.execute(
            ROLL_UP,
            {
                "now": timezone.now(),
                "terminal": sorted(TERMINAL),
                "not_started": sorted(NOT_STARTED),
                "posts": list(posts),
            },
        )
        changed = cursor.fetchall()
    rolled = {}
    for post_id, status in changed:
        post = posts[post_id]
        rolled[post_id] = {"post_status_from": post.status, "post_status": status}
        post.status = status
    return rolled


def _tell_author(target: PostTarget) -> None:
    """Tell the post's author why it did not go out to the target's account."""
    post = target.post
    author = post.author
    link = settings.SITE_URL + reverse(
        "post_detail", kwargs={"agency_slug": post.agency.slug, "post_id": post.pk}
    )
    context = {
        "author": author,
        "post": post,
        "account": target.account,
        "reason": target.failure_reason,
        "link": link,
    }
    notify(
        user=author,
        kind=Kind.DELIVERY_FAILED,
        subject=_("Your post was not published to %(account)s") % {"account": target.account},
        body=render_to_string("emails/post_target_failed.txt", context),
        link=link,
    )


def network_timeout() -> float:
    """Return the longest any network's call may take before it times out."""
    timeouts = [float(n.get("timeout_seconds", 10)) for n in settings.NETWORKS.values()]
    return max(timeouts, default=10.0)


def stuck_after() -> float:
    """Return how long a target may stay "sending" before its worker is taken as lost:
    the margin within which the call that publishes must start (reads and uploads
    come first), plus the network timeout of that call."""
    return network_timeout() + settings.DELIVERY_SENDING_MARGIN_SECONDS


def gone_calls_end_after() -> float:
    """Return how long after its worker was found gone a send's last call has ended or
    timed out: the worker may have gone on starting calls unaware for
    ``FRESH_SECONDS``."""
    return FRESH_SECONDS + network_timeout()


def first_check_after(sender: int | None) -> float:
    """Return how long after its claim a send is first checked on, should its worker
    never record an answer: with the worker's proof of life, a moment after a call
    started at once would have had its answer (the worker may be found gone then);
    without it, once the worker is taken as lost (``stuck_after``)."""
    return stuck_after() if sender is None else gone_calls_end_after()


@dataclass(frozen=True)
class Unanswered:
    """Say what to make of a send whose answer never came, from when it left (``at``)
    and, if its worker was found gone while it was "sending", from when (``gone_at``):
    the same reckoning for a post and for its first comment."""

    at: datetime
    gone_at: datetime | None = None

    def write_deadline(self) -> datetime:
        """Return the latest moment the call that publishes may start: one starting
        then has its answer, or has timed out, when the send is taken as lost."""
        return self.at + timedelta(seconds=settings.DELIVERY_SENDING_MARGIN_SECONDS)

    def lost(self) -> bool:
        """Say whether its worker is taken as lost: gone, or no answer could take this
        long."""
        return (
            self.gone_at is not None or self.at + timedelta(seconds=stuck_after()) <= timezone.now()
        )

    def since(self) -> datetime:
        """Return from when the network is read for it (its clock may differ from ours)."""
        return self.at - timedelta(seconds=settings.DELIVERY_CLOCK_MARGIN_SECONDS)

    def settled_at(self) -> datetime:
        """Return when a send still missing on the network is taken as never made: the
        request that left has finished or been dropped by then.

        The last call that publishes ended, or timed out, by ``stuck_after`` after the
        claim; with its worker found gone, by then plus the time that worker may have
        gone on starting calls unaware (``FRESH_SECONDS``) plus the call's timeout, if
        that is sooner. The network has the settle time after that to show it.
        """
        ended = self.at + timedelta(seconds=stuck_after())
        if self.gone_at is not None:
            ended = min(ended, self.gone_at + timedelta(seconds=gone_calls_end_after()))
        return ended + timedelta(seconds=settings.DELIVERY_RECONCILE_SETTLE_SECONDS)

    def given_up(self) -> bool:
        """Say whether the network has been unreadable for too long to keep looking."""
        return timezone.now() >= self.at + timedelta(
            seconds=settings.DELIVERY_RECONCILE_GIVE_UP_SECONDS
        )


def sender_stamp() -> dict[str, object]:
    """Return the changes that stamp a send claimed now (a post's or its first
    comment's) with this worker's proof of life, if it holds one, and set when it is
    first checked on, should its worker never record an answer."""
    sender = liveness.key()
    return {
        "sender": sender,
        "sender_gone_at": None,
        "next_attempt_at": now_plus(first_check_after(sender)),
    }


def lost_by_worker(unanswered: Unanswered, sender: int | None) -> dict[str, object] | None:
    """Return the changes that take a send still "sending" as lost by its worker: none
    past the longest an answer could take; when its worker is gone before then, from
    when it was found so (nothing more leaves for it after that, and the settle is
    reckoned from there). None while its answer may still come."""
    if unanswered.lost():
        return {}
    if sender is None or not sender_gone(sender):
        return None
    return {"sender_gone_at": timezone.now()}


def now_plus(seconds: float) -> datetime:
    """Return the moment ``seconds`` from now."""
    return timezone.now() + timedelta(seconds=seconds)


def _iso(moment: datetime | None) -> str | None:
    """Return ``moment`` as the archive stores times (ISO 8601), or None."""
    return moment.isoformat() if moment else None
