"""Set-based writes for the upsert's large batches: COPY and INSERT ... SELECT unnest(...).

Django's bulk_create builds one INSERT with a placeholder per value; for a 1,000-paper batch
(30 columns, ~8,000 author and ~10,000 MeSH rows) building and binding that statement cost
more than PostgreSQL's work (docs/benchmarks.md). These helpers send the rows as COPY data or
as one array per column, inside the caller's transaction, and send no model signals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert ``rows`` into ``model``'s table with COPY."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    # The raw psycopg COPY bypasses Django's cursor wrapper: map its errors to Django's
    # (DataError, IntegrityError) as every other query's are.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def copy_new_objects(objects: Sequence[models.Model]) -> None:
    """Insert unsaved model instances with COPY and set their primary keys.

    The keys are taken from the table's sequence first (one query for the whole batch), so
    COPY, which returns nothing, still leaves each instance knowing its row. Generated columns
    are left to PostgreSQL; auto_now_add fields are filled as save() would.
    """
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
    fields = [
        f
        for f in meta.concrete_fields
        if not getattr(f, "generated", False) and f.column != "search_vector"
    ]
    copy_rows(
        model,
        [str(f.column) for f in fields],
        (
            tuple(f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields)
            for obj in objects
        ),
    )
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_missing(
    model: type[models.Model],
    *,
    key: str,
    columns: Sequence[str],
    rows: Sequence[tuple],
    update_if_changed: Sequence[str] = (),
) -> dict[str, int]:
    """Insert the rows whose ``key`` (their first column) is not stored yet; return {key: id}.

    Rows are inserted in key order, so two transactions adding overlapping new keys take the
    unique index's locks in the same order and cannot deadlock. ``update_if_changed`` names
    columns to overwrite on a stored row whose value differs (a renamed MeSH descriptor).
    ``columns`` must all be text columns (one text[] parameter each).
    """
    if not rows:
        return {}
    table = connection.ops.quote_name(model._meta.db_table)
    names = [connection.ops.quote_name(c) for c in columns]
    arrays = [list(column) for column in zip(*rows, strict=True)]
    if update_if_changed:
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in update_if_changed)
        differs = " OR ".join(
            f"{table}.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in update_if_changed
        )
        on_conflict = f"DO UPDATE SET {sets} WHERE {differs}"
    else:
        on_conflict = "DO NOTHING"
    unnest = ", ".join(["%s::text[]"] * len(columns))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) "
            f"SELECT * FROM unnest({unnest}) AS new ({', '.join(names)}) ORDER BY 1 "
            f"ON CONFLICT ({connection.ops.quote_name(key)}) {on_conflict}",
            arrays,
        )
        cursor.execute(
            f"SELECT {connection.ops.quote_name(key)}, id FROM {table} "
            f"WHERE {connection.ops.quote_name(key)} = ANY(%s::text[])",
            [arrays[0]],
        )
        return dict(cursor.fetchall())
