"""The two walls between agencies: the fail-closed manager and row-level security."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, Role
from govsocial.tenancy import AgencyNotBound, agency_owned_models, agency_scope
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def test_agency_owned_rows_cannot_be_read_with_no_agency_bound(personas: Personas) -> None:
    with pytest.raises(AgencyNotBound):
        list(Membership.objects.all())


def test_the_bound_agency_sees_only_its_own_rows(personas: Personas) -> None:
    with agency_scope(personas.agency_b.pk):
        emails = {m.user.email for m in Membership.objects.all()}
    assert emails == {personas.admin_b.user.email}


def test_database_hides_another_agencys_rows_when_the_orm_filter_is_bypassed(
    personas: Personas,
) -> None:
    with agency_scope(personas.agency_b.pk):
        # Bypass the first wall on purpose: only row-level security stands in between.
        leaked = Membership.objects.unscoped().filter(agency=personas.agency_a)
        assert list(leaked) == []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM accounts_membership WHERE agency_id = %s",
                [personas.agency_a.pk],
            )
            assert cursor.fetchone() == (0,)
    with agency_scope(personas.agency_a.pk):
        assert Membership.objects.unscoped().filter(agency=personas.agency_a).count() == 2


def test_database_shows_nothing_when_no_agency_is_bound(personas: Personas) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_membership")
        assert cursor.fetchone() == (0,)


def test_database_refuses_writing_a_row_into_another_agency(personas: Personas) -> None:
    with (
        agency_scope(personas.agency_b.pk),
        pytest.raises(ProgrammingError),
        transaction.atomic(),
    ):
        Membership.objects.unscoped().create(
            agency=personas.agency_a, user=personas.admin_b.user, roles=[Role.ADMIN]
        )


def test_the_scope_does_not_outlive_its_block(personas: Personas) -> None:
    with agency_scope(personas.agency_a.pk):
        assert Membership.objects.count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('govsocial.agency_id', true)")
        assert cursor.fetchone() in {("",), (None,)}


def test_a_rolled_back_savepoint_does_not_leave_the_wrong_agency_bound(
    personas: Personas,
) -> None:
    with agency_scope(personas.agency_a.pk):
        assert Membership.objects.count() == 2
        try:
            with transaction.atomic(), agency_scope(personas.agency_b.pk):
                assert Membership.objects.count() == 1
                raise RuntimeError("roll back to the savepoint")
        except RuntimeError:
            pass
        assert Membership.objects.unscoped().count() == 2


def test_the_application_role_cannot_bypass_row_level_security() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
            "AND tableowner = current_user"
        )
        assert cursor.fetchone() == (0,)


@pytest.mark.parametrize("model", agency_owned_models(), ids=lambda m: m._meta.label)
def test_every_agency_owned_table_is_behind_forced_row_level_security(model: type) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s",
            [table],
        )
        assert cursor.fetchone() == (True, True)
        cursor.execute(
            "SELECT array_agg(DISTINCT cmd ORDER BY cmd) FROM pg_policies WHERE tablename = %s",
            [table],
        )
        assert cursor.fetchone() == (["DELETE", "INSERT", "SELECT", "UPDATE"],)


def test_an_agency_page_reads_its_agency_and_membership_once(
    personas: Personas,
) -> None:
    client = personas.client_for(personas.author_a)
    page = reverse("notification_list", args=["alpha"])
    client.get(page)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    read = [q["sql"] for q in queries.captured_queries]
    # The session check's read of the person's memberships (with their agencies) is
    # the page's only one: the agency and the membership come from it.
    assert sum('FROM "accounts_membership"' in sql for sql in read) == 1
    assert not any(sql.startswith('SELECT "accounts_agency"') for sql in read)
    # Another agency's page is still nowhere to be found.
    assert client.get(reverse("notification_list", args=["beta"])).status_code == 404


def test_a_statement_prepared_on_the_server_sees_only_the_agency_bound_when_it_runs(
    personas: Personas,
) -> None:
    # Row-level security alone stands between the agencies here, in a statement the
    # connection has run often enough to be prepared and planned once for every run.
    def emails() -> set[str]:
        return set(Membership.objects.unscoped().values_list("user__email", flat=True))

    with agency_scope(personas.agency_a.pk):
        for _ in range(10):
            assert emails() == {personas.admin_a.user.email, personas.author_a.user.email}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['SELECT "accounts_user"."email" AS "user__email" FROM "accounts_membership" %'],
        )
        assert cursor.fetchone() == (1,)
    with agency_scope(personas.agency_b.pk):
        assert emails() == {personas.admin_b.user.email}
