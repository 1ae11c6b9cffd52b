"""Insert many rows of one table in one statement: each column goes as one JSON array,
unnested by PostgreSQL. The statement's text depends only on the columns, so psycopg
reads it once however many rows go (a VALUES list with a placeholder per value is a new
statement for every number of rows, and reading its placeholders costs as much as the
insert), and there are as many parameters as columns. A column goes as JSON text made in
one call rather than as a PostgreSQL array, whose every element psycopg would dump and
escape one by one in Python (most of the time an insert of archive events took); a JSON
column's documents, already text, are joined into the array as they are."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
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
                    f"[{','.join(column)}]"
                    if kind == "jsonb"
                    else json.dumps(column, default=_plain)
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
    """Return the placeholder of a column of type ``kind`` as an array of that type: the
    elements of one JSON array, in order (a JSON column's as documents, any other's as
    text read as the column's type)."""
    if kind == "jsonb":
        return f"ARRAY({_ELEMENTS.format('jsonb_array_elements')})"
    return f"ARRAY({_ELEMENTS.format('jsonb_array_elements_text')})::{kind}[]"


# The elements of a JSON array given as a parameter, in order.
_ELEMENTS = "SELECT value FROM {}(%s::jsonb) WITH ORDINALITY ORDER BY ordinality"


def _plain(value: Any) -> str:
    """Return a time, a date or bytes as PostgreSQL reads them (JSON has no such types):
    bytes in hex."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"\\x{value.hex()}"
    raise TypeError(f"a {type(value).__name__} is not inserted in bulk")
