"""Reminders of rounds waiting too long: once a post's or a reply's round has waited at
its step longer than the agency's target (``Agency.approval_reminder_hours``), the
approvers of that step who have not decided are reminded, once per step."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import Agency, User
from approvals.decisions import post_link
from approvals.models import Approval, ApprovalState, Decision
from govsocial.tenancy import required_agency_id
from notifications.models import Kind
from notifications.services import notify


def reminders_send() -> int:
    """Remind the approvers of the bound agency's rounds waiting at a step longer than
    its target; return how many rounds were reminded of."""
    agency_id = required_agency_id("reminders are sent for the bound agency")
    agency = Agency.objects.get(pk=agency_id)
    if not agency.approval_reminder_hours:
        return 0
    waited = timezone.now() - timedelta(hours=agency.approval_reminder_hours)
    # A step begins when the round is submitted, or at the last decision of the one before.
    step_began = Decision.objects.filter(approval=OuterRef("pk"), step__lt=OuterRef("step"))
    due = (
        Approval.objects.filter(state=ApprovalState.PENDING)
        .exclude(reminded_step=F("step"))
        .annotate(
            step_began=Coalesce(
                Subquery(step_began.order_by("-decided_at").values("decided_at")[:1]),
                "submitted_at",
            )
        )
        .filter(step_began__lte=waited)
        .order_by("submitted_at", "pk")
    )
    reminded = 0
    for round_id in due.values_list("pk", flat=True):
        reminded += _remind(agency, round_id)
    return reminded


def _remind(agency: Agency, round_id: int) -> int:
    with transaction.atomic():
        round_ = (
            Approval.objects.select_for_update(of=("self",))
            .select_related("post__agency", "reply")
            .filter(pk=round_id, state=ApprovalState.PENDING)
            .first()
        )
        if round_ is None or round_.reminded_step == round_.step:
            return 0
        approvers = round_.steps[round_.step - 1]["approvers"]
        decided = Decision.objects.filter(approval=round_, step=round_.step).values("decided_by")
        if round_.post is not None:
            link, what = post_link(round_.post), round_.post.text
        else:
            reply = round_.reply
            link = settings.SITE_URL + reverse("inbox_item", args=[agency.slug, reply.item_id])
            what = reply.text
        hours = agency.approval_reminder_hours
        subject = ngettext(
            "Still waiting for your approval after %(hours)d hour",
            "Still waiting for your approval after %(hours)d hours",
            hours,
        ) % {"hours": hours}
        context = {"round": round_, "what": what, "hours": hours, "link": link}
        for person in User.objects.filter(pk__in=approvers).exclude(pk__in=decided).order_by("pk"):
            notify(
                user=person,
                kind=Kind.APPROVAL_REMINDER,
                subject=subject,
                body=render_to_string("emails/approval_reminder.txt", context | {"person": person}),
                link=link,
            )
        Approval.objects.filter(pk=round_.pk).update(reminded_step=round_.step)
    return 1
