"""Bulk writes for imports of thousands of rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router


def bulk_set(objs: Sequence[models.Model], fields: Sequence[str], batch_size: int = 500) -> None:
    """Write `fields` of every object to its row: many rows per UPDATE statement.

    What QuerySet.bulk_update does, but as one VALUES list joined on the primary key
    (`WITH v(k, …) AS (VALUES …) UPDATE t SET f = v.f … FROM v WHERE t.id = v.k`) instead of one
    CASE WHEN per row and field, whose expressions Django builds and compiles one by one — at 20,000 rows
    that took most of an import's writing transaction. PostgreSQL, and SQLite from 3.33 (UPDATE … FROM).
    No signals, no history: callers record history themselves.
    """
    if not objs or not fields:
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    columns: list[Any] = []
    for name in fields:
        column = model._meta.get_field(name)
        if not isinstance(column, models.Field) or not column.concrete:
            raise ValueError(f"bulk_set writes concrete fields only, not {name!r}")
        columns.append(column)
    names = ["k", *(f"v{i}" for i in range(len(columns)))]
    # PostgreSQL types the VALUES by their text; SQLite is typed by the column the value lands in (and a
    # CAST there would turn '2024-01-31' into 2024).
    postgres = connection.vendor == "postgresql"

    def typed(name: str, field: Any) -> str:
        return f"CAST(v.{name} AS {field.cast_db_type(connection)})" if postgres else f"v.{name}"

    table = quote(model._meta.db_table)
    assignments = ", ".join(
        f"{quote(field.column)} = {typed(name, field)}"
        for name, field in zip(names[1:], columns, strict=True)
    )
    max_params = connection.features.max_query_params
    if connection.vendor == "sqlite":
        # Django assumes SQLite's historic 999; the library in use tells its real limit (32766 by default)
        connection.ensure_connection()
        max_params = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    rows_per_statement = max(1, min(batch_size, max_params // len(names) if max_params else batch_size))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), rows_per_statement):
            chunk = objs[start : start + rows_per_statement]
            row_sql = "(" + ", ".join(["%s"] * len(names)) + ")"
            params: list[Any] = []
            for obj in chunk:
                params.append(pk.get_db_prep_save(obj.pk, connection))
                params.extend(
                    field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns
                )
            cursor.execute(
                f"WITH v ({', '.join(names)}) AS (VALUES {', '.join([row_sql] * len(chunk))}) "
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.{quote(pk.column)} = {typed('k', pk)}",
                params,
            )
