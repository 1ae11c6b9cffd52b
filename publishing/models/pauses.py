"""Crisis pauses: an agency stops all of its publishing, or some accounts', at once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from govsocial.tenancy import AgencyOwned
from publishing.models.accounts import SocialAccount


class PublishingPause(AgencyOwned):
    """A hold on the agency's publishing (every account, or the accounts named), with
    the reason, until an admin resumes it or ``until`` passes.

    While it lasts, targets of covered accounts wait as ``held``: they never go out and
    never fail.
    """

    reason = models.TextField(_("reason"))
    # None of them named means every account of the agency.
    accounts = models.ManyToManyField(
        SocialAccount, blank=True, through="PausedAccount", related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    until = models.DateTimeField(_("until"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("publishing pause")
        verbose_name_plural = _("publishing pauses")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.reason[:60]


class PausedAccount(AgencyOwned):
    """An account a pause names (behind the agency wall like the pause itself)."""

    # Indexed by ``paused_account_once``, which begins with it.
    pause = models.ForeignKey(PublishingPause, on_delete=models.CASCADE, db_index=False)
    account = models.ForeignKey(SocialAccount, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pause", "account"], name="paused_account_once")
        ]
