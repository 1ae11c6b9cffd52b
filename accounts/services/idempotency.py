"""Idempotency keys of the API: the claim a request takes on its key before it acts,
the answer kept for the same request sent again, and their purge after a day.

They record no archive event: the action a request carries out records its own.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Agency, ApiKey, IdempotencyKey
from accounts.services.principals import Principal
from govsocial.errors import Conflict, Unprocessable

KEPT_FOR = timedelta(hours=24)
# A claim older than this belongs to a request that died (a killed process never lets
# go of its key): the same request sent again may claim the key and act.
CLAIM_ABANDONED_AFTER = timedelta(minutes=1)


def idempotency_key_claim(
    *, agency: Agency, caller: Principal, key: str, request_hash: str
) -> IdempotencyKey:
    """Claim ``key`` for the request ``request_hash`` names, in a transaction of its own
    committed before the request acts, and return the key's row.

    The row comes back with ``response_status`` empty when this request holds the key
    and must act, or with the answer to give when the same request was answered
    before. Raise ``Unprocessable`` when the key was used for another request, and
    ``Conflict`` while the request that holds it is still running.
    """
    now = timezone.now()
    claim = IdempotencyKey(
        agency=agency,
        key=key,
        request_hash=request_hash,
        claimed_at=now,
        expires_at=now + KEPT_FOR,
        **_caller(caller),
    )
    with transaction.atomic(durable=True):
        try:
            # Of two requests racing with one key, one inserts; the other's insert waits
            # for that commit, then fails and reads the row below.
            with transaction.atomic():
                claim.save(force_insert=True)
            return claim
        except IntegrityError:
            pass
        held: IdempotencyKey | None = (
            IdempotencyKey.objects.select_for_update()
            .filter(agency=agency, key=key, **_caller(caller))
            .first()
        )
        if held is None:
            # Released since the insert above: its request failed on the server, and
            # this one may simply be sent again.
            raise _still_running()
        if held.expires_at <= now:
            # Past its day, not purged yet: the key is free for any request.
            claim.pk = held.pk
            claim.save(force_update=True)
            return claim
        if held.request_hash != request_hash:
            raise Unprocessable(
                _(
                    "This Idempotency-Key was already used for a different request. Send "
                    "a new key with each new request, and the same key only to repeat "
                    "the same request."
                )
            )
        if held.response_status is not None:
            return held
        if held.claimed_at > now - CLAIM_ABANDONED_AFTER:
            raise _still_running()
        held.claimed_at = now
        held.save(update_fields=["claimed_at"])
        return held


def idempotency_key_answer(
    *, claim: IdempotencyKey, status: int, content_type: str, location: str, body: bytes
) -> None:
    """Keep the answer to the request that holds ``claim``, to give it again for the
    same request; do nothing when the claim was taken over meanwhile."""
    IdempotencyKey.objects.filter(
        pk=claim.pk, claimed_at=claim.claimed_at, response_status=None
    ).update(
        response_status=status,
        response_content_type=content_type,
        response_location=location,
        response_body=body,
    )


def idempotency_key_release(*, claim: IdempotencyKey) -> None:
    """Let go of ``claim`` without an answer (the request failed on the server), so
    that the same request may be sent again and act."""
    IdempotencyKey.objects.filter(
        pk=claim.pk, claimed_at=claim.claimed_at, response_status=None
    ).delete()


def idempotency_keys_purge(*, agency: Agency) -> int:
    """Delete the agency's idempotency keys past their day; return how many."""
    expired = IdempotencyKey.objects.filter(agency=agency, expires_at__lte=timezone.now())
    deleted, _by_model = expired.delete()
    return deleted


def _caller(caller: Principal) -> dict[str, Principal]:
    """Return the fields naming ``caller`` on a key's row."""
    return {"api_key": caller} if isinstance(caller, ApiKey) else {"user": caller}


def _still_running() -> Conflict:
    """Return the refusal of a request whose key another request holds."""
    return Conflict(
        _(
            "A request with this Idempotency-Key is still being carried out. Wait for its "
            "answer before you send it again."
        )
    )
