"""The archive: every action of every agency, append-only and hash-chained."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from govsocial.tenancy import AgencyOwned


class ArchiveEvent(AgencyOwned):
    """One recorded action: who did what to which object, when, from where, with data.

    Rows are never updated or deleted (the database refuses it); each agency's events
    form a chain in which every hash covers the previous one.
    """

    # The grant command gives the app role only SELECT and INSERT on this table.
    append_only = True

    sequence = models.BigIntegerField(_("sequence"))
    occurred_at = models.DateTimeField(_("when"))
    actor_type = models.CharField(_("actor type"), max_length=40)
    actor_id = models.CharField(_("actor id"), max_length=64, blank=True)
    actor_name = models.CharField(_("actor"), max_length=300)
    verb = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("archive event")
        verbose_name_plural = _("archive events")
        ordering = ["agency_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "sequence"], name="archive_event_sequence"),
        ]
        indexes = [
            models.Index(fields=["agency", "verb"], name="archive_event_verb"),
            models.Index(fields=["agency", "occurred_at"], name="archive_event_when"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.verb}"


class ArchiveHead(AgencyOwned):
    """The deployment's signature on an agency's log as it stood: how many events it
    held and its head hash (see ``archive.signing``). Signed at intervals and on demand;
    a log that no longer matches a head it was signed with has been tampered with."""

    append_only = True

    origin = models.CharField(_("log"), max_length=300)
    size = models.BigIntegerField(_("events"))
    # The hash of the log's last event (hex), as the checkpoint gives it in base64.
    root = models.CharField(_("head hash"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"))
    key_id = models.CharField(_("key"), max_length=16)
    signature = models.CharField(_("signature"), max_length=88)

    class Meta:
        verbose_name = _("signed head")
        verbose_name_plural = _("signed heads")
        ordering = ["agency_id", "signed_at"]
        indexes = [models.Index(fields=["agency", "signed_at"], name="archive_head_when")]

    def __str__(self) -> str:
        return f"{self.size} events at {self.signed_at:%Y-%m-%d %H:%M}"
