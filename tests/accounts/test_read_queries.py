"""Reading an agency's members takes as many queries for thirty as for a few, through an
API key and signed in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tests.conftest import Personas, queries_of
from tests.factories import MembershipFactory, api_key_for

pytestmark = pytest.mark.django_db

ROLES = (Role.AUTHOR, Role.APPROVER, Role.VIEWER, Role.RECORDS_OFFICER)


@pytest.mark.parametrize("reader", ["key", "admin"])
def test_the_member_list_takes_as_many_queries_for_thirty_members_as_for_a_few(
    personas: Personas, reader: str
) -> None:
    if reader == "key":
        _key, token = api_key_for(personas.agency_a)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    else:
        client = personas.client_for(personas.admin_a)
    url = reverse("member-list", args=["alpha"])
    few = queries_of(client, url)
    before = len(client.get(url).json()["results"])

    for n in range(27):
        MembershipFactory(agency=personas.agency_a, roles=[ROLES[n % len(ROLES)]])
    members = client.get(url).json()["results"]
    assert len(members) == before + 27
    assert all(member["user"]["email"] for member in members)
    assert queries_of(client, url) == few
