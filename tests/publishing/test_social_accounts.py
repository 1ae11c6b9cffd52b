"""Connected network accounts keep their tokens secret at rest."""

from __future__ import annotations

import pytest
from django.db import connection

from govsocial.tenancy import agency_scope
from publishing.networks.base import Network
from tests.conftest import Personas
from tests.factories import social_account_for

pytestmark = pytest.mark.django_db


def test_tokens_are_stored_encrypted_and_read_back_for_the_adapter(personas: Personas) -> None:
    account = social_account_for(personas.agency_a, access_token="very-secret-token")
    with agency_scope(personas.agency_a.pk), connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM publishing_socialaccount WHERE id = %s",
            [account.pk],
        )
        stored = cursor.fetchone()
    assert stored is not None
    assert "very-secret-token" not in stored[0]
    assert "refresh-token" not in stored[1]
    credentials = account.credentials()
    assert (credentials.network, credentials.access_token) == (Network.X, "very-secret-token")
    assert credentials.refresh_token == "refresh-token"
