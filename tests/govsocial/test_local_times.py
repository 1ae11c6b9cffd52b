"""Every page shows times in the viewer's zone and says which (DESIGN.md, invariant 8):
the network accounts' last check and the API keys' expiry and last use included."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from govsocial.timezones import clock_labels
from tests.conftest import Personas
from tests.factories import api_key_for, social_account_for

pytestmark = pytest.mark.django_db

# 2027-01-15 17:30 UTC is 12:30 in Toronto.
MOMENT = datetime(2027, 1, 15, 17, 30, tzinfo=UTC)


def test_network_accounts_and_api_keys_show_their_times_in_the_viewers_zone(
    personas: Personas,
) -> None:
    admin = personas.admin_a.user
    admin.time_zone = "America/Toronto"
    admin.save(update_fields=["time_zone"])
    social_account_for(personas.agency_a, health_checked_at=MOMENT)
    api_key_for(personas.agency_a, expires_at=MOMENT, last_used_at=MOMENT)
    client = personas.client_for(personas.admin_a)

    for page in ("account_list", "api_keys"):
        shown = client.get(reverse(page, args=[personas.agency_a.slug])).content.decode()
        assert "(America/Toronto)" in shown, page
        assert "12:30" in shown and "17:30" not in shown, page


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_a_time_of_day_is_written_as_the_language_writes_it_whatever_its_seconds(
    language: str,
) -> None:
    zone = ZoneInfo("America/Toronto")
    with translation.override(language):
        clock_label = clock_labels()
        for minute in range(24 * 60):
            local = datetime(2027, 3, 14, minute // 60, minute % 60, 37, tzinfo=zone)
            assert clock_label(local) == formats.time_format(local), local
