"""An agency's page is read in one transaction, its session and its person included:
outside the test's own transaction, with its rows committed, as a request meets them."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Agency, Role
from tests.delivery_processes import live_agency, live_db  # noqa: F401
from tests.factories import MembershipFactory


def test_an_agency_page_reads_in_one_transaction_from_its_session_on(
    live_agency: Agency,  # noqa: F811
) -> None:
    client = Client()
    client.force_login(MembershipFactory(agency=live_agency, roles=[Role.AUTHOR]).user)
    page = reverse("notification_list", args=[live_agency.slug])
    client.get(page)
    alone: list[str] = []

    def note_alone(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if context["connection"].get_autocommit():
            alone.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note_alone), CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    client.logout()
    read = [q["sql"] for q in queries.captured_queries]
    assert any('FROM "django_session"' in sql for sql in read)
    assert any('FROM "accounts_membership"' in sql for sql in read)
    # None of them, the session and the person's included, in a transaction of its own.
    assert alone == []
