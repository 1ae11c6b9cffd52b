"""The demo's mailbox: what the app sends over SMTP arrives in it, and its page lists each
message with working links, for anyone — only where DEMO_MAILBOX names it (make run)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from govsocial.mail import send_quietly
from tests.mailbox import MailServer

pytestmark = pytest.mark.django_db


def test_what_the_app_sends_is_listed_with_working_links(mailbox: MailServer) -> None:
    send_quietly("Vous êtes invité", "Rejoignez : http://testserver/join/abc/ ici.", "a@b.gov")
    send_quietly("Second", "Nothing to follow.", "c@d.gov")

    newest, first = mailbox.wait(2)
    assert (newest.subject, first.subject) == ("Second", "Vous êtes invité")
    listed = Client().get(reverse("mailbox_list")).content.decode()
    assert "Vous êtes invité" in listed and "a@b.gov" in listed
    assert listed.index("Second") < listed.index("Vous êtes invité")
    shown = Client().get(reverse("mailbox_letter", args=[first.key])).content.decode()
    assert '<a href="http://testserver/join/abc/"' in shown
    assert Client().get(reverse("mailbox_letter", args=["no-such-key"])).status_code == 404
    assert Client().get("/mailbox/..%2Fetc/").status_code == 404


def test_there_is_no_mailbox_page_unless_the_demo_has_one() -> None:
    assert Client().get(reverse("mailbox_list")).status_code == 404
