"""Every write about network accounts: connecting them, keeping their tokens fresh,
their health, their pictures, and who may publish to them."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

import archive
from accounts.models import Agency, ApiKey, Membership, User
from accounts.services.principals import Principal, require_admin
from archive.services import SYSTEM
from govsocial.errors import GovsocialError, PermissionDenied
from notifications.models import Kind
from notifications.services import notify
from publishing.models import (
    AccountHealth,
    SocialAccount,
    SocialAccountKeyPublisher,
    SocialAccountPicture,
    SocialAccountPublisher,
)
from publishing.networks.base import (
    AccountProfile,
    ConnectableAccount,
    NetworkError,
    PermanentNetworkError,
    TransientNetworkError,
)
from publishing.networks.registry import adapter_for, connector_for
from publishing.selectors import (
    account_publishable_by,
    account_publisher_ids,
    account_publisher_key_ids,
)

logger = logging.getLogger(__name__)

# A token this close to its expiry is refreshed before it is used or checked.
REFRESH_AHEAD = timedelta(minutes=10)
# Back-off when a network throttles without saying for how long.
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
# An account's picture is read up to this size and this many pixels, and kept as a
# square this many pixels wide (twice the largest size the pages show it at).
PICTURE_MAX_BYTES = 2 * 1024 * 1024
PICTURE_MAX_PIXELS = 4096 * 4096
PICTURE_SIDE = 96


def _require_admin(agency: Agency, actor: Principal) -> None:
    refusal = _("Only an agency admin can connect, disconnect or delegate network accounts.")
    require_admin(agency=agency, actor=actor, refusal=refusal)


def account_connect(
    *, agency: Agency, actor: User, grant: ConnectableAccount
) -> tuple[SocialAccount, bool]:
    """Store an account the network's authorisation gave access to; return it and
    whether it was new.

    Connecting an account the agency already has (even a disconnected one) reconnects
    it: its tokens are replaced, a refresh token is kept when the new grant has none,
    and its health is reset.
    """
    _require_admin(agency, actor)
    credentials, profile = grant.credentials, grant.profile
    with transaction.atomic():
        account = (
            SocialAccount.objects.select_for_update(no_key=True)
            .filter(agency=agency, network=credentials.network, remote_id=profile.remote_id)
            .first()
        )
        created = account is None
        if account is None:
            account = SocialAccount(
                agency=agency,
                network=credentials.network,
                remote_id=profile.remote_id,
                connected_by=actor,
            )
        account.handle = profile.handle
        account.display_name = profile.display_name
        account.avatar_url = profile.avatar_url
        account.scopes = list(grant.scopes)
        account.access_token = credentials.access_token
        account.refresh_token = credentials.refresh_token or account.refresh_token
        account.token_expires_at = credentials.token_expires_at
        account.extra = dict(credentials.extra)
        account.health = AccountHealth.OK
        account.health_reason = ""
        account.health_checked_at = timezone.now()
        account.rate_limited_until = None
        account.disconnected_at = None
        if not created:
            account.connected_by = actor
            account.connected_at = timezone.now()
        account.save()
        transaction.on_commit(partial(_picture_fetch, agency.pk, account.pk))
        archive.record(
            agency=agency,
            actor=actor,
            verb="account.connected" if created else "account.reconnected",
            obj=account,
            data=_describe(account),
        )
    return account, created


def account_disconnect(*, account: SocialAccount, actor: Principal) -> SocialAccount:
    """Forget the account's tokens so nothing is published through it any more; the
    account stays, with what was published through it."""
    _require_admin(account.agency, actor)
    with transaction.atomic():
        account = SocialAccount.objects.select_for_update(no_key=True).get(pk=account.pk)
        if account.disconnected_at is not None:
            return account
        # Forgetting the tokens is what disconnecting means.
        account.access_token = account.refresh_token = ""  # nosec B105
        account.token_expires_at = None
        account.health = AccountHealth.DISABLED
        account.health_reason = ""
        account.disconnected_at = timezone.now()
        account.save()
        archive.record(
            agency=account.agency,
            actor=actor,
            verb="account.disconnected",
            obj=account,
            data=_describe(account),
        )
    return account


def account_refresh(*, account: SocialAccount, force: bool = False) -> SocialAccount:
    """Renew the account's access token when it expires soon (or when ``force``), under a
    row lock so two workers never spend the same single-use refresh token.

    Raise the connector's NetworkError when the network refuses; the caller decides
    what that means for the account's health.
    """
    with transaction.atomic():
        account = SocialAccount.objects.select_for_update(no_key=True).get(pk=account.pk)
        expires = account.token_expires_at
        due = expires is not None and expires - REFRESH_AHEAD <= timezone.now()
        if account.disconnected_at is not None or not (force or due) or not account.refresh_token:
            return account
        fresh = connector_for(account.network).refresh(account.credentials())
        account.access_token = fresh.access_token
        # Networks that rotate refresh tokens return a new one; others return none.
        account.refresh_token = fresh.refresh_token or account.refresh_token
        account.token_expires_at = fresh.token_expires_at
        account.save(update_fields=["access_token", "refresh_token", "token_expires_at"])
        archive.record(
            agency=account.agency,
            actor=SYSTEM,
            verb="account.token_refreshed",
            obj=account,
            data={"expires_at": _iso(account.token_expires_at)},
        )
    return account


def account_health_check(*, account: SocialAccount) -> SocialAccount:
    """Ask the network who the account's token belongs to, renewing the token first when
    it is due (or when the network says it expired), and record the account's health.

    A token that cannot be renewed makes the account "needs re-authorisation" and its
    owner is emailed; a throttled account waits until the time the network said.
    """
    if account.disconnected_at is not None:
        return account
    try:
        try:
            account = account_refresh(account=account)
            profile = adapter_for(account.network).profile(account.credentials())
        except PermanentNetworkError as error:
            if not (error.needs_reauthorisation and account.refresh_token):
                raise
            # The token died before its announced expiry: one renewal, then ask again.
            account = account_refresh(account=account, force=True)
            profile = adapter_for(account.network).profile(account.credentials())
    except PermanentNetworkError as error:
        health = (
            AccountHealth.NEEDS_REAUTHORISATION if error.needs_reauthorisation else account.health
        )
        return _health_set(account, health, reason=error.reason)
    except TransientNetworkError as error:
        if not error.rate_limited:
            logger.info("health check of account %s postponed: %s", account.pk, error.reason)
            return account
        wait = (
            timedelta(seconds=error.retry_after)
            if error.retry_after is not None
            else DEFAULT_RATE_LIMIT_WAIT
        )
        return _health_set(
            account, AccountHealth.RATE_LIMITED, reason=error.reason, until=timezone.now() + wait
        )
    except NetworkError as error:
        logger.info("health check of account %s inconclusive: %s", account.pk, error.reason)
        return account
    account = _health_set(account, AccountHealth.OK, reason="", profile=profile)
    return account_picture_keep(account=account)


def _health_set(
    account: SocialAccount,
    health: str,
    *,
    reason: str,
    until: datetime | None = None,
    profile: AccountProfile | None = None,
) -> SocialAccount:
    """Record the outcome of a health check; a change of health is archived, and an
    account that now needs re-authorisation has its owner emailed."""
    with transaction.atomic():
        account = (
            SocialAccount.objects.select_for_update(no_key=True, of=("self",))
            .select_related("agency", "connected_by")
            .get(pk=account.pk)
        )
        before = account.health
        account.health = health
        account.health_reason = reason[:500]
        account.health_checked_at = timezone.now()
        account.rate_limited_until = until
        if profile is not None:
            account.handle, account.avatar_url = profile.handle, profile.avatar_url
        account.save()
        if health != before:
            archive.record(
                agency=account.agency,
                actor=SYSTEM,
                verb="account.health_changed",
                obj=account,
                data={"before": before, "after": health, "reason": account.health_reason},
            )
            if health == AccountHealth.NEEDS_REAUTHORISATION:
                owner, agency_slug = account.connected_by, account.agency.slug
                _email_owner(account, owner, agency_slug)
    return account


def _picture_fetch(agency_id: int, account_id: int) -> None:
    """Have a worker keep the picture of an account just connected."""
    from publishing.tasks import account_picture_keep as task

    task.delay(agency_id=agency_id, account_id=account_id)


def account_picture_keep(*, account: SocialAccount) -> SocialAccount:
    """Keep the account's picture, read from the address its network gave
    (``avatar_url``) when that address is new, or forget it when the network gives none.

    A picture that cannot be kept (the network fails or what it serves is not an image)
    leaves the one kept before; the next health check tries again.
    """
    source = account.avatar_url
    kept_from = (
        SocialAccountPicture.objects.filter(account=account)
        .values_list("source_url", flat=True)
        .first()
    )
    if kept_from == (source or None):
        return account
    png = b""
    if source:
        try:
            downloaded = adapter_for(account.network).download(
                account.credentials(), url=source, max_bytes=PICTURE_MAX_BYTES
            )
            png = _picture_drawn(downloaded.content)
        except (NetworkError, PictureUnreadable) as error:
            logger.info("picture of account %s not kept: %s", account.pk, error)
            return account
    with transaction.atomic():
        account = SocialAccount.objects.select_for_update(no_key=True, of=("self",)).get(
            pk=account.pk
        )
        if account.avatar_url != source:
            return account  # The network gave another address meanwhile: its turn next.
        if png:
            SocialAccountPicture.objects.update_or_create(
                account=account,
                defaults={"agency_id": account.agency_id, "source_url": source, "png": png},
            )
        else:
            SocialAccountPicture.objects.filter(account=account).delete()
        account.picture_digest = hashlib.sha256(png).hexdigest() if png else ""
        account.save(update_fields=["picture_digest"])
    return account


class PictureUnreadable(Exception):
    """What the network served as an account's picture is not an image we can read."""


def _picture_drawn(content: bytes) -> bytes:
    """Return ``content`` (an image) drawn again as a PNG square of ``PICTURE_SIDE``
    pixels, cropped to its centre; nothing of the file it came in is kept."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format not in ("PNG", "JPEG", "GIF", "WEBP"):
                raise PictureUnreadable(f"a picture in {image.format} is not read")
            if image.width * image.height > PICTURE_MAX_PIXELS:
                raise PictureUnreadable(
                    f"a picture of {image.width} by {image.height} is too large"
                )
            image.draft("RGB", (PICTURE_SIDE, PICTURE_SIDE))
            square = ImageOps.fit(
                ImageOps.exif_transpose(image).convert("RGBA"), (PICTURE_SIDE, PICTURE_SIDE)
            )
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
        raise PictureUnreadable(str(error)) from error
    drawn = io.BytesIO()
    square.save(drawn, format="PNG", optimize=True)
    return drawn.getvalue()


def _email_owner(account: SocialAccount, owner: User, agency_slug: str) -> None:
    """Tell the person who connected the account that it must be reconnected."""
    link = settings.SITE_URL + reverse("account_list", kwargs={"agency_slug": agency_slug})
    context = {"account": account, "owner": owner, "link": link}
    notify(
        user=owner,
        kind=Kind.ACCOUNT_UNHEALTHY,
        subject=_("%(account)s needs to be reconnected") % {"account": account},
        body=render_to_string("emails/account_needs_reauthorisation.txt", context),
        link=link,
    )


def account_publishers_set(
    *,
    account: SocialAccount,
    actor: Principal,
    members: Iterable[Membership],
    api_keys: Iterable[ApiKey] | None = None,
) -> SocialAccount:
    """Choose the members and API keys (besides the agency's admins and admin keys, who
    may always) who may publish to ``account``; ``api_keys`` None leaves its keys as
    they are."""
    _require_admin(account.agency, actor)
    chosen = {m.user_id: m.user for m in members if m.agency_id == account.agency_id}
    with transaction.atomic():
        account = SocialAccount.objects.select_for_update(no_key=True).get(pk=account.pk)
        current = account_publisher_ids(account=account)
        current_keys = account_publisher_key_ids(account=account)
        chosen_keys = (
            current_keys
            if api_keys is None
            else {key.pk for key in api_keys if key.agency_id == account.agency_id}
        )
        if (current, current_keys) == (set(chosen), chosen_keys):
            return account
        permission = SocialAccountPublisher.publish_permission()
        SocialAccountPublisher.objects.filter(content_object=account).exclude(
            user_id__in=chosen
        ).delete()
        SocialAccountPublisher.objects.bulk_create(
            SocialAccountPublisher(
                agency=account.agency, content_object=account, user=user, permission=permission
            )
            for user_id, user in chosen.items()
            if user_id not in current
        )
        SocialAccountKeyPublisher.objects.filter(account=account).exclude(
            api_key_id__in=chosen_keys
        ).delete()
        SocialAccountKeyPublisher.objects.bulk_create(
            SocialAccountKeyPublisher(agency=account.agency, account=account, api_key_id=key_id)
            for key_id in chosen_keys
            if key_id not in current_keys
        )
        archive.record(
            agency=account.agency,
            actor=actor,
            verb="account.publishers_changed",
            obj=account,
            data={
                "before": {"users": sorted(current), "api_keys": sorted(current_keys)},
                "after": {"users": sorted(chosen), "api_keys": sorted(chosen_keys)},
            },
        )
    return account


def account_require_publisher(*, account: SocialAccount, actor: Principal) -> None:
    """Refuse unless ``actor`` may publish to ``account``: an admin of its agency (or an
    admin key), or a member or API key the admins delegated it to; a disconnected
    account takes no posts."""
    if account.disconnected_at is not None:
        raise GovsocialError(_("%(account)s is disconnected.") % {"account": account})
    if account_publishable_by(account=account, actor=actor):
        return
    raise PermissionDenied(
        _("You may not publish to %(account)s; ask an agency admin.") % {"account": account}
    )


def _describe(account: SocialAccount) -> dict[str, object]:
    """Return what the archive keeps of an account (never its tokens)."""
    return {
        "network": account.network,
        "remote_id": account.remote_id,
        "handle": account.handle,
        "scopes": list(account.scopes),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
