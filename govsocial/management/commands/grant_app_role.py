"""Grant the application's database role what it needs, and no more."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import ProgrammingError, connection
from psycopg import sql


class Command(BaseCommand):
    help = (
        "Run as the tables' owner after migrate: give ROLE read/write on the tables, "
        "read/insert only on append-only tables, insert only on the tables beside them "
        "that models name so, nothing on the migration history, and "
        "the right to call the database functions the models name for it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the role the web and worker processes connect as")

    def handle(self, *args: Any, role: str, **options: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"There is no database role named “{role}”.")
            if any(found):
                raise CommandError(
                    f"The role “{role}” is a superuser or bypasses row-level security; "
                    "the application must not connect as such a role."
                )
            name = sql.Identifier(role)
            statements = [
                sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
                sql.SQL(
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
                ).format(name),
                sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
                sql.SQL("REVOKE ALL ON TABLE django_migrations FROM {}").format(name),
            ]
            functions: list[str] = []
            for model in apps.get_models():
                if getattr(model, "append_only", False):
                    statements.append(
                        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON TABLE {} FROM {}").format(
                            sql.Identifier(model._meta.db_table), name
                        )
                    )
                statements.extend(
                    sql.SQL("REVOKE SELECT, UPDATE, DELETE, TRUNCATE ON TABLE {} FROM {}").format(
                        sql.Identifier(table), name
                    )
                    for table in getattr(model, "insert_only_beside", ())
                )
                functions.extend(getattr(model, "app_functions", ()))
            for statement in statements:
                cursor.execute(statement.as_string(cursor.connection))
            for function in functions:
                # By name alone: PostgreSQL refuses a name that is missing or overloaded,
                # so a grant that no longer fits the migrations fails here, not at run time.
                grant = sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(
                    sql.Identifier(function), name
                )
                try:
                    cursor.execute(grant.as_string(cursor.connection))
                except ProgrammingError as error:
                    raise CommandError(
                        f"Cannot let “{role}” call the database function “{function}”: {error}"
                    ) from None
        self.stdout.write(f"Granted the application role “{role}”.")
