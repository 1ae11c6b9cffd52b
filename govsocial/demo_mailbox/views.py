"""The *Mailbox* page of the demo: what the app sent, newest first, and each message with
its links. Anyone reaches it while ``DEMO_MAILBOX`` names the folder (``make run``);
it does not exist otherwise."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from govsocial.demo_mailbox.server import letter, letters

# A Maildir message's name: its time, its unique part and its host.
_KEY = re.compile(r"^[A-Za-z0-9._,:=-]{1,200}$")


def _folder() -> str:
    folder: str = settings.DEMO_MAILBOX
    if not folder:
        raise Http404
    return folder


@require_GET
def mailbox_list(request: HttpRequest) -> HttpResponse:
    """List what the app sent, newest first."""
    return render(request, "demo_mailbox/list.html", {"letters": letters(_folder())})


@require_GET
def mailbox_letter(request: HttpRequest, key: str) -> HttpResponse:
    """Show one message the app sent, its links working."""
    folder = _folder()
    shown = letter(folder, key) if _KEY.match(key) else None
    if shown is None:
        raise Http404
    return render(request, "demo_mailbox/letter.html", {"letter": shown})
