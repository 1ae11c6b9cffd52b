"""Meta-tests: nothing agency-owned escapes the isolation suite."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver

from govsocial.tenancy import agency_owned_models, agency_scope
from tests.conftest import Personas
from tests.factories import ROW_MAKERS
from tests.isolation import test_api, test_pages  # noqa: F401  (registers their suites)
from tests.isolation.suite import COVERED_URL_NAMES


def _agency_url_names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            names |= _agency_url_names(entry, pattern)
        elif isinstance(entry, URLPattern) and "agency_slug" in pattern and entry.name:
            names.add(entry.name)
    return names


def test_every_agency_endpoint_inherits_the_isolation_suite() -> None:
    endpoints = _agency_url_names(get_resolver())
    assert endpoints, "no agency endpoint found: the URL walk is broken"
    assert endpoints - COVERED_URL_NAMES == set()


def test_every_agency_owned_model_can_be_made_for_the_isolation_tests() -> None:
    assert set(agency_owned_models()) - set(ROW_MAKERS) == set()


# Tables whose rows every agency may read, on purpose (writes to them stay walled). Each
# entry says why; every other table with an agency_id column is read by its agency only.
OPEN_FOR_READING = {
    # The sign-in page routes an email domain to its agency's single sign-on before anyone
    # has signed in, so before any agency can be bound.
    "accounts_signondomain",
}

# Tables the app role may only insert into, for its bound agency, and reads only through
# database functions that answer for the bound agency (the owner reads past their
# policies there, so that their indexes serve): the events' words (archive 0011).
INSERT_ONLY = {
    table for model in apps.get_models() for table in getattr(model, "insert_only_beside", ())
}

WALLED_MODELS = [m for m in ROW_MAKERS if m._meta.db_table not in OPEN_FOR_READING]
ROUTING_MODELS = [m for m in ROW_MAKERS if m._meta.db_table in OPEN_FOR_READING]


def agency_tables() -> dict[str, tuple[bool, bool]]:
    """Return every table in the database with an agency_id column, found in the catalog
    whether or not a model declares it: name -> (row-level security enabled, forced).

    pg_catalog rather than information_schema: the latter hides tables the app role has
    no privilege on, and those need the wall as much as any.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.oid::regclass::text, c.relrowsecurity, c.relforcerowsecurity
            FROM pg_catalog.pg_class AS c
            JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid
            WHERE a.attname = 'agency_id' AND NOT a.attisdropped
              AND c.relkind IN ('r', 'p', 'm', 'f')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            """
        )
        return {name: (enabled, forced) for name, enabled, forced in cursor.fetchall()}


@pytest.mark.django_db
def test_every_agency_table_has_row_level_security_enabled_and_forced() -> None:
    tables = agency_tables()
    assert {m._meta.db_table for m in agency_owned_models()} <= set(tables), (
        "the catalog walk is broken"
    )
    walls = {name: wall for name, wall in tables.items() if name not in INSERT_ONLY}
    assert {name for name, wall in walls.items() if wall != (True, True)} == set()
    assert {tables[name] for name in INSERT_ONLY} == {(True, False)}


@pytest.mark.django_db
def test_the_app_role_cannot_read_the_tables_it_may_only_insert_into() -> None:
    assert INSERT_ONLY, "no insert-only table found: the model walk is broken"
    with connection.cursor() as cursor:
        for table in INSERT_ONLY:
            for privilege in ("SELECT", "UPDATE", "DELETE", "TRUNCATE"):
                cursor.execute("SELECT has_table_privilege(%s, %s)", [table, privilege])
                assert cursor.fetchone() == (False,), (table, privilege)


@pytest.mark.django_db
def test_every_agency_table_can_be_filled_for_the_isolation_tests() -> None:
    made = {m._meta.db_table for m in ROW_MAKERS}
    assert set(agency_tables()) - made - INSERT_ONLY == set()


def test_the_tables_open_for_reading_are_the_models_that_say_so() -> None:
    declared = {m._meta.db_table for m in agency_owned_models() if m.readable_by_all}  # type: ignore[attr-defined]
    assert declared == OPEN_FOR_READING


@pytest.mark.django_db
@pytest.mark.parametrize("model", WALLED_MODELS, ids=lambda m: m._meta.label)
def test_another_agency_cannot_see_the_row_even_past_the_orm(
    model: type[Model], personas: Personas
) -> None:
    row = ROW_MAKERS[model](personas.agency_a)
    table = model._meta.db_table
    count_of_a = f"SELECT count(*) FROM {table} WHERE agency_id = %s"  # noqa: S608
    with agency_scope(personas.agency_b.pk):
        # Past the ORM filter on purpose: only row-level security is left.
        assert not model.objects.unscoped().filter(pk=row.pk).exists()  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            cursor.execute(count_of_a, [personas.agency_a.pk])
            assert cursor.fetchone() == (0,)
    # Bound to no agency, as the dispatcher and the sign-in page are.
    with connection.cursor() as cursor:
        cursor.execute(count_of_a, [personas.agency_a.pk])
        assert cursor.fetchone() == (0,)
    with agency_scope(personas.agency_a.pk):
        assert model.objects.filter(pk=row.pk).exists()  # type: ignore[attr-defined]


@pytest.mark.django_db
@pytest.mark.parametrize("model", ROUTING_MODELS, ids=lambda m: m._meta.label)
def test_another_agency_can_read_a_routing_row_but_not_change_it(
    model: type[Model], personas: Personas
) -> None:
    row = ROW_MAKERS[model](personas.agency_a)
    table = model._meta.db_table
    with agency_scope(personas.agency_b.pk), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE id = %s", [row.pk])  # noqa: S608
        assert cursor.fetchone() == (1,)
        move = f"UPDATE {table} SET agency_id = %s WHERE id = %s"  # noqa: S608
        cursor.execute(move, [personas.agency_b.pk, row.pk])
        assert cursor.rowcount == 0
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [row.pk])  # noqa: S608
        assert cursor.rowcount == 0
    with agency_scope(personas.agency_a.pk):
        assert model.objects.filter(pk=row.pk, agency=personas.agency_a).exists()  # type: ignore[attr-defined]
