"""Rows written with PostgreSQL's COPY: every concrete column of a model, its default where the
loader gives no value, so that a column added later (with a default) needs no change here."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection


class Copier:
    """`Copier(Model, ["col", ...]).copy(rows)`: each row gives the named columns, in order."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        fields = list(model._meta.concrete_fields)
        given = set(columns)
        self.columns = [f.column for f in fields if f.column in given or not f.primary_key]
        unknown = given - {f.column for f in fields}
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {sorted(unknown)}")
        self.template = []
        for f in fields:
            if f.column not in self.columns:
                continue
            if f.column in given or not f.has_default() and f.null:
                self.template.append(None)
            else:
                self.template.append(f.get_db_prep_save(f.get_default(), connection))
        self.slots = [self.columns.index(c) for c in columns]

    def copy(self, rows: Iterable[tuple]) -> int:
        table = connection.ops.quote_name(self.model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        count = 0
        slots, template = self.slots, self.template
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    values = list(template)
                    for slot, value in zip(slots, row, strict=True):
                        values[slot] = value
                    copy.write_row(values)
                    count += 1
        return count


def reset_sequence(model) -> None:
    """After rows were copied with their own ids: the next id the database gives is above them."""
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), "
            f"COALESCE((SELECT MAX({connection.ops.quote_name(pk)}) FROM "
            f"{connection.ops.quote_name(table)}), 1))",
            [table, pk],
        )


def next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(model._meta.pk.column)}), 0) + 1 "
            f"FROM {connection.ops.quote_name(model._meta.db_table)}"
        )
        return cursor.fetchone()[0]


@contextmanager
def indexes_set_aside(*models) -> Iterator[None]:
    """Bulk loading's usual order: the tables' secondary indexes dropped before the COPY and built
    once after it, which is several times cheaper than updating each index row by row. Indexes
    that back a constraint (primary key, unique) stay, so the rows are still checked. To be used
    inside the load's transaction: PostgreSQL's DDL is transactional, and a failed load leaves
    every index as it was."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)"
            " AND i.indexdef NOT LIKE 'CREATE UNIQUE %%'"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
            "  WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))"
            "::regclass)",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        # The copied rows' foreign keys are checked now (Django's are deferred to the commit, and
        # PostgreSQL builds no index on a table with checks pending).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
