"""Rows written with PostgreSQL's COPY: every concrete column of a model, its default where the
loader gives no value, so that a column added later (with a default) needs no change here."""

from collections.abc import Iterable

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
