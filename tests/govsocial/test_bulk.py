"""Rows inserted in one statement: one row as its values, many as a column per array;
the same rows, conflicts and answers either way."""

from __future__ import annotations

from datetime import date

import pytest

from archive.models import Holiday
from govsocial.bulk import rows_insert
from govsocial.tenancy import agency_scope
from tests.conftest import Personas

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
