"""The operation that builds indexes of an archive table concurrently, so that the log's
writers are not held while they are built: on the raw connection, as every statement
through Django's runs in a transaction of its own (``govsocial.tenancy.ScopeSetting``),
where PostgreSQL refuses CREATE INDEX CONCURRENTLY. A migration using it is not atomic.
Not a migration: the loader skips modules whose name starts with an underscore."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def built_concurrently(table: str, indexes: dict[str, str]) -> migrations.RunPython:
    """Return the operation that builds ``indexes`` (name: what follows ``ON table``) on
    ``table``, and drops them going back."""

    def create(apps: Any, schema_editor: Any) -> None:
        schema_editor.connection.ensure_connection()
        for name, columns in indexes.items():
            schema_editor.connection.connection.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {columns}"
            )

    def drop(apps: Any, schema_editor: Any) -> None:
        schema_editor.connection.ensure_connection()
        for name in indexes:
            schema_editor.connection.connection.execute(
                f"DROP INDEX CONCURRENTLY IF EXISTS {name}"
            )

    return migrations.RunPython(create, drop)
