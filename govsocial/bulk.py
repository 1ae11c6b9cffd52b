"""Insert many rows of one table in one statement: each column goes as one array,
unnested by PostgreSQL. The statement's text depends only on the columns, so psycopg
reads it once however many rows go (a VALUES list with a placeholder per value is a new
statement for every number of rows, and reading its placeholders costs as much as the
insert), and there are as many parameters as columns. A JSON column goes as one JSON
array rather than an array of documents, whose every quotation mark psycopg would
escape one by one (most of the time an insert of archive events took)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection, models


def rows_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: str = "",
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (values in the order of ``columns``, scalar columns only, a JSON
    column's values as JSON text) into ``model``'s table in one statement, ``conflict``
    its ``ON CONFLICT …`` clause if any; return the ``returning`` columns of the rows
    inserted, in order."""
    if not rows:
        return []
    one = len(rows) == 1
    statement = _statement(model, tuple(columns), conflict, tuple(returning), one=one)
    with connection.cursor() as cursor:
        if one:
            cursor.execute(statement, list(rows[0]))
        else:
            types = _types(model, tuple(columns))
            cursor.execute(
                statement,
                [
                    f"[{','.join(column)}]" if kind == "jsonb" else list(column)
                    for kind, column in zip(types, zip(*rows, strict=True), strict=True)
                ],
            )
        return list(cursor.fetchall()) if returning else []


@cache
def _types(model: type[models.Model], columns: tuple[str, ...]) -> tuple[str | None, ...]:
    """Return the database type of each of ``model``'s ``columns``."""
    fields = {str(field.column): field for field in model._meta.concrete_fields}
    return tuple(fields[column].db_type(connection) for column in columns)


@cache
def _statement(
    model: type[models.Model],
    columns: tuple[str, ...],
    conflict: str,
    returning: tuple[str, ...],
    *,
    one: bool,
) -> str:
    """Return the statement for these columns: each cast to its column's own type, as an
    array for many rows, as one value for one row (an array of one costs more to write
    and to read than the value; only the model's column names and types are formatted
    in)."""
    types = _types(model, columns)
    source = (
        f"VALUES ({', '.join(f'%s::{kind}' for kind in types)})"
        if one
        else f"SELECT * FROM unnest({', '.join(_array(kind) for kind in types)})"  # noqa: S608  # nosec B608
    )
    statement = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) {source} {conflict}"
    if returning:
        statement += f" RETURNING {', '.join(returning)}"
    return statement


def _array(kind: str | None) -> str:
    """Return the placeholder of a column of type ``kind`` as an array: a JSON column's
    documents are the elements of one JSON array, in order."""
    if kind == "jsonb":
        return (
            "ARRAY(SELECT value FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY"
            " ORDER BY ordinality)"
        )
    return f"%s::{kind}[]"
