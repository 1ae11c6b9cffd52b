"""Routing new items: the rules the agency's admins write give an item to a member, tag
it and raise its priority; the agency's urgent words (in English and French by default)
make it urgent, and an urgent item alerts whoever is on duty: the members who work the
inbox during business hours, the after-hours members otherwise (the admins when none
is named). Rules, coverage and every routing and alert are on the record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import regex
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import archive
from accounts.models import Agency, Membership, Role, User
from accounts.services.principals import Principal, require_admin
from approvals.rules import folded
from archive import Event
from archive.services import SYSTEM
from govsocial.errors import GovsocialError
from inbox.models import Coverage, InboxItem, Priority, RoutingRule
from inbox.selectors import inbox_workers
from inbox.services import TAG_LONGEST, TAGS_MOST, kept_retire, require_within, works_inbox
from notifications.models import Kind
from notifications.services import notify
from publishing.models import SocialAccount

# Words that make an item urgent until the agency's admins choose their own.
DEFAULT_URGENT_WORDS = (
    "help", "emergency", "urgent", "danger", "911", "aide", "urgence", "au secours",
)  # fmt: skip
DEFAULT_WEEKDAYS = (0, 1, 2, 3, 4)
DEFAULT_OPENS_AT = time(9)
DEFAULT_CLOSES_AT = time(17)
NAME_LONGEST = 200
WORD_LONGEST = 100
WORDS_MOST = 50
RANK = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.URGENT: 2}


def says_any(text: str, words: Iterable[str]) -> bool:
    """Return whether ``text`` says one of ``words`` as a whole word (or phrase)."""
    return _folded_says_any(folded(text), words)


def _folded_says_any(text: str, words: Iterable[str]) -> bool:
    """Return whether the folded ``text`` says one of ``words`` (as ``says_any``)."""
    pattern = _saying(tuple(words))
    return pattern is not None and pattern.search(text) is not None


@lru_cache(maxsize=256)
def _saying(words: tuple[str, ...]) -> regex.Pattern[str] | None:
    """Return the pattern that finds any of ``words`` whole (None when there are none),
    made once for each list of words: every item received is searched with it."""
    alternatives = "|".join(regex.escape(folded(word)) for word in words if word.strip())
    return regex.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if alternatives else None


def coverage_of(agency: Agency) -> Coverage:
    """Return the agency's coverage: the one its admins saved, else the defaults."""
    saved: Coverage | None = Coverage.objects.filter(agency=agency).first()
    return saved or Coverage(
        agency=agency,
        weekdays=list(DEFAULT_WEEKDAYS),
        opens_at=DEFAULT_OPENS_AT,
        closes_at=DEFAULT_CLOSES_AT,
        after_hours=[],
        urgent_words=list(DEFAULT_URGENT_WORDS),
        replies_need_approval=False,
    )


def items_route(*, account: SocialAccount, rows: Sequence[InboxItem]) -> None:
    """Apply the agency's rules and urgent words to newly stored ``rows`` (inside the
    caller's transaction); alert whoever is on duty about urgent ones once it commits."""
    if not rows:
        return
    rules = [
        rule
        for rule in RoutingRule.objects.filter(retired_at__isnull=True).select_related("assignee")
        if rule.account_id in (None, account.pk)
    ]
    urgent_words = coverage_of(account.agency).urgent_words
    events, urgent = [], []
    for row in rows:
        text = folded(row.text)
        matched = [rule for rule in rules if not rule.words or _folded_says_any(text, rule.words)]
        is_urgent = _folded_says_any(text, urgent_words)
        if not matched and not is_urgent:
            continue
        assignee = next((rule.assignee for rule in matched if rule.assignee), None)
        raised = [row.priority, *(rule.priority for rule in matched)]
        row.priority = Priority.URGENT if is_urgent else max(raised, key=RANK.__getitem__)
        row.tags = list(dict.fromkeys([*row.tags, *(r.tag for r in matched if r.tag)]))[:TAGS_MOST]
        row.assignee = assignee or row.assignee
        row.save(update_fields=["priority", "tags", "assignee"])
        events.append(
            Event(
                "inbox.item_routed",
                row,
                {
                    "rules": [rule.name for rule in matched],
                    "urgent": is_urgent,
                    "priority": row.priority,
                    "tags": row.tags,
                    "assignee": row.assignee.email if row.assignee else None,
                },
            )
        )
        if row.priority == Priority.URGENT:
            urgent.append(row.pk)
    archive.record_each(agency=account.agency, actor=SYSTEM, events=events)
    if urgent:
        # Imported here: the tasks module imports this one.
        from inbox.tasks import urgent_alert

        agency_id = account.agency_id
        transaction.on_commit(lambda: urgent_alert.delay(agency_id=agency_id, item_ids=urgent))


def on_duty(agency: Agency, moment: datetime) -> list[User]:
    """Return who is on duty at ``moment``: the members who work the inbox during the
    agency's business hours, else the after-hours members (else its admins)."""
    coverage = coverage_of(agency)
    local = moment.astimezone(ZoneInfo(agency.time_zone))
    workers = inbox_workers()
    open_now = coverage.opens_at <= local.time() < coverage.closes_at
    if local.weekday() in coverage.weekdays and open_now:
        return [membership.user for membership in workers]
    named = [m.user for m in workers if m.user_id in coverage.after_hours]
    admins = Membership.objects.filter(is_active=True, roles__contains=[Role.ADMIN])
    return named or [membership.user for membership in admins.select_related("user")]


def urgent_items_alert(*, agency: Agency, item_ids: Sequence[int]) -> None:
    """Tell whoever is on duty now about each urgent item; record who was alerted."""
    people = on_duty(agency, timezone.now())
    for item in InboxItem.objects.filter(pk__in=item_ids).select_related("account"):
        link = settings.SITE_URL + reverse(
            "inbox_item", kwargs={"agency_slug": agency.slug, "item_id": item.pk}
        )
        body = render_to_string("emails/inbox_urgent.txt", {"item": item, "link": link})
        for person in people:
            notify(
                user=person,
                kind=Kind.INBOX,
                subject=_("Urgent: %(author)s wrote to %(account)s")
                % {
                    "author": item.author_name or item.author_handle,
                    "account": item.account.handle,
                },
                body=body,
                link=link,
                about=item,
            )
        with transaction.atomic():
            archive.record(
                agency=agency,
                actor=SYSTEM,
                verb="inbox.urgent_alert_sent",
                obj=item,
                data={"to": [person.email for person in people]},
            )


def rule_add(
    *,
    agency: Agency,
    actor: Principal,
    name: str,
    words: Sequence[str],
    account: SocialAccount | None,
    assignee: User | None,
    tag: str,
    priority: str,
) -> RoutingRule:
    """Add a routing rule (admins): it applies to items that arrive from now on."""
    require_admin(agency=agency, actor=actor, refusal=_("Only an agency admin writes the rules."))
    name, tag = name.strip(), tag.strip()
    chosen = _words(words, field="words")
    if not name:
        raise GovsocialError(_("Name the rule."), field="name")
    require_within("name", name, NAME_LONGEST)
    require_within("tag", tag, TAG_LONGEST)
    if not chosen and account is None:
        raise GovsocialError(
            _("Give the rule words to look for, an account, or both."), field="words"
        )
    if priority not in Priority.values:
        raise GovsocialError(_("Choose normal, high or urgent."), field="priority")
    if assignee is not None and not works_inbox(agency=agency, actor=assignee):
        raise GovsocialError(_("Assign items to a member who works the inbox."), field="assignee")
    if not (assignee or tag or priority != Priority.NORMAL):
        raise GovsocialError(
            _("Say what the rule does: a member, a tag or a higher priority."), field="assignee"
        )
    with transaction.atomic():
        rule: RoutingRule = RoutingRule.objects.create(
            agency=agency,
            name=name,
            words=chosen,
            account=account,
            assignee=assignee,
            tag=tag,
            priority=priority,
        )
        archive.record(
            agency=agency,
            actor=actor,
            verb="inbox.routing_rule_added",
            obj=rule,
            data={
                "name": name,
                "words": chosen,
                "account": account.handle if account else None,
                "assignee": assignee.email if assignee else None,
                "tag": tag,
                "priority": priority,
            },
        )
    return rule


def rule_retire(*, rule: RoutingRule, actor: Principal) -> RoutingRule:
    """Stop applying ``rule`` (admins); it stays, named by what it routed."""
    kept_retire(
        row=rule,
        actor=actor,
        refusal=_("Only an agency admin writes the rules."),
        verb="inbox.routing_rule_retired",
        data={"name": rule.name},
    )
    return rule


def coverage_set(
    *,
    agency: Agency,
    actor: Principal,
    weekdays: Sequence[int],
    opens_at: time,
    closes_at: time,
    after_hours: Sequence[User],
    urgent_words: Sequence[str],
    replies_need_approval: bool = False,
) -> Coverage:
    """Save the agency's business hours, after-hours members and urgent words, and
    whether its replies pass approval (admins)."""
    require_admin(
        agency=agency, actor=actor, refusal=_("Only an agency admin sets the inbox's coverage.")
    )
    days = sorted(set(weekdays))
    if any(day not in range(7) for day in days):
        raise GovsocialError(_("Choose days of the week."), field="weekdays")
    if days and opens_at >= closes_at:
        raise GovsocialError(_("Close after opening, on the same day."), field="closes_at")
    workers = {membership.user_id for membership in inbox_workers()}
    if any(person.pk not in workers for person in after_hours):
        raise GovsocialError(
            _("Choose members who work the inbox to be on duty."), field="after_hours"
        )
    words = _words(urgent_words, field="urgent_words")
    with transaction.atomic():
        coverage = coverage_of(agency)
        coverage.weekdays, coverage.opens_at, coverage.closes_at = days, opens_at, closes_at
        coverage.after_hours = sorted(person.pk for person in after_hours)
        coverage.urgent_words = words
        coverage.replies_need_approval = replies_need_approval
        coverage.save()
        archive.record(
            agency=agency,
            actor=actor,
            verb="inbox.coverage_set",
            obj=coverage,
            data={
                "weekdays": days,
                "opens_at": opens_at.isoformat(),
                "closes_at": closes_at.isoformat(),
                "after_hours": sorted(person.email for person in after_hours),
                "urgent_words": words,
                "replies_need_approval": replies_need_approval,
            },
        )
    return coverage


def _words(words: Sequence[str], *, field: str) -> list[str]:
    """Return ``words`` trimmed, each once, or refuse too many or too long."""
    chosen = list(dict.fromkeys(word.strip() for word in words if word.strip()))
    if len(chosen) > WORDS_MOST:
        raise GovsocialError(
            _("Give at most %(count)s words.") % {"count": WORDS_MOST}, field=field
        )
    if any(len(word) > WORD_LONGEST for word in chosen):
        raise GovsocialError(
            _("Keep each word under %(count)s characters.") % {"count": WORD_LONGEST},
            field=field,
        )
    return chosen
