"""Sessions end after the agency's idle timeout and lifetime, and at sign-out."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency
from accounts.policy import LAST_SEEN_AT, SIGNED_IN_AT
from tests.conftest import Personas
from tests.factories import PASSWORD, MembershipFactory, totp_code

pytestmark = pytest.mark.django_db


def _age(client: Client, *, idle: float = 0, signed_in: float = 0) -> None:
    session = client.session
    now = time.time()
    session[LAST_SEEN_AT] = now - idle
    session[SIGNED_IN_AT] = now - signed_in
    session.save()


def _is_signed_out(client: Client) -> bool:
    response = client.get(reverse("agency_home", args=["alpha"]))
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_fifteen_idle_minutes_end_the_session(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    assert client.get(reverse("agency_home", args=["alpha"])).status_code == 200
    _age(client, idle=14 * 60)
    assert client.get(reverse("agency_home", args=["alpha"])).status_code == 200
    _age(client, idle=16 * 60)
    assert _is_signed_out(client)
    # Ended on the server: the old session cookie no longer signs anyone in.
    assert _is_signed_out(client)


def test_an_agency_sets_its_own_idle_timeout(personas: Personas) -> None:
    Agency.objects.filter(pk=personas.agency_a.pk).update(idle_timeout_minutes=60)
    client = personas.client_for(personas.author_a)
    client.get(reverse("agency_home", args=["alpha"]))
    _age(client, idle=30 * 60)
    assert client.get(reverse("agency_home", args=["alpha"])).status_code == 200


def test_the_strictest_agency_decides(personas: Personas) -> None:
    Agency.objects.filter(pk=personas.agency_a.pk).update(idle_timeout_minutes=60)
    Agency.objects.filter(pk=personas.agency_b.pk).update(idle_timeout_minutes=5)
    MembershipFactory(agency=personas.agency_b, user=personas.author_a.user)
    client = personas.client_for(personas.author_a)
    client.get(reverse("agency_home", args=["alpha"]))
    _age(client, idle=10 * 60)
    assert _is_signed_out(client)


def test_twelve_hours_end_even_an_active_session(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    client.get(reverse("agency_home", args=["alpha"]))
    _age(client, signed_in=12 * 3600 + 60)
    assert _is_signed_out(client)


def test_a_session_past_its_expiry_date_is_not_read(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    assert client.get(reverse("agency_home", args=["alpha"])).status_code == 200
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    assert _is_signed_out(client)
    # The row is still there, and it was left alone: not read, not written again.
    assert Session.objects.get(session_key=key).expire_date <= timezone.now()


def test_signing_in_rotates_the_session_id(personas: Personas) -> None:
    client = Client()
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    client.post(
        reverse("account_login"), {"login": personas.author_a.user.email, "password": PASSWORD}
    )
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert client.get(reverse("agency_home", args=["alpha"])).status_code == 200
    assert client.session.session_key != before


def test_signing_out_ends_the_session_on_the_server(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    cookie = client.cookies["sessionid"].value
    client.post(reverse("account_logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    response = replay.get(reverse("agency_home", args=["alpha"]))
    assert response.status_code == 302
