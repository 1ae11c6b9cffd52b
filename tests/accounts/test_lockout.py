"""Repeated wrong passwords lock sign-in without telling whether the account exists."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_sign_in_counters")]

TOO_MANY = "Too many failed login attempts. Try again later."


def _attempts(
    email: str, count: int, password: str = "wrong password", ip: str = "198.51.100.7"
) -> list[str]:
    client = Client(REMOTE_ADDR=ip)
    answers = []
    for _ in range(count):
        page = client.post(reverse("account_login"), {"login": email, "password": password})
        answers.append(TOO_MANY if TOO_MANY in page.content.decode() else "wrong")
    return answers


def test_twenty_wrong_passwords_lock_out_known_and_unknown_alike(personas: Personas) -> None:
    known = _attempts(personas.author_a.user.email, 20)
    unknown = _attempts("nobody@example.gov", 20, ip="198.51.100.8")
    assert known == unknown
    assert known[:10] == ["wrong"] * 10
    assert known[10:] == [TOO_MANY] * 10


def test_the_right_password_is_refused_while_locked(personas: Personas) -> None:
    email = personas.author_a.user.email
    _attempts(email, 10)
    assert _attempts(email, 1, password=PASSWORD) == [TOO_MANY]


def test_a_lockout_is_recorded_once_in_the_persons_agencies(personas: Personas) -> None:
    _attempts(personas.author_a.user.email, 15)
    with agency_scope(personas.agency_a.pk):
        events = ArchiveEvent.objects.filter(verb="user.sign_in_locked_out")
        assert events.count() == 1
        assert ArchiveEvent.objects.filter(verb="user.sign_in_failed").count() == 10


def test_one_address_hammering_many_accounts_is_stopped(personas: Personas) -> None:
    client = Client(REMOTE_ADDR="198.51.100.9")
    statuses = [
        client.post(
            reverse("account_login"), {"login": f"guess{n}@example.gov", "password": "x"}
        ).status_code
        for n in range(31)
    ]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
