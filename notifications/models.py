"""What people are told: each notification in its person's list (read or not), and how
each person chose to be told of each kind — by email at once, in a daily email, or only
in govsocial. Stands on tenancy alone (DESIGN.md): the apps that tell call it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from govsocial.tenancy import AgencyOwned


class Kind(models.TextChoices):
    """What a notification is about: each person chooses how to be told of each."""

    APPROVAL_REQUESTED = "approval_requested", _("Posts and replies waiting for my approval")
    APPROVAL_REMINDER = (
        "approval_reminder",
        _("Reminders of approvals waiting longer than the agency's target"),
    )
    APPROVAL_DECIDED = "approval_decided", _("Decisions on my posts and replies")
    POST_COMMENTED = "post_commented", _("Messages about posts I take part in")
    EMERGENCY_REVIEW = "emergency_review", _("Emergency posts to review")
    DELIVERY_FAILED = "delivery_failed", _("Posts and first comments that could not go out")
    ACCOUNT_UNHEALTHY = "account_unhealthy", _("Accounts I connected that need connecting again")
    INBOX = "inbox", _("Urgent inbox items, and replies handed to me")
    RECORDS = "records", _("Records packages and disposals")


class Delivery(models.TextChoices):
    """How a person is told of a kind of notification; it is in their list in any case."""

    EMAIL = "email", _("By email at once")
    DIGEST = "digest", _("In one email a day")
    APP = "app", _("Only in govsocial")


class Notification(AgencyOwned):
    """One thing a member of the agency was told of, with a link to it."""

    # Indexed by ``notification_unread``, which begins with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    link = models.URLField(_("address"), max_length=2000)
    # What it is about, as the archive names it (``app.model`` and id), when it holds what
    # a person wrote: erased with it (``notifications.services.notifications_erase``).
    about_type = models.CharField(max_length=100, blank=True)
    about_id = models.CharField(max_length=64, blank=True)
    # The number of the request restricting the processing of what it is about (GDPR
    # Art. 18): its list then shows only that it is restricted.
    restricted_under = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(_("sent"), db_default=Now())
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Waits for the person's daily email (emailed once it went, or at once).
    digest = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(
                fields=["created_at"],
                name="notification_digest_due",
                condition=models.Q(digest=True, emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class NotificationChoice(models.Model):
    """How a person chose to be told of one kind (by email at once when not chosen)."""

    # Indexed by ``notification_choice_unique``, which begins with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    delivery = models.CharField(_("how"), max_length=10, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_choice_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"
