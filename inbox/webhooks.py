"""Receive what Facebook and Instagram push to the app's webhook (``/webhooks/meta/``):
answer Meta's subscription handshake, refuse any body not signed with the app secret,
and store each item pushed for every agency that connected the account it reached,
as a poll would (once, however often it arrives, a poll at the same time included)."""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.db import connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
)
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from govsocial.tenancy import agency_scope
from inbox.services import items_pushed
from publishing.models import SocialAccount
from publishing.networks.base import Network
from publishing.networks.graph.webhooks import PushError, pushed, signed_by
from publishing.networks.registry import network_settings

logger = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest) -> HttpResponse:
    """Answer Meta's handshake (GET) or store what it pushed (POST)."""
    token = settings.META_WEBHOOK_VERIFY_TOKEN
    if not token:
        raise Http404
    if request.method == "GET":
        offered = request.GET.get("hub.verify_token", "")
        if request.GET.get("hub.mode") != "subscribe" or not hmac.compare_digest(offered, token):
            return HttpResponseForbidden("The verify token does not match.")
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    secret = network_settings(Network.FACEBOOK).client_secret
    if not signed_by(secret, request.body, request.headers.get("X-Hub-Signature-256", "")):
        return HttpResponseForbidden("The body is not signed with the app secret.")
    try:
        notices = pushed(json.loads(request.body))
    except (ValueError, PushError) as error:
        logger.warning("a push from Meta could not be read: %s", error)
        return HttpResponseBadRequest("The body cannot be read.")
    for notice in notices:
        for agency_id, account_id in _accounts_named(notice.network, notice.account_remote_id):
            with agency_scope(agency_id):
                account = SocialAccount.objects.get(pk=account_id)
                items_pushed(account=account, items=notice.items, removed=notice.removed)
    return HttpResponse("")


def _accounts_named(network: Network, remote_id: str) -> list[tuple[int, int]]:
    """Return (agency id, account id) of each connected account that is ``remote_id`` on
    ``network``, whichever agency holds it: the one read across agencies a push needs,
    through a database function that answers with ids only."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT agency_id, account_id FROM inbox_accounts_named(%s, %s)",
            [str(network), remote_id],
        )
        return [(int(agency_id), int(account_id)) for agency_id, account_id in cursor.fetchall()]
