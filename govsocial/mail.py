"""Email that tells people of something already recorded: sent after the fact, so a
mail server being down is logged, never raised (what it tells of stays done)."""

from __future__ import annotations

import logging

from django.core.mail import send_mail

logger = logging.getLogger(__name__)


def send_quietly(subject: str, body: str, to: str) -> None:
    """Email ``to``; a mail server down is logged, never raised."""
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
    except OSError:
        logger.exception("could not email %s: %s", to, subject)
