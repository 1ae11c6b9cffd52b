"""Queue slots: the times of the week at which an account's queued posts go out."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from govsocial.tenancy import AgencyOwned
from publishing.models.accounts import SocialAccount


class Weekday(models.IntegerChoices):
    """Days of the week as Python numbers them (``date.weekday()``: Monday is 0)."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class QueueSlot(AgencyOwned):
    """A weekly time at which "Add to queue" may schedule a post of one account.

    ``time`` is a wall-clock time in the agency's time zone, so a 9:00 slot stays at
    9:00 on both sides of a daylight-saving change.
    """

    # Indexed by ``queue_slot_once_per_account``, which begins with it.
    account = models.ForeignKey(
        SocialAccount, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    weekday = models.PositiveSmallIntegerField(_("day of the week"), choices=Weekday.choices)
    time = models.TimeField(_("time"))

    class Meta:
        verbose_name = _("queue slot")
        verbose_name_plural = _("queue slots")
        ordering = ["account", "weekday", "time"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "weekday", "time"], name="queue_slot_once_per_account"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="queue_slot_weekday_in_week"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.get_weekday_display()} {self.time:%H:%M}"
