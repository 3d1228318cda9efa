"""Set-based writes for the upsert's large batches: COPY and INSERT ... SELECT unnest(...).

Django's bulk_create builds one INSERT with a placeholder per value; for a 1,000-paper batch
(30 columns, ~8,000 author and ~10,000 MeSH rows) building and binding that statement cost
more than PostgreSQL's work (docs/benchmarks.md). These helpers send the rows as COPY data or
as one array per column, inside the caller's transaction, and send no model signals.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from django.db import connection, models


def copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple], *, table: str = ""
) -> None:
    """Insert ``rows`` into ``model``'s table (or the temporary ``table``) with COPY."""
    target = table or connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    # The raw psycopg COPY bypasses Django's cursor wrapper: map its errors to Django's
    # (DataError, IntegrityError) as every other query's are.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def reserve_keys(objects: Sequence[models.Model]) -> None:
    """Give unsaved instances primary keys from their table's sequence (one query for all).

    COPY returns nothing, so the keys are taken first: each instance then knows its row, and
    rows that point at it (authorships, MeSH headings) can be written before it is (the
    foreign keys are checked at commit).
    """
    if not objects:
        return
    meta = type(objects[0])._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk


def stage_new_objects(objects: Sequence[models.Model], *, table: str) -> list[str]:
    """COPY instances with reserved keys into a new temporary ``table``; return its columns.

    The caller inserts the staged rows with ``INSERT … SELECT`` (adding what only SQL can
    compute, such as a search vector) and drops the table; the instances count as saved.
    """
    model = type(objects[0])
    columns, rows = _object_rows(objects)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS "
            f"SELECT {quoted} FROM {connection.ops.quote_name(model._meta.db_table)} WITH NO DATA"
        )
    copy_rows(model, columns, rows, table=table)
    _mark_saved(objects)
    return columns


def update_objects(objects: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write ``fields`` of stored instances in one UPDATE … FROM a COPYed temporary table.

    What bulk_update does, without the ``CASE WHEN id = … THEN …`` per field and row that
    Django builds and resolves in Python (for 500 changed papers and 30 fields, most of a
    refresh's time). Return how many rows were updated.
    """
    if not objects:
        return 0
    meta = type(objects[0])._meta
    by_name = {f.name: f for f in meta.concrete_fields} | {
        f.attname: f for f in meta.concrete_fields
    }  # "journal_id" as well as "journal"
    model_fields = [by_name[name] for name in fields]
    columns = [str(meta.pk.column), *(str(f.column) for f in model_fields)]
    quote = connection.ops.quote_name
    table, staged = quote(meta.db_table), "irtkb_staged_update"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staged} ON COMMIT DROP AS "
            f"SELECT {', '.join(quote(c) for c in columns)} FROM {table} WITH NO DATA"
        )
        copy_rows(
            type(objects[0]),
            columns,
            (
                (
                    obj.pk,
                    *(
                        f.get_db_prep_save(getattr(obj, f.attname), connection)
                        for f in model_fields
                    ),
                )
                for obj in objects
            ),
            table=staged,
        )
        sets = ", ".join(f"{quote(c)} = staged.{quote(c)}" for c in columns[1:])
        cursor.execute(
            f"UPDATE {table} AS target SET {sets} FROM {staged} AS staged "
            f"WHERE target.{quote(columns[0])} = staged.{quote(columns[0])}"
        )
        updated = cursor.rowcount
        cursor.execute(f"DROP TABLE {staged}")
    return updated


def _object_rows(objects: Sequence[models.Model]) -> tuple[list[str], Iterator[tuple]]:
    fields = [
        f
        for f in type(objects[0])._meta.concrete_fields
        if not getattr(f, "generated", False) and f.column != "search_vector"
    ]
    rows = (
        tuple(f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields)
        for obj in objects
    )
    return [str(f.column) for f in fields], rows


def _mark_saved(objects: Sequence[models.Model]) -> None:
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias


def delete_rows(model: type[models.Model], *, column: str, ids: Iterable[int]) -> int:
    """Delete ``model``'s rows whose ``column`` is one of ``ids`` in one statement; no signals."""
    ids = sorted(ids)
    if not ids:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {connection.ops.quote_name(column)} = ANY(%s::bigint[])",
            [ids],
        )
        return cursor.rowcount


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
