"""Inviting people: the admin invites by email, the invitee joins through the link."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User
from archive.models import ArchiveEvent
from govsocial.tenancy import agency_scope
from tests.conftest import Personas
from tests.factories import PASSWORD, MembershipFactory, totp_code
from tests.mailbox import MailServer

pytestmark = pytest.mark.django_db


Invite = Callable[[str, list[str]], Client]


@pytest.fixture
def invite(
    personas: Personas, django_capture_on_commit_callbacks: Any, mailbox: MailServer
) -> Invite:
    """Return a function with which agency A's admin invites someone through the page
    (the invitation goes over SMTP to the demo's mailbox)."""

    def send(email: str, roles: list[str]) -> Client:
        client = personas.client_for(personas.admin_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("members", args=[personas.agency_a.slug]),
                {"email": email, "roles": roles},
            )
        assert response.status_code == 302, response.content.decode()[:2000]
        return client

    return send


@pytest.fixture
def last_link(mailbox: MailServer) -> Callable[[], str]:
    """Return a function that gives the join link of the last invitation sent."""

    def last() -> str:
        body = mailbox.wait()[0].body
        match = re.search(r"http\S+/join/\S+/", body)
        assert match, body
        return urlsplit(match.group(0)).path

    return last


def test_an_invited_person_creates_an_account_and_joins(
    personas: Personas,
    invite: Invite,
    django_capture_on_commit_callbacks: Any,
    last_link: Callable[[], str],
    mailbox: MailServer,
) -> None:
    invite("New.Person@Example.gov", [Role.AUTHOR, Role.APPROVER])
    (sent,) = mailbox.wait()
    assert sent.to == "new.person@example.gov"
    assert "City of Alpha" in sent.subject
    link = last_link()

    invitee = Client()
    page = invitee.get(link)
    assert page.status_code == 200
    assert "new.person@example.gov" in page.content.decode()
    response = invitee.post(
        link, {"name": "Nia Person", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status_code == 302
    home = reverse("agency_home", args=[personas.agency_a.slug])
    assert response["Location"] == home
    # The agency requires two-factor: the newcomer sets it up before seeing anything.
    setup = invitee.get(home)
    assert setup["Location"].startswith(reverse("mfa_index"))
    # Adding a factor asks for the password again, as every change of factor does.
    reauthenticate = invitee.get(reverse("mfa_activate_totp"))
    assert reauthenticate["Location"].startswith(reverse("account_reauthenticate"))
    invitee.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    activate = invitee.get(reverse("mfa_activate_totp"))
    secret = activate.context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):
        response = invitee.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert invitee.get(home).status_code == 200

    user = User.objects.get(email="new.person@example.gov")
    with agency_scope(personas.agency_a.pk):
        membership = Membership.objects.get(user=user)
        assert membership.roles == [Role.APPROVER, Role.AUTHOR]
        verbs = list(ArchiveEvent.objects.order_by("id").values_list("verb", flat=True))
    assert verbs[-5:] == [
        "member.invited",
        "member.joined",
        "user.signed_in",
        "user.two_factor_added",  # the authenticator app
        "user.two_factor_added",  # its recovery codes
    ]
    # The link works once.
    assert Client().get(link).status_code == 410


def test_an_existing_user_signs_in_then_accepts(
    personas: Personas, invite: Invite, last_link: Callable[[], str]
) -> None:
    other = MembershipFactory(agency=personas.agency_b, roles=[Role.AUTHOR])
    invite(other.user.email, [Role.VIEWER])
    link = last_link()
    anonymous_page = Client().get(link).content.decode()
    assert "Sign in to accept" in anonymous_page
    client = personas.client_for(other)
    assert client.post(link).status_code == 302
    with agency_scope(personas.agency_a.pk):
        assert Membership.objects.get(user=other.user).roles == [Role.VIEWER]


def test_an_invitation_for_someone_else_cannot_be_accepted(
    personas: Personas, invite: Invite, last_link: Callable[[], str]
) -> None:
    invite("intended@example.gov", [Role.AUTHOR])
    link = last_link()
    response = personas.client_for(personas.admin_b).post(link)
    assert response.status_code == 400
    assert "intended@example.gov" in response.content.decode()
    with agency_scope(personas.agency_a.pk):
        assert not Membership.objects.filter(user=personas.admin_b.user).exists()


def test_an_expired_invitation_says_so_and_changes_nothing(
    personas: Personas, invite: Invite, last_link: Callable[[], str]
) -> None:
    invite("late@example.gov", [Role.AUTHOR])
    link = last_link()
    with agency_scope(personas.agency_a.pk):
        Invitation.objects.filter(email="late@example.gov").update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    response = Client().post(
        link, {"name": "Late", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status_code == 410
    assert "can no longer be used" in response.content.decode()
    assert not User.objects.filter(email="late@example.gov").exists()


@pytest.mark.parametrize(
    ("email", "roles", "message"),
    [
        ("not-an-email", [Role.AUTHOR], "Enter an email address like name@agency.gov."),
        ("someone@example.gov", [], "Choose at least one role."),
        ("someone@example.gov", ["emperor"], "Select a valid choice."),
    ],
)
def test_bad_invitations_are_refused_with_a_message(
    personas: Personas, email: str, roles: list[str], message: str
) -> None:
    client = personas.client_for(personas.admin_a)
    response = client.post(
        reverse("members", args=[personas.agency_a.slug]), {"email": email, "roles": roles}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    with agency_scope(personas.agency_a.pk):
        assert not Invitation.objects.exists()


def test_inviting_a_current_member_is_refused(personas: Personas) -> None:
    client = personas.client_for(personas.admin_a)
    response = client.post(
        reverse("members", args=[personas.agency_a.slug]),
        {"email": personas.author_a.user.email.upper(), "roles": [Role.AUTHOR]},
    )
    assert response.status_code == 400
    assert "is already a member of this agency" in response.content.decode()


def test_a_second_open_invitation_to_the_same_address_is_refused(
    personas: Personas, invite: Invite
) -> None:
    invite("twice@example.gov", [Role.AUTHOR])
    response = personas.client_for(personas.admin_a).post(
        reverse("members", args=[personas.agency_a.slug]),
        {"email": "twice@example.gov", "roles": [Role.AUTHOR]},
    )
    assert response.status_code == 400
    assert "already has an open invitation" in response.content.decode()


def test_an_author_cannot_invite(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    response = client.post(
        reverse("members", args=[personas.agency_a.slug]),
        {"email": "x@example.gov", "roles": [Role.ADMIN]},
        follow=True,
    )
    assert "Only an agency admin can manage members." in response.content.decode()
    with agency_scope(personas.agency_a.pk):
        assert not Invitation.objects.exists()


def test_a_withdrawn_invitation_link_stops_working(
    personas: Personas, invite: Invite, last_link: Callable[[], str]
) -> None:
    client = invite("withdrawn@example.gov", [Role.AUTHOR])
    link = last_link()
    with agency_scope(personas.agency_a.pk):
        invitation = Invitation.objects.get(email="withdrawn@example.gov")
    response = client.post(
        reverse("invitation_revoke", args=[personas.agency_a.slug, invitation.pk])
    )
    assert response.status_code == 302
    assert Client().get(link).status_code == 410
    with agency_scope(personas.agency_a.pk):
        assert ArchiveEvent.objects.filter(verb="member.invitation_revoked").count() == 1


def test_the_invitation_token_is_not_stored(
    personas: Personas, invite: Invite, last_link: Callable[[], str]
) -> None:
    invite("secret@example.gov", [Role.AUTHOR])
    token = last_link().rstrip("/").rsplit("/", 1)[1]
    with agency_scope(personas.agency_a.pk):
        invitation = Invitation.objects.get(email="secret@example.gov")
        assert token not in invitation.token_hash
        event = ArchiveEvent.objects.get(verb="member.invited")
    assert token not in str(event.data)


def test_password_rules_apply_when_joining(
    personas: Personas, invite: Invite, last_link: Callable[[], str]
) -> None:
    invite("weak@example.gov", [Role.AUTHOR])
    link = last_link()
    response = Client().post(link, {"name": "W", "password": "short", "password_again": "short"})
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="weak@example.gov").exists()
