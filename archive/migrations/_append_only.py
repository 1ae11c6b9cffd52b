"""The operation that makes an archive table refuse UPDATE, DELETE and TRUNCATE, to
its owner too, through archive_refuse_change (migration 0001). Not a migration: the
loader skips modules whose name starts with an underscore."""

from __future__ import annotations

from django.db import migrations


def refused_changes(table: str, *, deletes: bool = True) -> migrations.RunSQL:
    """Return the operation that puts the refusing triggers on ``table``; with
    ``deletes`` false, rows may still be deleted (kept bytes an erasure takes)."""
    changes, name = ("UPDATE OR DELETE", "update_delete") if deletes else ("UPDATE", "update")
    return migrations.RunSQL(
        sql=[
            f"CREATE TRIGGER archive_refuse_{name} BEFORE {changes} ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION archive_refuse_change()",
            f"CREATE TRIGGER archive_refuse_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION archive_refuse_change()",
        ],
        reverse_sql=[
            f"DROP TRIGGER IF EXISTS archive_refuse_truncate ON {table}",
            f"DROP TRIGGER IF EXISTS archive_refuse_{name} ON {table}",
        ],
    )
