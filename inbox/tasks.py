"""Polling the inbox, fanned out one task per agency, then per account, so a slow
network never holds up another account."""

from __future__ import annotations

from celery import shared_task

from govsocial.tenancy import each_agency, with_agency_scope


@shared_task(acks_late=True)
def inboxes_poll() -> None:
    """Queue the polling of every active agency's accounts."""
    each_agency(agency_inbox_poll)


@shared_task(acks_late=True)
@with_agency_scope
def agency_inbox_poll(*, agency_id: int) -> None:
    """Queue the polling of each of the agency's connected accounts."""
    from publishing.selectors import social_account_list

    for account_id in social_account_list(connected_only=True).values_list("id", flat=True):
        account_inbox_poll.delay(agency_id=agency_id, account_id=account_id)


@shared_task(acks_late=True)
@with_agency_scope
def account_inbox_poll(*, agency_id: int, account_id: int) -> None:
    """Poll one account's inbox if it is due, and send its replies that are due.
    Safe to run twice: the poll and each reply are claimed."""
    from inbox.media import account_media_keep
    from inbox.replies import replies_due, reply_send
    from inbox.services import account_poll
    from publishing.selectors import social_account_get

    account = social_account_get(account_id=account_id)
    if account is not None:
        account_poll(account=account)
        for reply_id in replies_due(account=account):
            reply_send(reply_id=reply_id)
        account_media_keep(account=account)


@shared_task(acks_late=True)
@with_agency_scope
def urgent_alert(*, agency_id: int, item_ids: list[int]) -> None:
    """Alert whoever is on duty about urgent items that just arrived."""
    from accounts.models import Agency
    from inbox.routing import urgent_items_alert

    urgent_items_alert(agency=Agency.objects.get(pk=agency_id), item_ids=item_ids)


@shared_task(acks_late=True)
@with_agency_scope
def reply_send_task(*, agency_id: int, reply_id: int) -> None:
    """Send one reply now that it is written. Safe to run twice: the reply is claimed."""
    from inbox.replies import reply_send

    reply_send(reply_id=reply_id)


@shared_task(acks_late=True)
@with_agency_scope
def item_media_keep(*, agency_id: int, media_ids: list[int]) -> None:
    """Fetch and keep the files just named on new items. Safe to run twice: each fetch
    is claimed."""
    from inbox.media import media_keep

    for media_id in media_ids:
        media_keep(media_id=media_id)
