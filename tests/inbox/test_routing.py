"""Routing new items: the admins' rules give an item to a member, tag it and raise its
priority (words whole, case and accents aside; an account named; retired rules out);
urgent words make it urgent and email whoever is on duty: the members who work the
inbox in business hours, the after-hours members otherwise, the admins when none is
named. Rules and coverage are kept by admins, in the pages, on the record."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from archive.models import ArchiveEvent
from govsocial.celery import app
from govsocial.errors import GovsocialError
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem, Priority, RoutingRule
from inbox.routing import coverage_set, on_duty, rule_add, rule_retire, says_any
from inbox.services import items_receive
from publishing.models import SocialAccount
from tests.conftest import Personas
from tests.emulator_client import Emulator
from tests.factories import MembershipFactory, emulated_account_for
from tests.inbox.conftest import citizen

pytestmark = pytest.mark.django_db


def rule(personas: Personas, **fields: Any) -> RoutingRule:
    values: dict[str, Any] = {
        "name": "Roads",
        "words": [],
        "account": None,
        "assignee": None,
        "tag": "",
        "priority": Priority.NORMAL,
    }
    with agency_scope(personas.agency_a.pk):
        return rule_add(agency=personas.agency_a, actor=personas.admin_a.user, **(values | fields))


def received(personas: Personas, account: SocialAccount, *texts: str) -> list[InboxItem]:
    with agency_scope(personas.agency_a.pk):
        items_receive(
            account=account,
            items=[citizen(f"c{n}", text) for n, text in enumerate(texts)],
        )
        return list(InboxItem.objects.order_by("remote_id"))


def test_words_match_whole_words_whatever_their_case_and_accents() -> None:
    assert says_any("Il y a un NID-DE-POULE rue Élm", ["nid-de-poule"])
    assert says_any("J'ai besoin d'AÏDE", ["aide"])
    assert says_any("Please help, the bridge is out", ["au secours", "help"])
    # A typographic apostrophe is written as a straight one in a rule, and the other way.
    assert says_any("Besoin d\u2019aide rue Elm", ["d'aide"])
    assert says_any("Besoin d'aide rue Elm", ["d\u2019aide"])
    assert not says_any("helpful staff", ["help"])
    assert not says_any("anything", [" ", ""])


def test_a_rule_assigns_tags_and_raises_the_priority_of_what_it_matches(
    personas: Personas, account: SocialAccount, quiet: Emulator
) -> None:
    elsewhere = emulated_account_for(personas.agency_a, quiet, "bluesky", "riverton")
    rule(
        personas,
        name="Roads",
        words=["pothole", "nid-de-poule"],
        assignee=personas.author_a.user,
        tag="roads",
        priority=Priority.HIGH,
    )
    rule(personas, name="Mastodon", account=account, tag="fediverse")
    retired = rule(personas, name="Old", words=["pothole"], tag="old")
    with agency_scope(personas.agency_a.pk):
        rule_retire(rule=retired, actor=personas.admin_a.user)

    routed, plain = received(personas, account, "A POTHOLE on Elm", "Thanks for the update")
    with agency_scope(personas.agency_a.pk):
        items_receive(account=elsewhere, items=[citizen("b1", "Nid-de-poule rue Élm")])
        other = InboxItem.objects.get(remote_id="b1")
        events = list(ArchiveEvent.objects.filter(verb="inbox.item_routed").order_by("id"))

    assert (routed.assignee, routed.tags, routed.priority) == (
        personas.author_a.user,
        ["roads", "fediverse"],
        Priority.HIGH,
    )
    assert (plain.assignee, plain.tags, plain.priority) == (None, ["fediverse"], Priority.NORMAL)
    assert (other.tags, other.priority) == (["roads"], Priority.HIGH)
    assert [event.data["rules"] for event in events] == [
        ["Roads", "Mastodon"],
        ["Mastodon"],
        ["Roads"],
    ]
    assert events[0].data["assignee"] == personas.author_a.user.email


def test_a_rule_must_say_when_it_applies_and_what_it_does(personas: Personas) -> None:
    with pytest.raises(GovsocialError, match="words to look for, an account") as nothing:
        rule(personas, tag="x")
    with pytest.raises(GovsocialError, match="Say what the rule does"):
        rule(personas, words=["x"])
    with (
        pytest.raises(GovsocialError, match="Only an agency admin"),
        agency_scope(personas.agency_a.pk),
    ):
        rule_add(
            agency=personas.agency_a,
            actor=personas.author_a.user,
            name="R",
            words=["x"],
            account=None,
            assignee=None,
            tag="t",
            priority=Priority.NORMAL,
        )
    assert nothing.value.field == "words"


def on_duty_at(personas: Personas, moment: datetime) -> set[str]:
    with agency_scope(personas.agency_a.pk):
        return {person.email for person in on_duty(personas.agency_a, moment)}


def test_who_is_on_duty_follows_the_business_hours_in_the_agencys_time_zone(
    personas: Personas,
) -> None:
    agency = personas.agency_a
    agency.time_zone = "America/Toronto"
    agency.save()
    approver = MembershipFactory(agency=agency, roles=[Role.APPROVER])
    MembershipFactory(agency=agency, roles=[Role.RECORDS_OFFICER])
    workers = {personas.admin_a.user.email, personas.author_a.user.email, approver.user.email}
    # Thursday 3 December 2026, 10:00 and 20:00 in Toronto.
    morning = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    evening = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)

    assert on_duty_at(personas, morning) == workers
    assert on_duty_at(personas, evening) == {personas.admin_a.user.email}

    with agency_scope(agency.pk):
        coverage_set(
            agency=agency,
            actor=personas.admin_a.user,
            weekdays=[0, 1, 2, 3, 4],
            opens_at=time(8),
            closes_at=time(18),
            after_hours=[approver.user],
            urgent_words=["urgence"],
        )
    assert on_duty_at(personas, evening) == {approver.user.email}


def test_an_urgent_word_makes_the_item_urgent_and_emails_whoever_is_on_duty(
    personas: Personas,
    account: SocialAccount,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with agency_scope(personas.agency_a.pk):
        Membership.objects.filter(pk=personas.author_a.pk).update(is_active=False)
        coverage_set(
            agency=personas.agency_a,
            actor=personas.admin_a.user,
            weekdays=[],
            opens_at=time(9),
            closes_at=time(17),
            after_hours=[],
            urgent_words=["urgence", "emergency"],
        )
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            urgent, calm = received(personas, account, "URGENCE: inondation rue Elm", "Merci")
    finally:
        app.conf.task_always_eager = False

    assert (urgent.priority, calm.priority) == (Priority.URGENT, Priority.NORMAL)
    with agency_scope(personas.agency_a.pk):
        # Those who connected the account are admins too.
        admins = sorted(
            Membership.objects.filter(roles__contains=[Role.ADMIN]).values_list(
                "user__email", flat=True
            )
        )
        [alert] = ArchiveEvent.objects.filter(verb="inbox.urgent_alert_sent")
    assert personas.admin_a.user.email in admins
    assert sorted(mail.to[0] for mail in mailoutbox) == admins
    assert all("URGENCE: inondation rue Elm" in mail.body for mail in mailoutbox)
    assert reverse("inbox_item", args=["alpha", urgent.pk]) in mailoutbox[0].body
    assert alert.object_id == str(urgent.pk) and sorted(alert.data["to"]) == admins


def test_admins_keep_rules_and_coverage_in_the_pages_and_others_only_read_them(
    personas: Personas, account: SocialAccount
) -> None:
    admin = personas.client_for(personas.admin_a)
    author = personas.client_for(personas.author_a)
    routing = reverse("inbox_routing", args=["alpha"])
    coverage = reverse("inbox_coverage", args=["alpha"])

    added = admin.post(
        routing,
        {
            "name": "Water",
            "words": "flood, inondation",
            "account": account.pk,
            "assignee": personas.author_a.user.pk,
            "tag": "water",
            "priority": "urgent",
        },
        follow=True,
    )
    refused = admin.post(routing, {"name": "Empty", "words": "", "priority": "normal"})
    saved = admin.post(
        coverage,
        {
            "weekdays": ["0", "2"],
            "opens_at": "08:30",
            "closes_at": "16:00",
            "after_hours": [personas.author_a.user.pk],
            "urgent_words": "help, aide",
        },
        follow=True,
    )
    backwards = admin.post(coverage, {"weekdays": ["0"], "opens_at": "17:00", "closes_at": "09:00"})
    read = author.get(routing).content.decode()
    author_post = author.post(
        routing, {"name": "Mine", "words": "x", "tag": "y", "priority": "normal"}
    )

    assert "The rule is added" in added.content.decode()
    assert "flood, inondation" in added.content.decode()
    assert refused.status_code == 400
    assert "words to look for, an account" in refused.content.decode()
    assert "The inbox&#x27;s coverage is saved." in saved.content.decode()
    assert "Monday, Wednesday, 08:30\N{EN DASH}16:00" in saved.content.decode()
    assert backwards.status_code == 400 and "Close after opening" in backwards.content.decode()
    assert "Water" in read and 'name="name"' not in read
    assert author_post.status_code == 400
    with agency_scope(personas.agency_a.pk):
        assert list(RoutingRule.objects.values_list("name", flat=True)) == ["Water"]
        verbs = set(ArchiveEvent.objects.values_list("verb", flat=True))
    assert {"inbox.routing_rule_added", "inbox.coverage_set"} <= verbs
