"""Rows inserted in one statement: one row as its values, many as a JSON array per
column; the same rows, conflicts and answers either way, every value as it was (text,
nothing, times to the microsecond, truths, numbers), JSON documents whole and in order."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from archive.models import Holiday, SavedSearch
from govsocial.bulk import rows_insert
from govsocial.tenancy import agency_scope
from inbox.models import InboxItem
from tests.conftest import Personas
from tests.factories import post_target_for, records_request_for, social_account_for

pytestmark = pytest.mark.django_db
COLUMNS = ("agency_id", "day", "name")
ONCE = "ON CONFLICT (agency_id, day) DO NOTHING"


def test_one_row_and_many_rows_go_in_alike(personas: Personas) -> None:
    agency_a = personas.agency_a
    first = [(agency_a.pk, date(2027, 1, 1), "New Year's Day")]
    more = [
        (agency_a.pk, date(2027, 1, 1), "Written twice"),
        (agency_a.pk, date(2027, 7, 1), "Canada Day"),
        (agency_a.pk, date(2027, 12, 25), "Christmas Day"),
    ]
    with agency_scope(agency_a.pk):
        one = rows_insert(Holiday, COLUMNS, first, conflict=ONCE, returning=["name"])
        many = rows_insert(Holiday, COLUMNS, more, conflict=ONCE, returning=["day", "name"])
        again = rows_insert(Holiday, COLUMNS, first, conflict=ONCE, returning=["name"])
        nothing = rows_insert(Holiday, COLUMNS, [], returning=["name"])
        kept = list(Holiday.objects.order_by("day").values_list("name", flat=True))

    assert one == [("New Year's Day",)]
    assert many == [(date(2027, 7, 1), "Canada Day"), (date(2027, 12, 25), "Christmas Day")]
    assert again == [] and nothing == []
    assert kept == ["New Year's Day", "Canada Day", "Christmas Day"]


def test_json_documents_go_in_whole_and_in_order(personas: Personas) -> None:
    agency = personas.agency_a
    request = records_request_for(agency)
    criteria = [
        {"words": 'the "bridge" \\ closure', "n": 1},
        {"words": "l'été à Montréal", "list": [1, "two", None]},
        [],
        "plain",
    ]
    rows = [
        (agency.pk, request.pk, f"Search {n}", json.dumps(one), request.opened_by_id)
        for n, one in enumerate(criteria)
    ]
    with agency_scope(agency.pk):
        inserted = rows_insert(
            SavedSearch,
            ("agency_id", "request_id", "name", "criteria", "saved_by_id"),
            rows,
            returning=["id"],
        )
        kept = SavedSearch.objects.in_bulk([row_id for (row_id,) in inserted])
        stored = [(kept[row_id].name, kept[row_id].criteria) for (row_id,) in inserted]

    assert stored == [(f"Search {n}", one) for n, one in enumerate(criteria)]


def test_every_kind_of_value_goes_in_as_it_was(personas: Personas) -> None:
    agency = personas.agency_a
    account = social_account_for(agency)
    target = post_target_for(agency, account=account)
    written = datetime(2027, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)
    texts = ['say "hi"', "back\\slash", "accents: é à ç", "tab\tand\nnewline", "", "[1, 2]"]
    rows = [
        (
            agency.pk, account.pk, f"r{n}", "reply", "amara", "Amara", text, "", "", "t",
            written, "", n, n % 2 == 0, "open", None if n % 2 else target.pk,
        )
        for n, text in enumerate(texts)
    ]  # fmt: skip
    columns = (
        "agency_id", "account_id", "remote_id", "kind", "author_handle", "author_name", "text",
        "permalink", "in_reply_to_remote_id", "thread", "written_at", "language", "version",
        "hidden", "status", "target_id",
    )  # fmt: skip
    with agency_scope(agency.pk):
        inserted = rows_insert(InboxItem, columns, rows, returning=list(columns))

    assert inserted == rows
