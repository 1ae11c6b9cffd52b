"""Managing members: roles, deactivation, and the sign-in trail in the archive."""

from __future__ import annotations

import re

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Role
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import PASSWORD, AgencyFactory, MembershipFactory, totp_code

pytestmark = pytest.mark.django_db


def _events(personas: Personas, verb: str) -> list[ArchiveEvent]:
    with agency_scope(personas.agency_a.pk):
        return list(ArchiveEvent.objects.filter(verb=verb).order_by("id"))


def test_the_members_page_lists_everyone_with_their_roles(personas: Personas) -> None:
    page = personas.client_for(personas.author_a).get(
        reverse("members", args=[personas.agency_a.slug])
    )
    body = page.content.decode()
    assert personas.admin_a.user.email in body
    assert personas.author_a.user.email in body
    assert personas.admin_b.user.email not in body
    assert "Invite a member" not in body  # authors read, admins manage


def test_an_admin_changes_roles_and_the_change_is_recorded(personas: Personas) -> None:
    url = reverse("member_edit", args=[personas.agency_a.slug, personas.author_a.pk])
    response = personas.client_for(personas.admin_a).post(
        url, {"roles": [Role.AUTHOR, Role.APPROVER]}
    )
    assert response.status_code == 302
    with agency_scope(personas.agency_a.pk):
        personas.author_a.refresh_from_db()
    assert personas.author_a.roles == [Role.APPROVER, Role.AUTHOR]
    (event,) = _events(personas, "member.roles_changed")
    assert event.data == {
        "before": {"roles": [Role.AUTHOR]},
        "after": {"roles": [Role.APPROVER, Role.AUTHOR]},
    }
    assert event.actor_id == str(personas.admin_a.user.pk)


def test_the_last_admin_cannot_lose_the_admin_role(personas: Personas) -> None:
    url = reverse("member_edit", args=[personas.agency_a.slug, personas.admin_a.pk])
    response = personas.client_for(personas.admin_a).post(url, {"roles": [Role.AUTHOR]})
    assert response.status_code == 400
    assert "at least one active admin" in response.content.decode()
    with agency_scope(personas.agency_a.pk):
        personas.admin_a.refresh_from_db()
    assert personas.admin_a.roles == [Role.ADMIN]


def test_a_deactivated_members_open_session_is_dead_on_its_next_request(
    personas: Personas,
) -> None:
    author = Client()
    assert author.login(email=personas.author_a.user.email, password=PASSWORD)
    home = reverse("agency_home", args=[personas.agency_a.slug])
    assert author.get(home).status_code == 200

    url = reverse("member_edit", args=[personas.agency_a.slug, personas.author_a.pk])
    response = personas.client_for(personas.admin_a).post(url, {"deactivate": "1"})
    assert response.status_code == 302

    response = author.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    with agency_scope(personas.agency_a.pk):
        assert Membership.objects.get(pk=personas.author_a.pk).is_active is False
    assert len(_events(personas, "member.deactivated")) == 1
    # Signing in again does not reopen the agency.
    assert author.login(email=personas.author_a.user.email, password=PASSWORD)
    assert author.get(home).status_code == 404


def test_sign_in_sign_out_and_failed_sign_in_are_recorded(personas: Personas) -> None:
    client = Client()
    login = reverse("account_login")
    email = personas.author_a.user.email
    failed = client.post(login, {"login": email, "password": "wrong password"})
    assert failed.status_code == 200
    assert "not correct" in failed.content.decode()
    password_step = client.post(login, {"login": email, "password": PASSWORD})
    assert password_step["Location"] == reverse("mfa_authenticate")
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code()}).status_code == 302
    assert client.post(reverse("account_logout")).status_code == 302
    with agency_scope(personas.agency_a.pk):
        verbs = list(
            ArchiveEvent.objects.filter(object_id=str(personas.author_a.user.pk))
            .order_by("id")
            .values_list("verb", "actor_type")
        )
    assert verbs == [
        ("user.sign_in_failed", "anonymous"),
        ("user.signed_in", "accounts.user"),
        ("user.signed_out", "accounts.user"),
    ]


def test_a_wrong_password_and_an_unknown_address_read_the_same(personas: Personas) -> None:
    login = reverse("account_login")
    known = Client().post(login, {"login": personas.author_a.user.email, "password": "nope"})
    unknown = Client().post(login, {"login": "nobody@example.gov", "password": "nope"})
    assert known.status_code == unknown.status_code == 200
    assert _problem(known) == _problem(unknown)
    assert "The email address and/or password you specified are not correct." in _problem(known)


def _problem(response: HttpResponse) -> str:
    text = response.content.decode()
    start = text.index("There is a problem")
    return text[start : text.index("</ul>", start)]


def test_home_sends_people_to_their_agency(personas: Personas) -> None:
    response = personas.client_for(personas.author_a).get(reverse("home"))
    assert response["Location"] == reverse("agency_home", args=[personas.agency_a.slug])


def test_the_agency_switcher_lists_only_the_persons_agencies(personas: Personas) -> None:
    MembershipFactory(agency=personas.agency_b, user=personas.author_a.user)
    client = personas.client_for(personas.author_a)
    page = client.get(reverse("agency_home", args=[personas.agency_a.slug])).content.decode()
    assert 'value="alpha" selected' in page
    assert 'value="beta"' in page
    switched = client.get(reverse("agency_switch"), {"agency": "beta"})
    assert switched["Location"] == reverse("agency_home", args=["beta"])
    assert client.get(switched["Location"]).status_code == 200
    # Someone else's switcher does not offer agency B.
    other = personas.client_for(personas.admin_a).get(reverse("agency_home", args=["alpha"]))
    assert 'value="beta"' not in other.content.decode()


def test_the_agency_switcher_names_each_agencys_parent_and_leaves_out_what_is_closed(
    personas: Personas,
) -> None:
    user = personas.author_a.user
    parks = AgencyFactory(name="Alpha Parks", slug="alpha-parks", parent=personas.agency_a)
    MembershipFactory(agency=parks, user=user, roles=[Role.VIEWER])
    MembershipFactory(agency=AgencyFactory(slug="closed", is_active=False), user=user)
    MembershipFactory(agency=personas.agency_b, user=user, is_active=False)
    page = personas.client_for(personas.author_a).get(reverse("agency_home", args=["alpha"]))
    switcher = page.content.decode().split('id="agency-switcher"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', switcher) == [
        ("alpha-parks", "City of Alpha \u203a Alpha Parks"),
        ("alpha", "City of Alpha"),
    ]


def test_pages_are_available_in_french(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    page = client.get(reverse("members", args=[personas.agency_a.slug])).content.decode()
    assert '<html lang="fr">' in page
    assert "Membres" in page
