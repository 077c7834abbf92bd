"""
New rows of a model inserted through PostgreSQL COPY, their ids drawn from the table's own
sequence first. bulk_create binds every value into one INSERT client-side: for a bulk API
request of 10,000 activities that cost 1.4 s, four times the database's own work (bench api).
Elsewhere, and for a few rows, it is bulk_create.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

# Below this, one INSERT costs about as little and needs no second statement for the ids.
COPY_MIN_ROWS = 200


def copy_insert(
    model: type[models.Model], objs: Sequence[models.Model], *, batch_size: int
) -> None:
    """
    Insert these unsaved instances (no primary key yet) and set their ids, as bulk_create does:
    each field's pre_save runs (auto_now_add), no signal is sent. A constraint the rows break
    raises Django's IntegrityError (or DataError), and the caller's savepoint rolls back.
    """
    if connection.vendor != "postgresql" or len(objs) < COPY_MIN_ROWS or any(o.pk for o in objs):
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in [meta.pk.column, *(f.column for f in fields)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy,
        ):
            for obj, pk in zip(objs, ids, strict=True):
                copy.write_row(
                    [pk, *(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)]
                )
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias
