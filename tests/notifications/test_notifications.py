"""Notifications: what the apps tell people lands in each person's list (a count in the
header, read and unread, a link to the thing) and comes by email at once, in one email
a day, or not at all by email, as each person chose; approvers are reminded of rounds
waiting longer than the agency's target, once per step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import agency_policy_change
from approvals.decisions import approval_decide, post_submit
from approvals.models import Approval, StepRule, Verdict
from approvals.reminders import reminders_send
from approvals.services import StepSpec, chain_save
from archive.models import ArchiveEvent
from archive.signals import records_erased, records_restricted
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem
from notifications.models import Delivery, Kind, Notification
from notifications.services import digests_send, notify
from tests.approvals.test_decisions import draft, member
from tests.approvals.test_emergency import water_advisory
from tests.conftest import Personas
from tests.factories import inbox_item_for, notification_for, publisher_for, social_account_for

Commits = Callable[..., Any]
LIST = reverse("notification_list", args=["alpha"])


def test_an_approver_is_told_in_the_list_and_by_email_and_opens_the_post(
    personas: Personas, django_capture_on_commit_callbacks: Commits
) -> None:
    post, approver = water_advisory(personas)
    with agency_scope(personas.agency_a.pk), django_capture_on_commit_callbacks(execute=True):
        post_submit(post=post, actor=personas.author_a.user)

    assert [message.to for message in mail.outbox] == [[approver.user.email]]
    client = personas.client_for(approver)
    page = client.get(LIST).content.decode()
    assert "A post waits for your approval" in page and "New" in page
    assert '<span class="usa-sr-only"> unread</span>' in page  # the header's count
    with agency_scope(personas.agency_a.pk):
        told = Notification.objects.get(user=approver.user)
    assert told.kind == Kind.APPROVAL_REQUESTED and told.emailed_at is not None

    opened = client.get(reverse("notification_open", args=["alpha", told.pk]))
    assert opened.status_code == 302
    assert opened["Location"].endswith(reverse("post_detail", args=["alpha", post.pk]))
    after = client.get(LIST).content.decode()
    assert " unread</span>" not in after and "Mark all as read" not in after
    # Someone else's notification, or another agency's, is not there to open.
    other = personas.client_for(personas.author_a)
    assert other.get(reverse("notification_open", args=["alpha", told.pk])).status_code == 404
    assert (
        "A post waits"
        not in personas.client_for(personas.admin_b)
        .get(reverse("notification_list", args=["beta"]))
        .content.decode()
    )


def test_each_person_chooses_email_a_daily_email_or_only_the_list(
    personas: Personas, django_capture_on_commit_callbacks: Commits
) -> None:
    post, approver = water_advisory(personas)
    client = personas.client_for(approver)
    choices = reverse("notification_choices")
    assert "Posts and replies waiting for my approval" in client.get(choices).content.decode()
    chosen = {kind: Delivery.EMAIL for kind in Kind.values}
    refused = client.post(choices, chosen | {Kind.APPROVAL_REQUESTED: "pigeon"})
    assert refused.status_code == 400
    saved = client.post(choices, chosen | {Kind.APPROVAL_REQUESTED: Delivery.DIGEST})
    assert saved.status_code == 302

    with agency_scope(personas.agency_a.pk), django_capture_on_commit_callbacks(execute=True):
        post_submit(post=post, actor=personas.author_a.user)
    assert mail.outbox == []
    assert "A post waits for your approval" in client.get(LIST).content.decode()

    with agency_scope(personas.agency_a.pk):
        assert digests_send() == 1
        assert digests_send() == 0
    (digest,) = mail.outbox
    assert digest.to == [approver.user.email]
    assert "1 notification today" in digest.subject
    assert "A post waits for your approval" in digest.body
    assert reverse("post_detail", args=["alpha", post.pk]) in digest.body

    client.post(choices, chosen | {Kind.APPROVAL_DECIDED: Delivery.APP})
    author_client = personas.client_for(personas.author_a)
    author_client.post(choices, chosen | {Kind.APPROVAL_DECIDED: Delivery.APP})
    with agency_scope(personas.agency_a.pk), django_capture_on_commit_callbacks(execute=True):
        round_ = Approval.objects.get(post=post)
        approval_decide(approval=round_, actor=approver.user, verdict=Verdict.APPROVE)
        digests_send()
    assert len(mail.outbox) == 1  # still only the digest: the decision is only in the list
    assert "Your post was approved" in author_client.get(LIST).content.decode()


def test_approvers_are_reminded_once_per_step_after_the_agencys_target(
    personas: Personas, django_capture_on_commit_callbacks: Commits
) -> None:
    agency = personas.agency_a
    first, second = member(agency, Role.APPROVER), member(agency, Role.APPROVER)
    with agency_scope(agency.pk):
        account = social_account_for(agency, handle="alpha_roads")
        publisher_for(agency, account=account, user=personas.author_a.user)
        chain_save(
            agency=agency,
            actor=personas.admin_a.user,
            name="Two",
            steps=[
                StepSpec(StepRule.ANY, user_ids=[first.user_id]),
                StepSpec(StepRule.ANY, user_ids=[second.user_id]),
            ],
            account_ids=[account.pk],
        )
        post = draft(personas, account, text="Snow routes in effect")
        post_submit(post=post, actor=personas.author_a.user)
        # Not yet past the target (24 hours by default).
        assert reminders_send() == 0
        later = timezone.now() + timedelta(hours=25)
        with patch("approvals.reminders.timezone.now", return_value=later):
            with django_capture_on_commit_callbacks(execute=True):
                assert reminders_send() == 1
            assert reminders_send() == 0  # once per step
        reminded = Notification.objects.filter(kind=Kind.APPROVAL_REMINDER)
        assert list(reminded.values_list("user_id", flat=True)) == [first.user_id]
        assert "Still waiting for your approval after 24 hours" in mail.outbox[-1].subject

        round_ = Approval.objects.get(post=post)
        approval_decide(approval=round_, actor=first.user, verdict=Verdict.APPROVE)
        # The second step began now: its approver is reminded once it has waited too.
        assert reminders_send() == 0
        with patch("approvals.reminders.timezone.now", return_value=later):
            assert reminders_send() == 1
        assert reminded.filter(user=second.user).count() == 1

        agency_policy_change(
            agency=agency, actor=personas.admin_a.user, policy={"approval_reminder_hours": 0}
        )
        assert reminders_send() == 0


def test_admins_set_the_reminder_target_on_the_chains_page(personas: Personas) -> None:
    chains = reverse("approval_chain_list", args=["alpha"])
    target = reverse("approval_reminders", args=["alpha"])
    admin = personas.client_for(personas.admin_a)
    assert "more than 24 hours" in admin.get(chains).content.decode()
    admin.post(target, {"approval_reminder_hours": "6"})
    assert "more than 6 hours" in admin.get(chains).content.decode()
    admin.post(target, {"approval_reminder_hours": "-1"})
    assert "more than 6 hours" in admin.get(chains, follow=True).content.decode()
    author = personas.client_for(personas.author_a)
    author.post(target, {"approval_reminder_hours": "1"})
    page = author.get(chains).content.decode()
    assert "more than 6 hours" in page and "Save the reminders" not in page


def test_what_a_notification_repeats_of_an_erased_record_goes_with_it(
    personas: Personas,
) -> None:
    agency = personas.agency_a
    item = inbox_item_for(agency, "Help: my neighbour Jean Tremblay blocks the lane")
    with agency_scope(agency.pk):
        told = notify(
            user=personas.admin_a.user,
            kind=Kind.INBOX,
            subject="Urgent: Amara Okafor wrote to alpha",
            body="Amara Okafor wrote: my neighbour Jean Tremblay blocks the lane",
            link="https://govsocial.example/agencies/alpha/inbox/1/",
            about=item,
        )
        other = notification_for(agency, personas.admin_a.user)
        records_erased.send(
            sender=ArchiveEvent,
            agency_id=agency.pk,
            objects=[(InboxItem._meta.label_lower, str(item.pk))],
        )
        told.refresh_from_db()
        other.refresh_from_db()
    assert told.body == "" and "Okafor" not in told.subject
    assert other.body != ""


def urgent_item_told(personas: Personas) -> InboxItem:
    """Tell agency A's admin of an urgent item that repeats what a citizen wrote."""
    item = inbox_item_for(personas.agency_a, "Help: the water in my street is brown")
    with agency_scope(personas.agency_a.pk):
        notify(
            user=personas.admin_a.user,
            kind=Kind.INBOX,
            subject="Urgent: Amara Okafor wrote to alpha",
            body="Amara Okafor wrote: the water in my street is brown",
            link="https://govsocial.example/agencies/alpha/inbox/1/",
            about=item,
        )
    return item


def restrict(item: InboxItem, *, lifted: bool = False) -> None:
    """Restrict the processing of ``item`` (or lift it), as the archive does."""
    with agency_scope(item.agency_id):
        records_restricted.send(
            sender=ArchiveEvent,
            agency_id=item.agency_id,
            objects=[(InboxItem._meta.label_lower, str(item.pk))],
            under="2026-0007",
            lifted=lifted,
        )


def test_a_notification_about_a_restricted_item_shows_only_that_until_lifted(
    personas: Personas,
) -> None:
    item = urgent_item_told(personas)
    client = personas.client_for(personas.admin_a)
    restrict(item)
    page = client.get(LIST).content.decode()
    assert "Okafor" not in page and "About an item whose processing is restricted" in page
    restrict(item, lifted=True)
    assert "Urgent: Amara Okafor wrote to alpha" in client.get(LIST).content.decode()
