"""Connected network accounts and who may publish to them."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.managers import UserObjectPermissionManager
from guardian.models import UserObjectPermissionBase

from govsocial.encryption import EncryptedTextField
from govsocial.tenancy import AgencyOwned, AgencyScopedManager, agency_key
from publishing.networks.base import AccountCredentials, Network

# The networks' own names ("X", "Facebook", "Bluesky"…) are not translated.
NETWORK_CHOICES = [(network.value, network.value.capitalize()) for network in Network]


class AccountHealth(models.TextChoices):
    """Whether an account can publish right now, and if not, what fixes it."""

    OK = "ok", _("Healthy")
    NEEDS_REAUTHORISATION = "needs_reauthorisation", _("Needs re-authorisation")
    RATE_LIMITED = "rate_limited", _("Rate-limited")
    DISABLED = "disabled", _("Disconnected")


class SocialAccount(AgencyOwned):
    """An agency's account on a network (an X handle, a Facebook page…), connected by
    one of its admins through the network's authorisation.

    Tokens are encrypted at rest and never shown. The row outlives a disconnection, so
    what was published through it keeps its account.
    """

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)
    network = models.CharField(_("network"), max_length=16, choices=NETWORK_CHOICES)
    remote_id = models.CharField(_("account id on the network"), max_length=128)
    handle = models.CharField(_("handle"), max_length=255)
    display_name = models.CharField(_("display name"), max_length=255, blank=True)
    avatar_url = models.URLField(_("avatar"), max_length=1000, blank=True)
    # The SHA-256 of the picture kept from ``avatar_url`` (``SocialAccountPicture``),
    # blank while there is none: pages name the picture by it, so browsers keep it.
    picture_digest = models.CharField(max_length=64, blank=True, editable=False)
    scopes = ArrayField(models.CharField(max_length=100), verbose_name=_("scopes"), default=list)
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    token_expires_at = models.DateTimeField(_("token expires"), null=True, blank=True)
    # Not secret: the page id, instance URL, DID… the adapter needs besides the token.
    extra = models.JSONField(default=dict, blank=True)
    health = models.CharField(
        _("health"), max_length=24, choices=AccountHealth.choices, default=AccountHealth.OK
    )
    health_reason = models.CharField(_("why"), max_length=500, blank=True)
    health_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    connected_at = models.DateTimeField(_("connected"), auto_now_add=True)
    disconnected_at = models.DateTimeField(_("disconnected"), null=True, blank=True)
    # Whether its posts must be approved before they are scheduled: kept by the
    # approvals app from the chain the account follows (publishing reads its own rows).
    approval_required = models.BooleanField(_("needs approval"), default=False)

    class Meta:
        verbose_name = _("network account")
        verbose_name_plural = _("network accounts")
        ordering = ["network", "handle"]
        permissions = [("publish_to_socialaccount", _("Can publish to the network account"))]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "network", "remote_id"], name="social_account_once_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()} {self.handle}"

    def credentials(self) -> AccountCredentials:
        """Return what the adapter needs to act as this account (tokens decrypted)."""
        return AccountCredentials(
            network=Network(self.network),
            remote_id=self.remote_id,
            handle=self.handle,
            access_token=self.access_token,
            refresh_token=self.refresh_token,
            token_expires_at=self.token_expires_at,
            extra={str(k): str(v) for k, v in self.extra.items()},
        )


class SocialAccountPicture(AgencyOwned):
    """An account's picture as its network shows it, drawn again here as a small PNG:
    pages load images from this site only, and nothing the network sent is served as
    it came."""

    account = models.OneToOneField(
        SocialAccount, on_delete=models.CASCADE, primary_key=True, related_name="picture"
    )
    # The network's address it was read from: read again only when the address changes.
    source_url = models.URLField(max_length=1000)
    png = models.BinaryField()
    kept_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("network account picture")
        verbose_name_plural = _("network account pictures")


class PublisherManager(AgencyScopedManager, UserObjectPermissionManager):
    """The agency wall, with what django-guardian asks of a permission model's manager."""


class SocialAccountPublisher(AgencyOwned, UserObjectPermissionBase):
    """A member whom the agency's admins allowed to publish to one network account
    (django-guardian's direct foreign-key permission model); admins may always."""

    PERMISSION: ClassVar[str] = "publishing.publish_to_socialaccount"

    content_object = models.ForeignKey(
        SocialAccount, on_delete=models.CASCADE, related_name="publishers"
    )

    objects: ClassVar[PublisherManager] = PublisherManager()

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("network account publisher")
        verbose_name_plural = _("network account publishers")

    @staticmethod
    def publish_permission() -> Permission:
        """Return the permission row this model grants."""
        app_label, codename = SocialAccountPublisher.PERMISSION.split(".")
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)


class SocialAccountKeyPublisher(AgencyOwned):
    """An API key that the agency's admins allowed to publish to one network account,
    as they allow members (``SocialAccountPublisher``); keys with the admin role may
    always, and a revoked or expired key may not whatever it was allowed."""

    # Indexed by ``social_account_key_publisher_once``, which begins with it.
    account = models.ForeignKey(
        SocialAccount, on_delete=models.CASCADE, related_name="key_publishers", db_index=False
    )
    api_key = models.ForeignKey("accounts.ApiKey", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("network account publishing key")
        verbose_name_plural = _("network account publishing keys")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "api_key"], name="social_account_key_publisher_once"
            )
        ]

    def __str__(self) -> str:
        return f"API key {self.api_key_id} → account {self.account_id}"
