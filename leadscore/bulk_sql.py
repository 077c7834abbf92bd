"""
Writing many rows of a model at once, faster than bulk_create and bulk_update where it counts:

- copy_insert: new rows through PostgreSQL COPY, their ids drawn from the table's sequence
  first. bulk_create binds every value into one INSERT client-side: for a bulk API request of
  10,000 activities that cost 1.4 s, four times the database's own work (bench api).
- rows_update: changed rows through COPY into a temporary table and one UPDATE ... FROM it on
  PostgreSQL, one UPDATE per row sent as one executemany elsewhere. bulk_update builds a CASE
  WHEN per field and row: re-importing a 5,000-row leads file spent 80% of its time there.

Both send no signal and leave a few rows to the plain path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.db import connection, models, transaction

from leadscore import fast_json

# Below this, one statement costs about as little as COPY and its extra statements.
COPY_MIN_ROWS = 200


def copy_insert(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    batch_size: int | None,
    set_ids: bool = True,
) -> None:
    """
    Insert these unsaved instances (no primary key yet) and set their ids, as bulk_create does:
    each field's pre_save runs (auto_now_add), no signal is sent. A constraint the rows break
    raises Django's IntegrityError (or DataError), and the caller's savepoint rolls back.
    Without `set_ids` (rows nobody reads back, as timeline entries), the table numbers them
    and the instances keep no id: one query fewer.
    """
    if connection.vendor != "postgresql" or len(objs) < COPY_MIN_ROWS or any(o.pk for o in objs):
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return
    for obj in objs:
        # As bulk_create: a related object saved since it was assigned gives its id now, an
        # unsaved one is refused.
        obj._prepare_related_fields_for_save(operation_name="copy_insert")
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = [meta.pk.column] if set_ids else []
    names = ", ".join(quote(c) for c in [*columns, *(f.column for f in fields)])
    with connection.cursor() as cursor:
        ids = _new_ids(cursor, meta, len(objs)) if set_ids else []
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy,
        ):
            for position, obj in enumerate(objs):
                values = [copy_value(f, f.pre_save(obj, True)) for f in fields]
                copy.write_row([ids[position], *values] if set_ids else values)
    if not set_ids:
        return
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias


def _new_ids(cursor, meta, count: int) -> list[int]:
    """`count` ids from the table's own sequence, in order (what an INSERT would have taken)."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [meta.db_table, meta.pk.column, count],
    )
    return sorted(row[0] for row in cursor.fetchall())


def rows_update(
    model: type[models.Model],
    objs: Sequence[models.Model],
    fields: Sequence[str],
    *,
    copy_min_rows: int | None = None,
) -> None:
    """
    Write these fields of these saved instances, by primary key, as bulk_update does (no
    pre_save, no signal). A value the database refuses raises Django's DataError or
    IntegrityError, and the caller's savepoint rolls back. From `copy_min_rows` rows
    (COPY_MIN_ROWS unless given) on PostgreSQL, through COPY and one UPDATE.
    """
    if not objs:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    least = COPY_MIN_ROWS if copy_min_rows is None else copy_min_rows
    if connection.vendor != "postgresql" or len(objs) < least:
        update_each(model, objs, fields)
        return
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    names = ", ".join([pk, *(quote(f.column) for f in columns)])
    # One temporary table per model and set of fields, dropped with the transaction.
    digest = hashlib.sha1(f"{meta.db_table}:{names}".encode()).hexdigest()[:12]
    temp = f"_rows_update_{digest}"
    sets = ", ".join(f"{quote(f.column)} = t.{quote(f.column)}" for f in columns)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {temp} ON COMMIT DROP AS "
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy,
        ):
            for obj in objs:
                copy.write_row([obj.pk, *(copy_value(f, getattr(obj, f.attname)) for f in columns)])
        # A temporary table has no statistics: planned as thousands of rows, the join would read
        # the whole table; its row count makes it an index lookup per row. The key's statistics
        # are enough (sampling wide JSON values is not free).
        cursor.execute(f"ANALYZE {temp} ({pk})")
        cursor.execute(f"UPDATE {table} SET {sets} FROM {temp} AS t WHERE {table}.{pk} = t.{pk}")
        cursor.execute(f"TRUNCATE {temp}")


def update_each(
    model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]
) -> None:
    """
    One UPDATE by primary key per row, sent as one executemany (pipelined by psycopg,
    in-process on SQLite): for a few rows, or SQLite. bulk_update's CASE WHEN per field and row
    cost 0.4 s for 100 rows in the bulk API's batches (bench api).
    """
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    sets = ", ".join(f"{quote(f.column)} = %s" for f in columns)
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk]
        for obj in objs
    ]
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", params)


# Fields whose preparation gives a value of these types back unchanged: skipped for them (a
# large import writes about 40 values a contact, and preparing each cost more than sending it).
_TEXT, _WHOLE = (str, type(None)), (int, type(None))
_PLAIN = {
    models.CharField: _TEXT,
    models.EmailField: _TEXT,
    models.TextField: _TEXT,
    models.BooleanField: (bool, type(None)),
    models.IntegerField: _WHOLE,
    models.BigIntegerField: _WHOLE,
    models.PositiveIntegerField: _WHOLE,
    models.PositiveSmallIntegerField: _WHOLE,
    models.SmallIntegerField: _WHOLE,
    models.ForeignKey: _WHOLE,
    models.FloatField: (float, type(None)),
}


def copy_value(field: models.Field, value: Any) -> Any:
    """A value as COPY takes it: JSON as its text (orjson where it can), others prepared."""
    if type(value) in _PLAIN.get(type(field), ()):
        return value
    if isinstance(field, models.JSONField) and field.encoder is None and value is not None:
        try:
            return fast_json.dumps(value)
        except TypeError:  # what orjson refuses (an integer past 64 bits): the field's own way
            pass
    return field.get_db_prep_save(value, connection)
