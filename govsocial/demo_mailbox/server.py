"""The demo's SMTP server, and reading what it kept."""

from __future__ import annotations

import email.policy
import mailbox
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller

_ARRIVAL = re.compile(r"^(\d+)\.M(\d+)P")


class _Keeper:
    """Keeps each message the server accepts in the Maildir."""

    def __init__(self, folder: Path) -> None:
        self.box = mailbox.Maildir(folder, create=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.box.add(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


@contextmanager
def mail_server(host: str, port: int, folder: Path) -> Iterator[None]:
    """Accept mail on ``host``:``port`` into the Maildir ``folder`` while inside."""
    controller = Controller(_Keeper(folder), hostname=host, port=port)
    controller.start()
    try:
        yield
    finally:
        controller.stop()


@dataclass(frozen=True)
class Letter:
    """A message the mailbox kept."""

    key: str
    sender: str
    to: str
    subject: str
    sent_at: datetime | None
    body: str


def letters(folder: str) -> list[Letter]:
    """Return the messages kept in ``folder``, newest first."""
    box = mailbox.Maildir(folder, create=True)
    arrived = sorted(box.iterkeys(), key=_arrival, reverse=True)
    return [_letter(key, box.get_bytes(key)) for key in arrived]


def _arrival(key: str) -> tuple[int, int]:
    """Return when the mailbox kept the message ``key`` (its name's seconds and
    microseconds: ``1765000000.M123456P78Q9.host``)."""
    found = _ARRIVAL.match(key)
    return (int(found[1]), int(found[2])) if found else (0, 0)


def letter(folder: str, key: str) -> Letter | None:
    """Return the message kept under ``key``, or None."""
    box = mailbox.Maildir(folder, create=True)
    try:
        return _letter(key, box.get_bytes(key))
    except KeyError:
        return None


def _letter(key: str, raw: bytes) -> Letter:
    # The default policy makes an EmailMessage.
    message = cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))
    body = message.get_body(preferencelist=("plain", "html"))
    try:
        sent_at = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        sent_at = None
    return Letter(
        key=key,
        sender=str(message["From"] or ""),
        to=str(message["To"] or ""),
        subject=str(message["Subject"] or ""),
        sent_at=sent_at,
        body=body.get_content() if body is not None else "",
    )
