"""Admins set the agency's sign-in policy on its page; every change is recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Agency
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

POLICY = {
    "require_two_factor": "on",
    "require_security_key": "on",
    "idle_timeout_minutes": "30",
    "session_lifetime_hours": "8",
}


def test_an_admin_changes_the_policy_and_it_is_recorded(personas: Personas) -> None:
    url = reverse("security_policy", args=["alpha"])
    response = personas.client_for(personas.admin_a).post(url, POLICY)
    assert response.status_code == 302
    agency = Agency.objects.get(pk=personas.agency_a.pk)
    assert (agency.require_security_key, agency.idle_timeout_minutes) == (True, 30)
    with agency_scope(agency.pk):
        event = ArchiveEvent.objects.get(verb="agency.policy_changed")
    assert event.data["before"]["idle_timeout_minutes"] == 15
    assert event.data["after"] == {
        "require_two_factor": True,
        "require_security_key": True,
        "idle_timeout_minutes": 30,
        "session_lifetime_hours": 8,
        "approval_reminder_hours": 24,
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("idle_timeout_minutes", "0", "greater than or equal to 1"),
        ("idle_timeout_minutes", "soon", "Enter a whole number."),
        ("session_lifetime_hours", "1000", "less than or equal to 168"),
    ],
)
def test_bad_values_are_refused_with_a_message(
    personas: Personas, field: str, value: str, message: str
) -> None:
    url = reverse("security_policy", args=["alpha"])
    response = personas.client_for(personas.admin_a).post(url, {**POLICY, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Agency.objects.get(pk=personas.agency_a.pk).idle_timeout_minutes == 15


def test_an_author_reads_the_policy_but_cannot_change_it(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    url = reverse("security_policy", args=["alpha"])
    page = client.get(url)
    assert page.status_code == 200
    assert "<form" not in page.content.decode().split('id="main-content"')[1]
    response = client.post(url, {**POLICY, "idle_timeout_minutes": "600"}, follow=True)
    assert "Only an agency admin can change the security policy." in response.content.decode()
    assert Agency.objects.get(pk=personas.agency_a.pk).idle_timeout_minutes == 15
