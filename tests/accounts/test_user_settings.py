"""A person's own settings: the time zone they read and enter times in, chosen on their
settings page, recorded in each of their agencies, and used by the calendar."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import user_time_zone_change
from archive.models import ArchiveEvent
from govsocial.errors import GovsocialError
from govsocial.tenancy import agency_scope, user_scope
from tests.conftest import Personas
from tests.factories import AgencyFactory, MembershipFactory
from tests.publishing.calendar_helpers import NEXT_YEAR, day_cell, scheduled, utc, x_account

pytestmark = pytest.mark.django_db

SETTINGS = reverse("user_settings")


def zone_events(agency_id: int, user: User) -> list[dict[str, str]]:
    with agency_scope(agency_id):
        return list(
            ArchiveEvent.objects.filter(verb="user.time_zone_changed", object_id=str(user.pk))
            .order_by("id")
            .values_list("data", flat=True)
        )


def test_the_page_offers_the_agencys_zone_first_then_zones_by_area(personas: Personas) -> None:
    page = personas.client_for(personas.author_a).get(SETTINGS)

    html = page.content.decode()
    assert page.status_code == 200
    first = re.search(r'id="id_time_zone"[^>]*>\s*<option[^>]*>([^<]*)</option>', html)
    assert first is not None
    assert first.group(1) == "Use my agency&#x27;s time zone (America/Toronto)"
    assert '<optgroup label="America">' in html and '<optgroup label="Europe">' in html
    assert '<option value="America/Argentina/Buenos_Aires">Argentina / Buenos Aires' in html
    assert 'value="US/Eastern"' not in html, "old aliases only crowd the list"
    assert '<label class="usa-label" for="id_time_zone">Time zone</label>' in html
    assert 'aria-describedby="id_time_zone-hint id_time_zone-error"' in html
    # The header leads here from every page.
    assert f'href="{SETTINGS}" aria-current="page">Your settings</a>' in html


def test_a_person_chooses_a_zone_and_is_told_it_is_saved(personas: Personas) -> None:
    user = personas.author_a.user
    client = personas.client_for(personas.author_a)

    saved = client.post(SETTINGS, {"time_zone": "Europe/Paris"})
    shown = client.get(saved["Location"]).content.decode()

    assert saved.status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "Europe/Paris"
    assert 'role="status"' in shown and "Times are now shown in Europe/Paris." in shown
    assert '<option value="Europe/Paris" selected>Paris</option>' in shown
    assert zone_events(personas.agency_a.pk, user) == [{"before": "", "after": "Europe/Paris"}]


def test_a_person_goes_back_to_the_agencys_zone(personas: Personas) -> None:
    user = personas.author_a.user
    User.objects.filter(pk=user.pk).update(time_zone="Europe/Paris")
    client = personas.client_for(personas.author_a)

    client.post(SETTINGS, {"time_zone": ""})
    shown = client.get(SETTINGS).content.decode()

    user.refresh_from_db()
    assert user.time_zone == ""
    assert "Times are now shown in your agency&#x27;s time zone." in shown


def test_a_zone_not_in_the_list_is_refused_with_the_reason_tied_to_the_field(
    personas: Personas,
) -> None:
    user = personas.author_a.user
    client = personas.client_for(personas.author_a)

    refused = client.post(SETTINGS, {"time_zone": "Mars/Olympus_Mons"})

    html = refused.content.decode()
    assert refused.status_code == 400
    assert 'role="alert"' in html and '<a href="#id_time_zone">' in html
    assert '<span class="usa-error-message" id="id_time_zone-error">' in html
    assert "Choose a time zone from the list." in html
    assert 'aria-invalid="true"' in html
    user.refresh_from_db()
    assert user.time_zone == ""
    assert zone_events(personas.agency_a.pk, user) == []


def test_someone_not_signed_in_is_sent_to_sign_in() -> None:
    answer = Client().get(SETTINGS)
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_the_service_refuses_an_unknown_zone(personas: Personas) -> None:
    user = personas.author_a.user

    with pytest.raises(GovsocialError) as refused:
        user_time_zone_change(user=user, time_zone="Europe/Atlantis")

    assert refused.value.field == "time_zone"
    assert "Europe/Atlantis" in refused.value.message
    user.refresh_from_db()
    assert user.time_zone == ""


def test_the_change_is_recorded_in_each_of_the_persons_agencies_once(
    personas: Personas,
) -> None:
    user = personas.author_a.user
    other = AgencyFactory(slug="gamma")
    MembershipFactory(agency=other, user=user)

    # Bound to the person, as the middleware binds a page without an agency.
    with user_scope(user.pk):
        user_time_zone_change(user=user, time_zone="America/Vancouver")
        user_time_zone_change(user=user, time_zone="America/Vancouver")

    change = {"before": "", "after": "America/Vancouver"}
    assert zone_events(personas.agency_a.pk, user) == [change]
    assert zone_events(other.pk, user) == [change]
    assert zone_events(personas.agency_b.pk, user) == []


def test_the_calendar_shows_times_in_the_zone_the_person_chose(personas: Personas) -> None:
    day = date(NEXT_YEAR, 7, 1)
    x = x_account(personas.agency_a)
    scheduled(personas.agency_a, personas.admin_a.user, [x], utc(day, 13), text="Canada Day")
    client = personas.client_for(personas.admin_a)
    calendar = reverse("calendar", args=[personas.agency_a.slug])
    query = {"view": "week", "date": day.isoformat()}

    in_toronto = day_cell(client.get(calendar, query), day)
    client.post(SETTINGS, {"time_zone": "Europe/Paris"})
    in_paris = day_cell(client.get(calendar, query), day)

    assert "9 a.m." in in_toronto and "Canada Day" in in_toronto
    assert "3 p.m." in in_paris and "Canada Day" in in_paris


def test_the_page_reads_in_french(personas: Personas) -> None:
    client = personas.client_for(personas.author_a)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})

    html = client.get(SETTINGS).content.decode()

    assert "<h1>Vos paramètres</h1>" in html
    assert "Utiliser le fuseau horaire de mon organisme (America/Toronto)" in html
